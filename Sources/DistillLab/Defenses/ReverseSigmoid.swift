import Foundation
import DistillCore

/// `reverse-sigmoid` (Lee et al. 2019, "Defending against NN model stealing
/// attacks using deceptive perturbations"), exactly as ART's `ReverseSigmoid`
/// postprocessor computes it (art/defences/postprocessor/reverse_sigmoid.py):
///
///     c = clip(p, 1e-9, 1 − 1e-9)
///     r = β · (σ(−γ · ln((1 − c) / c)) − ½)        // = β·(σ(γ·logit c) − ½)
///     q = clip(p − r, 0, 1)                          // the UNclipped p
///     q = q / Σ_j q_j                                // per row
///
/// With a single output column (a binary classifier reporting P(class 1)) ART
/// perturbs p and 1 − p separately the same way and answers
/// q₁ / (q₁ + q₂); this does the same.
///
/// A zero row sum cannot happen for β, γ > 0 and a non-negative row with an
/// entry below ½ (that entry gets r < 0, so q > 0); ART would divide by zero
/// (NaN) if it did. Here such a row (only reachable from an all-zero input
/// with γ so small that σ rounds to ½) falls back to the one-hot of the
/// input's argmax, so the oracle never answers NaN.
///
/// NOT argmax-preserving: `p − r(p)` decreases near p = 0 (its slope there is
/// 1 − βγ·p^(γ−1) → −∞), so near-zero classes are lifted above a
/// low-confidence top class, e.g. (0.35, 0.33, 0.32, 0) with β = 1, γ = 0.2
/// answers class 3; large β can also clip a confident top class to 0.
/// Arithmetic is in Double on the Float32 inputs.
/// - Precondition (checked when parsed): β > 0, γ > 0 (ART's checks).
/// - Complexity: O(rows · classes) per batch; no allocation.
public final class ReverseSigmoidDefense: ResponseDefense {
    public let name = "reverse-sigmoid"
    public let beta: Double
    public let gamma: Double
    /// One row of perturbed values in Double (reused across rows and batches).
    private var scratch: [Double] = []

    /// ART's clip bound for the logit.
    public static let clip = 1e-9

    static let betaParameter = Parameter<Double>("beta", default: 1.0, "perturbation magnitude", range: .positive)
    static let gammaParameter = Parameter<Double>("gamma", default: 0.1, "convergence (logit scale); ART's demo uses 0.2", range: .positive)
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "reverse-sigmoid",
        summary: "subtract beta·(σ(gamma·logit p) − ½), clip to [0, 1], renormalise (ART ReverseSigmoid)",
        parameters: [betaParameter.declaration, gammaParameter.declaration],
        reference: "Lee et al. 2019 (arXiv:1806.00054); ART ReverseSigmoid (art/defences/postprocessor/reverse_sigmoid.py)")) { p, _ in
        ReverseSigmoidDefense(beta: p[betaParameter], gamma: p[gammaParameter])
    }

    public init(beta: Double, gamma: Double) {
        precondition(beta > 0 && gamma > 0, "reverse-sigmoid needs beta > 0 and gamma > 0")
        self.beta = beta; self.gamma = gamma
    }

    /// ART's r(p) for one probability.
    @inline(__always)
    func perturbation(_ p: Double) -> Double {
        let c = min(max(p, Self.clip), 1 - Self.clip)
        let z = -gamma * Foundation.log((1 - c) / c)
        return beta * (1 / (1 + Foundation.exp(-z)) - 0.5)
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        if k == 1 {
            // ART's single-column branch: p and its complement, perturbed separately.
            for r in 0..<responses.rows {
                let p1 = Double(responses[r, 0])
                let p2 = 1 - p1
                // ART clips p first and takes 1 − clip(p) as the complement's clipped value;
                // clip is symmetric around ½, so that equals clip(1 − p).
                let q1 = min(max(p1 - perturbation(p1), 0), 1)
                let q2 = min(max(p2 - perturbation(p2), 0), 1)
                let s = q1 + q2
                responses[r, 0] = s > 0 ? Float(q1 / s) : (p1 >= 0.5 ? 1 : 0)
            }
            return
        }
        if scratch.count != k { scratch = Array(repeating: 0, count: k) }
        for r in 0..<responses.rows {
            let row = responses.row(r)
            let top = Kernels.argmax(row, count: k)
            var sum = 0.0
            for j in 0..<k {
                let p = Double(row[j])
                let q = min(max(p - perturbation(p), 0), 1)
                scratch[j] = q
                sum += q
            }
            if sum > 0 {
                for j in 0..<k { row[j] = Float(scratch[j] / sum) }
            } else {
                for j in 0..<k { row[j] = j == top ? 1 : 0 }
            }
        }
    }
}
