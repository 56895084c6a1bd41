import Foundation
import DistillCore

/// The training objective of a model, in the field's terms.
public enum Objective: Codable, Sendable, Equatable {
    /// Softmax cross-entropy on integer labels (teacher training, label-only student).
    case crossEntropy
    /// Soft cross-entropy `−Σ qᵢ log softmax(s)ᵢ` on probability targets (Knockoff Nets).
    case softCrossEntropy
    /// Hinton KD: `α·T²·KL(q^(1/T)/Z ‖ softmax(s/T)) + (1−α)·CE(s, y)`.
    /// With black-box probabilities q, `log q` stands in for the teacher's
    /// logits, so the tempered teacher is `q^(1/T)` renormalised (zeros stay zero).
    case distillation(temperature: Float, alpha: Float)
    /// Adaptive misinformation's `−log(1 − softmax(z)_y)` on integer labels (`Losses.misinformation`).
    case misinformation
    /// Nasty teacher `CE(z, y) − ω·T²·KL(softmax(z/T) ‖ q)`; the soft targets are the frozen adversary's `softmax(a/T)` (`Losses.nasty`).
    case nasty(temperature: Float, omega: Float)

    /// Whether the objective needs probability targets.
    public var needsSoftTargets: Bool {
        if case .crossEntropy = self { return false }
        if case .misinformation = self { return false }
        return true
    }

    public var name: String {
        switch self {
        case .crossEntropy: return "cross-entropy"
        case .softCrossEntropy: return "soft-cross-entropy"
        case let .distillation(t, a): return "kd(T=\(t), alpha=\(a))"
        case .misinformation: return "misinformation"
        case let .nasty(t, w): return "nasty(T=\(t), omega=\(w))"
        }
    }
}

/// Loss functions: each computes the summed loss over a batch and writes (or
/// adds) `scale · ∂loss/∂logits` in one pass.
public enum Losses {
    /// Softmax cross-entropy with integer labels.
    /// - Returns: `Σ_rows (logsumexp(z) − z_y)` (not averaged).
    /// - Parameters:
    ///   - scale: multiplies the gradient (pass `1/B` for the batch mean).
    ///   - accumulate: add to `gradient` instead of overwriting it.
    @inlinable
    public static func crossEntropy(logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    rows: Int, classes k: Int,
                                    gradient g: UnsafeMutablePointer<Float>, scale: Float,
                                    accumulate: Bool = false) -> Double {
        var total: Double = 0
        for r in 0..<rows {
            let zr = z + r * k, gr = g + r * k
            let (m, s) = Kernels.maxAndSumExp(zr, count: k)
            let y = Int(labels[r])
            total += Double(logf(s) + m - zr[y])
            let inv = scale / s
            for j in 0..<k {
                let d = expf(zr[j] - m) * inv - (j == y ? scale : 0)
                gr[j] = accumulate ? gr[j] + d : d
            }
        }
        return total
    }

    /// Soft cross-entropy against targets `t` at temperature T:
    /// `−Σ_j t_j · log softmax(z/T)_j`, gradient `(1/T)·(softmax(z/T)·Σt − t)`.
    /// Targets need not sum to one (top-k responses are not renormalised).
    /// - Returns: the summed loss over rows.
    @inlinable
    public static func softCrossEntropy(logits z: UnsafePointer<Float>, targets t: UnsafePointer<Float>,
                                        rows: Int, classes k: Int, temperature: Float = 1,
                                        gradient g: UnsafeMutablePointer<Float>, scale: Float,
                                        accumulate: Bool = false) -> Double {
        let invT = 1 / temperature
        var total: Double = 0
        for r in 0..<rows {
            let zr = z + r * k, tr = t + r * k, gr = g + r * k
            let (m, s) = Kernels.maxAndSumExp(zr, count: k, invT: invT)
            var tSum: Float = 0, dotTZ: Float = 0
            for j in 0..<k {
                tSum += tr[j]
                dotTZ += tr[j] * (zr[j] - m) * invT
            }
            let lse = logf(s)
            total += Double(tSum * lse - dotTZ)
            let c = scale * invT
            let inv = 1 / s
            for j in 0..<k {
                let d = c * (expf((zr[j] - m) * invT) * inv * tSum - tr[j])
                gr[j] = accumulate ? gr[j] + d : d
            }
        }
        return total
    }

    /// `Σ_rows Σ_j t_j log t_j` (0 log 0 = 0): the constant that turns soft
    /// cross-entropy into KL divergence.
    @inlinable
    public static func negativeEntropy(_ t: UnsafePointer<Float>, rows: Int, classes k: Int) -> Double {
        var total: Double = 0
        for i in 0..<(rows * k) where t[i] > 0 { total += Double(t[i] * logf(t[i])) }
        return total
    }

    /// The tempered teacher distribution `q^(1/T) / Σ q^(1/T)` per row, in place
    /// (equal to `softmax(log q / T)` with zeros kept at zero). Rows of all zeros stay zero.
    public static func temper(_ q: UnsafeMutablePointer<Float>, rows: Int, classes k: Int, temperature: Float) {
        let e = 1 / temperature
        for r in 0..<rows {
            let qr = q + r * k
            var s: Float = 0
            for j in 0..<k { let v = qr[j] > 0 ? powf(qr[j], e) : 0; qr[j] = v; s += v }
            if s > 0 { for j in 0..<k { qr[j] /= s } }
        }
    }
}
