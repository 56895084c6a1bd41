import Foundation
import DistillCore

/// `laplace-noise`: the Laplace mechanism on the served probabilities. Adds
/// independent Laplace(0, b) noise to every probability, clips at 0 and
/// divides each row by its sum. On one row (L1 sensitivity 2 between any two
/// distributions) the unclipped answer is (2/b)-differentially private with
/// respect to the teacher's output; clipping and renormalising are
/// post-processing, which keeps that guarantee.
///
/// Heavier tails than `gaussian-noise` at the same variance (2b²): rarer but
/// larger perturbations, which a student averaging many answers sees differently.
/// Noise comes only from the defense stream passed to `apply`, one uniform
/// draw per entry in row-major order. A row clipped to all zero falls back to
/// the one-hot vector of the teacher's top class.
///
/// Not argmax-preserving.
/// - Precondition (checked when parsed): b ≥ 0 (b = 0 only renormalises).
/// - Complexity: O(rows · classes) per batch; no allocation.
public final class LaplaceNoiseDefense: ResponseDefense {
    public let name = "laplace-noise"
    public let scale: Double

    static let scaleParameter = Parameter<Double>("b", default: 0.05, "Laplace scale b (standard deviation b·√2)", range: .nonNegative)
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "laplace-noise",
        summary: "add Laplace(0, b) to each probability, clip at 0, renormalise each row (the Laplace mechanism)",
        parameters: [scaleParameter.declaration],
        reference: "Dwork, McSherry, Nissim, Smith, Calibrating Noise to Sensitivity in Private Data Analysis, TCC 2006",
        randomized: true)) { p, _ in LaplaceNoiseDefense(scale: p[scaleParameter]) }

    public init(scale: Double) {
        precondition(scale >= 0 && scale.isFinite, "laplace-noise needs a finite b ≥ 0")
        self.scale = scale
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        for r in 0..<responses.rows {
            let row = responses.row(r)
            let top = Kernels.argmax(row, count: k)
            var sum = 0.0
            for j in 0..<k {
                // Inverse CDF: u uniform on (−½, ½), x = −b·sign(u)·ln(1 − 2|u|).
                let u = rng.uniform() - 0.5
                let noise = -scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u))
                row[j] = Float(max(Double(row[j]) + noise, 0))
                sum += Double(row[j])
            }
            if sum > 0 {
                let inv = 1 / sum
                for j in 0..<k { row[j] = Float(Double(row[j]) * inv) }
            } else {
                for j in 0..<k { row[j] = j == top ? 1 : 0 }
            }
        }
    }
}
