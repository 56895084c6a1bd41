import Foundation

/// Errors from planting, storing and verifying canaries; each names the fix.
public enum CanaryError: Error, CustomStringConvertible, Equatable {
    /// `verify` was called before `calibrate(controls:)`.
    case notCalibrated(method: String)
    /// Calibration got fewer control models than the rule needs.
    case tooFewControls(method: String, needed: Int, got: Int)
    /// The log holds no canaries (nothing was marked yet).
    case emptyLog(method: String)
    /// A model's input width or class count differs from the canary's.
    case modelMismatch(method: String, expectedFeatures: Int, expectedClasses: Int, gotFeatures: Int, gotClasses: Int)
    /// A canary log or signal record file cannot be read.
    case malformedFile(path: String, reason: String)
    /// A bad argument to a canary API (not a registry parameter).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .notCalibrated(m):
            return "\(m): verification needs a null model first; call calibrate(controls:) with independently trained control models (or load a log that stores a calibration)"
        case let .tooFewControls(m, needed, got):
            return "\(m): calibration needs at least \(needed) control models, got \(got); train more independent controls"
        case let .emptyLog(m):
            return "\(m): the canary log is empty (no query was marked); serve more queries or raise the rate"
        case let .modelMismatch(m, ef, ec, gf, gc):
            return "\(m): the model has \(gf) inputs and \(gc) classes but the canary was planted for \(ef) inputs and \(ec) classes; check that the suspect was trained on the same task"
        case let .malformedFile(p, why):
            return "cannot read canary file '\(p)': \(why); re-save it with distill-lab"
        case let .invalidArgument(s):
            return s
        }
    }
}
