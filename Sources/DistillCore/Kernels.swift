import Foundation

/// Elementwise and row-wise kernels on raw row-major buffers.
///
/// They take pointers and a row count so the training loop can run them on
/// buffers sized once for the largest batch.
public enum Kernels {
    /// Row-wise softmax of `x / temperature` into `y` (may alias `x`).
    /// Numerically stable (subtracts the row maximum).
    /// - Complexity: O(rows · cols).
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   rows: Int, cols: Int, temperature: Float = 1) {
        let invT = 1 / temperature
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            var m = -Float.infinity
            for j in 0..<cols { m = max(m, xr[j]) }
            var s: Float = 0
            for j in 0..<cols { let e = expf((xr[j] - m) * invT); yr[j] = e; s += e }
            let inv = 1 / s
            for j in 0..<cols { yr[j] *= inv }
        }
    }

    /// The shift and normaliser of a stable softmax of one row of `count`
    /// values at inverse temperature `invT`, leaving out index `excluded` (the
    /// misinformation loss's "other classes"): the maximum `m` and
    /// `Σ_j exp((x_j − m)·invT)`. Every loss and softmax of the lab normalises
    /// its rows with this (or `softmaxRows`, which also stores the exponentials).
    /// - Precondition: at least one index is not excluded.
    @inlinable
    public static func maxAndSumExp(_ x: UnsafePointer<Float>, count: Int, invT: Float = 1,
                                    excluded: Int = -1) -> (max: Float, sum: Float) {
        var m = -Float.infinity
        for j in 0..<count where j != excluded { m = max(m, x[j]) }
        var s: Float = 0
        for j in 0..<count where j != excluded { s += expf((x[j] - m) * invT) }
        return (m, s)
    }

    /// `maxAndSumExp` with the log of the sum, so
    /// `log softmax(x/T)_j = (x_j − m)·invT − logSum`.
    @inlinable
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int, invT: Float = 1) -> (max: Float, logSum: Float) {
        let (m, s) = maxAndSumExp(x, count: count, invT: invT)
        return (m, logf(s))
    }

    /// Index of the largest element of each row (first one on ties).
    public static func argmaxRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int,
                                  into out: UnsafeMutablePointer<Int32>) {
        for r in 0..<rows { out[r] = Int32(argmax(x + r * cols, count: cols)) }
    }

    /// Index of the largest of `count` elements (first one on ties; NaN never wins).
    @inlinable
    public static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        var bestValue = x[0]
        for j in 1..<max(count, 1) where x[j] > bestValue || (bestValue.isNaN && !x[j].isNaN) {
            best = j; bestValue = x[j]
        }
        return best
    }

    /// In-place ReLU over `count` elements.
    @inlinable
    public static func reluForward(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(x[i], 0) }
    }

    /// ReLU backward given the ReLU *output* `y`: `dx = dy · [y > 0]` in place on `dy`.
    @inlinable
    public static func reluBackward(output y: UnsafePointer<Float>, gradient dy: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dy[i] = y[i] > 0 ? dy[i] : 0 }
    }

    /// Writes `bias` into every one of `rows` rows of `y` (the `beta = 1` start of a dense forward).
    @inlinable
    public static func broadcastRows(_ bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { (y + r * cols).update(from: bias, count: cols) }
    }

    /// Whether all `count` values are finite.
    @inlinable
    public static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        var acc: Float = 0
        for i in 0..<count { acc += x[i] * 0 }  // NaN·0 and ∞·0 are NaN; vectorizes.
        return !acc.isNaN
    }
}

extension Matrix {
    /// Row-wise softmax (with temperature) as a new matrix.
    public func softmaxRows(temperature: Float = 1) -> Matrix {
        let y = Matrix(rows: rows, cols: cols)
        Kernels.softmaxRows(storage, y.storage, rows: rows, cols: cols, temperature: temperature)
        return y
    }

    /// Row-wise argmax.
    public func argmaxRows() -> [Int32] {
        var out = [Int32](repeating: 0, count: rows)
        out.withUnsafeMutableBufferPointer { Kernels.argmaxRows(storage, rows: rows, cols: cols, into: $0.baseAddress!) }
        return out
    }
}
