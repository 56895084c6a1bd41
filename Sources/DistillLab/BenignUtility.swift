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
    /// cleanAccuracy − defendedAccuracy.
    public var accuracyLoss: Double { cleanAccuracy - defendedAccuracy }

    /// Compares clean probabilities `p` with defended responses `q`, row by row.
    /// - Precondition: same shape; `labels.count == p.rows > 0`.
    /// - Complexity: O(rows · classes).
    public static func measure(clean p: Matrix, defended q: Matrix, labels: [Int32]) -> BenignUtility {
        precondition(p.rows == q.rows && p.cols == q.cols && labels.count == p.rows && p.rows > 0, "shape mismatch")
        let k = p.cols
        var cleanRight = 0, defendedRight = 0, agree = 0
        var l1 = 0.0, kl = 0.0
        for r in 0..<p.rows {
            let pr = p.row(r), qr = q.row(r)
            let cp = Kernels.argmax(pr, count: k), cq = Kernels.argmax(qr, count: k)
            if cp == Int(labels[r]) { cleanRight += 1 }
            if cq == Int(labels[r]) { defendedRight += 1 }
            if cp == cq { agree += 1 }
            for j in 0..<k {
                let pj = Double(pr[j]), qj = Double(qr[j])
                l1 += abs(qj - pj)
                if pj > 0 { kl += pj * (log(pj) - log(max(qj, 1e-12))) }
            }
        }
        let n = Double(p.rows)
        return BenignUtility(cleanAccuracy: Double(cleanRight) / n, defendedAccuracy: Double(defendedRight) / n,
                             top1Agreement: Double(agree) / n, meanL1: l1 / n, meanKL: kl / n)
    }
}
