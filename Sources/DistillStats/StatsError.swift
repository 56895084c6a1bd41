/// Errors thrown by statistical tests when their input is outside the
/// domain where the test is defined.
///
/// Each description names the problem and how to fix it, so it can be shown
/// to a user as-is.
public enum StatsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The sample has fewer observations than the test needs.
    case sampleTooSmall(count: Int, minimum: Int)
    /// The sample has more observations than the test's approximation covers.
    case sampleTooLarge(count: Int, maximum: Int)
    /// The sample contains NaN or ±infinity at `index`.
    case nonFiniteValue(index: Int)
    /// All observations are identical, so the statistic is undefined.
    case zeroRange

    public var description: String {
        switch self {
        case .sampleTooSmall(let count, let minimum):
            return "sample has \(count) observation(s) but at least \(minimum) are required; "
                + "collect more observations (e.g. more seeds or runs) before testing"
        case .sampleTooLarge(let count, let maximum):
            return "sample has \(count) observations but the test is only calibrated for at most "
                + "\(maximum); test a random subsample of \(maximum) or fewer observations"
        case .nonFiniteValue(let index):
            return "sample contains a non-finite value (NaN or infinity) at index \(index); "
                + "remove or repair diverged/missing measurements before testing"
        case .zeroRange:
            return "all observations are identical (zero range), so normality cannot be assessed; "
                + "check that the measured quantity actually varies (e.g. not a constant or saturated metric)"
        }
    }
}
