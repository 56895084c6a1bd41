import DistillCore

/// How features are rescaled, per feature, once the data is split (`data.normalize`).
public enum FeatureNormalization: String, Codable, CaseIterable, Sendable {
    /// The features as loaded (after a CSV's `featureScale`).
    case none
    /// The fitted split's minimum..maximum of each feature to [0, 1].
    case minmax
    /// Zero mean and unit variance on the fitted split (population variance, as
    /// numpy's `std` and scikit-learn's `StandardScaler`).
    case standardize
}

/// A per-feature affine rescaling fitted on one dataset, the teacher's training
/// split, and applied unchanged to every other:
///
///     x' = (x − shift) / spread,   and x' = 0 where spread = 0 (a constant feature)
///
/// - minmax: shift = minimum, spread = maximum − minimum (the fitted rows land in [0, 1]);
/// - standardize: shift = mean, spread = standard deviation (ddof 0).
///
/// Rows outside the fitted range (another split's) may land outside [0, 1]: the
/// parameters come from the fitted rows only, so no other split leaks into them.
public struct FeatureNormalizer: Codable, Equatable, Sendable {
    public var method: FeatureNormalization
    /// Rows of the dataset it was fitted on.
    public var fittedRows: Int
    /// Per feature: the minimum (minmax) or the mean (standardize).
    public var shift: [Float]
    /// Per feature: maximum − minimum (minmax) or the standard deviation (standardize); 0 for a constant feature.
    public var spread: [Float]

    public init(method: FeatureNormalization, fittedRows: Int, shift: [Float], spread: [Float]) {
        self.method = method; self.fittedRows = fittedRows; self.shift = shift; self.spread = spread
    }

    /// Fits `method` on every row of `data`; nil for `.none`.
    /// - Precondition: `data` has at least one row (every split does).
    /// - Complexity: O(rows · features); sums in Double, so a large split's mean does not drift.
    public static func fit(_ method: FeatureNormalization, on data: Dataset) -> FeatureNormalizer? {
        let x = data.features
        precondition(x.rows > 0, "cannot fit a normalisation on the empty dataset \(data.name)")
        let (n, d) = (x.rows, x.cols)
        var shift = [Float](repeating: 0, count: d), spread = [Float](repeating: 0, count: d)
        switch method {
        case .none:
            return nil
        case .minmax:
            var lo = x.rowValues(0), hi = lo
            for r in 1..<n {
                let row = x.row(r)
                for j in 0..<d { lo[j] = min(lo[j], row[j]); hi[j] = max(hi[j], row[j]) }
            }
            shift = lo
            // The same subtraction `apply` makes for the maximum row, so that row maps to exactly 1.
            for j in 0..<d { spread[j] = hi[j] - lo[j] }
        case .standardize:
            var sum = [Double](repeating: 0, count: d)
            for r in 0..<n { let row = x.row(r); for j in 0..<d { sum[j] += Double(row[j]) } }
            let mean = sum.map { $0 / Double(n) }
            // Two passes (mean, then squared deviations): no cancellation for features far from 0.
            var squares = [Double](repeating: 0, count: d)
            for r in 0..<n { let row = x.row(r); for j in 0..<d { let e = Double(row[j]) - mean[j]; squares[j] += e * e } }
            for j in 0..<d {
                shift[j] = Float(mean[j])
                let std = (squares[j] / Double(n)).squareRoot()
                // A feature that is constant up to rounding has no scale to divide by.
                spread[j] = std > 1e-12 * max(1, abs(mean[j])) ? Float(std) : 0
            }
        }
        return FeatureNormalizer(method: method, fittedRows: n, shift: shift, spread: spread)
    }

    /// `x` rescaled, as a new matrix.
    /// - Precondition: `x.cols == shift.count` (the width it was fitted on).
    public func apply(_ x: Matrix) -> Matrix {
        precondition(x.cols == shift.count && shift.count == spread.count,
                     "normaliser fitted on \(shift.count) features applied to \(x.cols)")
        let out = Matrix(rows: x.rows, cols: x.cols)
        for r in 0..<x.rows {
            let (src, dst) = (x.row(r), out.row(r))
            for j in 0..<x.cols {
                // Division, not a reciprocal: (max − min) / (max − min) is exactly 1, so minmax stays inside [0, 1].
                dst[j] = spread[j] > 0 ? (src[j] - shift[j]) / spread[j] : 0
            }
        }
        return out
    }

    /// `data` with its features rescaled (name, labels, classes and image shape kept).
    /// - Precondition: as `apply(_:)`.
    public func apply(to data: Dataset) -> Dataset {
        Dataset(unchecked: data.name, features: apply(data.features), labels: data.labels,
                classNames: data.classNames, imageShape: data.imageShape)
    }
}
