import Foundation
import DistillNN

extension CanaryLog: CanaryEvidence {
    public var method: String { CanaryLog.method }

    public func calibrated(on controls: [MLP]) throws -> CanaryEvidence {
        var log = self
        try log.calibrate(controls: controls)
        return log
    }

    public func explain(_ v: OwnershipVerification) -> String {
        var text = "\(v.matches ?? 0) of \(v.trials ?? 0) canaries carry the keyed label where the suspect differs from the replaced answer"
            + String(format: " (chance 1/%d = %.4g)", classCount - 1, 1 / Double(classCount - 1))
        if let c = calibration {
            text += String(format: "; controls (reported only): pooled agreement %d of %d over %d models", c.agreements, c.trials, c.controls)
        }
        return text
    }

    /// Reads a keyed canary's evidence (its log).
    public static func read(_ data: Data, from url: URL) throws -> CanaryEvidence {
        try decode(data, path: url.path)
    }
}

extension KeyedCanary {
    /// Its log of marked queries, for `distill-lab verify`.
    public func evidence() throws -> CanaryEvidence { log }
}
