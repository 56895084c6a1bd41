import Foundation
import DistillCore

/// What a defense costs honest users: the defended answers compared with the
/// clean ones on the test inputs (Jagielski et al. 2020 style).
public struct BenignUtility: Codable, Sendable, Equatable {
    /// Top-1 accuracy of the clean teacher on the test split.
    public var cleanAccuracy: Double
    /// Top-1 accuracy of the defended responses on the test split.
    public var defendedAccuracy: Double
    /// Fraction of test inputs whose defended top-1 equals the clean top-1.
    public var top1Agreement: Double
    /// Mean ‖q − p‖₁ over test inputs.
    public var meanL1: Double
    /// Mean KL(p ‖ q) with q clamped below at 1e-12 (a defense that zeroes a
    /// class the teacher gives mass to shows a large but finite value).
    public var meanKL: Double
    /// Mean total variation ½‖q − p‖₁ in [0, 1]; comparable across defense
    /// families (no clamp). Nil in results written before it existed.
    public var meanTotalVariation: Double?
    /// Mean Jensen–Shannon divergence JS(p, q) in nats, in [0, ln 2]; finite
    /// even when a defense zeroes classes. Nil in older results.
    public var meanJensenShannon: Double?
    /// The floor q is clamped to in `meanKL` (its log is −27.6 nats).
    public static let klFloor = 1e-12
    /// cleanAccuracy − defendedAccuracy.
    public var accuracyLoss: Double { cleanAccuracy - defendedAccuracy }

    /// Compares clean probabilities `p` with defended responses `q`, row by row.
    /// - Precondition: same shape; `labels.count == p.rows > 0`.
    /// - Complexity: O(rows · classes).
    public static func measure(clean p: Matrix, defended q: Matrix, labels: [Int32]) -> BenignUtility {
        precondition(p.rows == q.rows && p.cols == q.cols && labels.count == p.rows && p.rows > 0, "shape mismatch")
        let k = p.cols
        var cleanRight = 0, defendedRight = 0, agree = 0
        var l1 = 0.0, kl = 0.0, js = 0.0
        for r in 0..<p.rows {
            let pr = p.row(r), qr = q.row(r)
            let cp = Kernels.argmax(pr, count: k), cq = Kernels.argmax(qr, count: k)
            if cp == Int(labels[r]) { cleanRight += 1 }
            if cq == Int(labels[r]) { defendedRight += 1 }
            if cp == cq { agree += 1 }
            for j in 0..<k {
                let pj = Double(pr[j]), qj = Double(qr[j])
                l1 += abs(qj - pj)
                if pj > 0 { kl += pj * (log(pj) - log(max(qj, klFloor))) }
                // JS = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2: zero terms drop out, no clamp needed.
                let mj = 0.5 * (pj + qj)
                if pj > 0 { js += 0.5 * pj * log(pj / mj) }
                if qj > 0 { js += 0.5 * qj * log(qj / mj) }
            }
        }
        let n = Double(p.rows)
        return BenignUtility(cleanAccuracy: Double(cleanRight) / n, defendedAccuracy: Double(defendedRight) / n,
                             top1Agreement: Double(agree) / n, meanL1: l1 / n, meanKL: kl / n,
                             meanTotalVariation: 0.5 * l1 / n, meanJensenShannon: max(js / n, 0))
    }
}
