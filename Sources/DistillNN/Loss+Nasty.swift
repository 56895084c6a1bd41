import Foundation
import DistillCore

extension Losses {
    /// `KL(softmax(z/T) ‖ q)` summed over rows, where the model's own tempered
    /// distribution comes first (the nasty teacher's term, Ma et al. ICLR 2021;
    /// `nn.KLDivLoss(log q, p)` in the reference code).
    ///
    /// With `p = softmax(z/T)` and `ℓ = log p − log q`, `KL = Σ p·ℓ` and
    /// `∂KL/∂z = (1/T)·p ⊙ (ℓ − KL)`: from `∂KL/∂p_j = ℓ_j + 1` and
    /// `∂p_j/∂z_i = p_j(δ_ij − p_i)/T`, the `+1` cancels because `Σ_j p_j(δ_ij − p_i) = 0`.
    /// Targets are clamped at the smallest normal float inside the log, so a
    /// zero in `q` gives a large finite KL instead of infinity.
    /// - Precondition: `temperature > 0`; rows of `q` are distributions.
    /// - Parameters:
    ///   - scale: multiplies the gradient (may be negative: the nasty teacher maximises KL).
    ///   - accumulate: add to `gradient` instead of overwriting it.
    /// - Complexity: O(rows·k), no allocation.
    @inlinable
    public static func temperedKL(logits z: UnsafePointer<Float>, targets q: UnsafePointer<Float>,
                                  rows: Int, classes k: Int, temperature: Float,
                                  gradient g: UnsafeMutablePointer<Float>, scale: Float,
                                  accumulate: Bool = false) -> Double {
        let invT = 1 / temperature
        var total: Double = 0
        for r in 0..<rows {
            let zr = z + r * k, qr = q + r * k, gr = g + r * k
            let (m, logS) = Kernels.logSumExp(zr, count: k, invT: invT)
            // KL accumulated in double: it is a small difference of terms near log q.
            var kl: Double = 0
            for j in 0..<k {
                let logP = (zr[j] - m) * invT - logS
                kl += Double(expf(logP)) * Double(logP - logf(max(qr[j], Float.leastNormalMagnitude)))
            }
            total += kl
            let klF = Float(kl), c = scale * invT
            for j in 0..<k {
                let logP = (zr[j] - m) * invT - logS
                let d = c * expf(logP) * (logP - logf(max(qr[j], Float.leastNormalMagnitude)) - klF)
                gr[j] = accumulate ? gr[j] + d : d
            }
        }
        return total
    }

    /// The nasty teacher's loss (Ma et al., ICLR 2021):
    /// `CE(z, y) − ω·T²·KL(softmax(z/T) ‖ q)`, with `q = softmax(a/T)` the
    /// tempered distribution of a normally trained, frozen adversary.
    /// The teacher stays accurate (CE) while its tempered outputs move away
    /// from a normal network's, which makes it a poor KD teacher.
    /// - Precondition: `temperature > 0`, `omega ≥ 0`.
    /// - Returns: the loss summed over rows (can be negative).
    /// - Complexity: O(rows·k), no allocation.
    @inlinable
    public static func nasty(logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                             adversary q: UnsafePointer<Float>, rows: Int, classes k: Int,
                             temperature: Float, omega: Float,
                             gradient g: UnsafeMutablePointer<Float>, scale: Float) -> Double {
        let ce = crossEntropy(logits: z, labels: labels, rows: rows, classes: k, gradient: g, scale: scale)
        guard omega != 0 else { return ce }
        let w = omega * temperature * temperature
        let kl = temperedKL(logits: z, targets: q, rows: rows, classes: k, temperature: temperature,
                            gradient: g, scale: -w * scale, accumulate: true)
        return ce - Double(w) * kl
    }
}
