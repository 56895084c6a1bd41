import Foundation
import DistillCore

extension Losses {
    /// The misinformation loss of adaptive misinformation (Kariyappa & Qureshi,
    /// CVPR 2020): `−log(1 − softmax(z)_y)`, small when the model puts little
    /// mass on the true class `y`.
    ///
    /// Computed without forming `1 − s_y` (which cancels when `s_y → 1`):
    /// `1 − s_y = Σ_{j≠y} e^{z_j} / Σ_j e^{z_j}`, so the loss is
    /// `logsumexp(z) − logsumexp_{j≠y}(z)` and its gradient is
    /// `softmax(z) − softmax_{j≠y}(z)` (the second term is the softmax over the
    /// other classes, zero at `y`): at `j = y` it is `s_y`, elsewhere
    /// `−s_j·s_y/(1 − s_y)`.
    /// - Precondition: `k ≥ 2` (with one class there is no wrong class to move mass to); labels in `0..<k`.
    /// - Returns: the loss summed over rows.
    /// - Parameters:
    ///   - scale: multiplies the gradient (pass `1/B` for the batch mean).
    ///   - accumulate: add to `gradient` instead of overwriting it.
    /// - Complexity: O(rows·k), no allocation.
    @inlinable
    public static func misinformation(logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                      rows: Int, classes k: Int,
                                      gradient g: UnsafeMutablePointer<Float>, scale: Float,
                                      accumulate: Bool = false) -> Double {
        precondition(k >= 2, "the misinformation loss needs at least two classes, got \(k)")
        var total: Double = 0
        for r in 0..<rows {
            let zr = z + r * k, gr = g + r * k
            let y = Int(labels[r])
            let (m, s) = Kernels.maxAndSumExp(zr, count: k)
            let (mOther, sOther) = Kernels.maxAndSumExp(zr, count: k, excluded: y)
            total += Double((logf(s) + m) - (logf(sOther) + mOther))
            let inv = scale / s, invOther = scale / sOther
            for j in 0..<k {
                let d = expf(zr[j] - m) * inv - (j == y ? 0 : expf(zr[j] - mOther) * invOther)
                gr[j] = accumulate ? gr[j] + d : d
            }
        }
        return total
    }
}
