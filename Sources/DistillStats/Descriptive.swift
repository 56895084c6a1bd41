import Foundation

/// Descriptive statistics for reporting results across seeds or runs.
///
/// Empty inputs (and single values for the sample standard deviation) give
/// NaN rather than trapping, so a missing run shows up in a report instead of
/// crashing it.
public enum Descriptive {

    /// The arithmetic mean; NaN for an empty array.
    ///
    /// - Complexity: O(n).
    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation √(Σ(x − x̄)² / (n − 1)); NaN if n < 2.
    ///
    /// - Complexity: O(n), two passes.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double {
        guard values.count >= 2 else { return .nan }
        return (sumOfSquaredDeviations(values) / Double(values.count - 1)).squareRoot()
    }

    /// The population standard deviation √(Σ(x − x̄)² / n); NaN if empty.
    ///
    /// - Complexity: O(n), two passes.
    public static func populationStandardDeviation(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return (sumOfSquaredDeviations(values) / Double(values.count)).squareRoot()
    }

    /// The median (mean of the two middle values for even n); NaN if empty.
    ///
    /// - Complexity: O(n log n) (sorts a copy).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid])
    }

    /// Σ(x − x̄)² by the corrected two-pass algorithm (Chan, Golub & LeVeque),
    /// which stays accurate when the mean is large relative to the spread.
    private static func sumOfSquaredDeviations(_ values: [Double]) -> Double {
        let m = mean(values)
        var squares = 0.0
        var deviations = 0.0
        for x in values {
            let d = x - m
            squares += d * d
            deviations += d
        }
        // The second term cancels the rounding error in the computed mean.
        return max(0, squares - deviations * deviations / Double(values.count))
    }

    /// Count, mean ± sample standard deviation, min and max of a set of runs.
    public struct Summary: Equatable, Sendable, CustomStringConvertible {
        public let count: Int
        public let mean: Double
        /// Sample (n − 1) standard deviation; NaN when count < 2.
        public let standardDeviation: Double
        public let min: Double
        public let max: Double

        /// Summarizes `values`; all statistics are NaN when it is empty.
        ///
        /// - Complexity: O(n).
        public init(_ values: [Double]) {
            count = values.count
            mean = Descriptive.mean(values)
            standardDeviation = Descriptive.sampleStandardDeviation(values)
            min = values.min() ?? .nan
            max = values.max() ?? .nan
        }

        /// `"mean ± std (n = count, min … max)"` with 4 significant digits.
        public var description: String {
            func format(_ x: Double) -> String { String(format: "%.4g", x) }
            return "\(format(mean)) ± \(format(standardDeviation)) (n = \(count), "
                + "min \(format(min)), max \(format(max)))"
        }
    }
}
