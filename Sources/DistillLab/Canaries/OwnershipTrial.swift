import Foundation
import DistillNN

/// Verification of suspects and of held-out innocent controls, so a
/// verifier's false-positive rate is measured, never assumed.
public struct OwnershipTrialReport: Codable, Sendable, Equatable {
    public var method: String
    public var alpha: Double
    /// Each suspect verified against a calibration on all controls.
    public var suspects: [String: OwnershipVerification]
    /// Control i verified against a calibration on the other controls.
    public var controls: [OwnershipVerification]
    /// Flagged held-out controls / controls.
    public var falsePositiveRate: Double
}

/// Runs a verifier on suspects and, leave-one-out, on the controls.
public enum OwnershipTrial {
    /// Leave-one-out: for each control i, calibrate on the other C − 1
    /// controls and verify control i (an innocent model the calibration has
    /// not seen); FPR = flagged / C. Then calibrate on all C controls and
    /// verify every suspect. The canary is left calibrated on all controls.
    ///
    /// Leave-one-out rather than split halves because controls are few and
    /// expensive: every calibration sees C − 1 of them and every control is
    /// tested once.
    /// - Parameters:
    ///   - controls: independently trained innocent models, at least 2 (and at
    ///     least the canary's own minimum + 1 for the held-out calibrations).
    /// - Throws: the canary's calibration and verification errors.
    /// - Complexity: C + 1 calibrations and C + S verifications.
    public static func run(canary: OwnershipCanary, suspects: [String: MLP], controls: [MLP],
                           alpha: Double) throws -> OwnershipTrialReport {
        guard controls.count >= 2 else {
            throw CanaryError.tooFewControls(method: canary.name, needed: 2, got: controls.count)
        }
        var heldOut: [OwnershipVerification] = []
        for i in controls.indices {
            var rest = controls
            rest.remove(at: i)
            try canary.calibrate(controls: rest)
            heldOut.append(try canary.verify(controls[i], alpha: alpha))
        }
        try canary.calibrate(controls: controls)
        var verdicts: [String: OwnershipVerification] = [:]
        for (name, model) in suspects { verdicts[name] = try canary.verify(model, alpha: alpha) }
        let flagged = heldOut.filter(\.flagged).count
        return OwnershipTrialReport(method: canary.name, alpha: alpha, suspects: verdicts, controls: heldOut,
                                    falsePositiveRate: Double(flagged) / Double(controls.count))
    }
}
