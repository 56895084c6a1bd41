import Foundation
import DistillCore

/// `gaussian-noise`: adds independent N(0, σ²) noise to every probability,
/// clips at 0 and divides each row by its sum, so responses stay
/// distributions.
///
/// Noise comes only from the defense stream passed to `apply`, one normal
/// draw per entry in row-major order: the same stream gives the same
/// responses. If a row is all zero after clipping (every entry pushed below
/// 0, possible for large σ), it falls back to the one-hot vector of the
/// teacher's top class, the only answer that is both a distribution and
/// carries no extra noise.
///
/// Not argmax-preserving: noise can reorder close classes.
/// - Precondition (checked when parsed): σ ≥ 0 (σ = 0 only renormalises).
/// - Complexity: O(rows · classes) per batch; no allocation.
public final class GaussianNoiseDefense: ResponseDefense {
    public let name = "gaussian-noise"
    public let sigma: Double

    static let sigmaParameter = Parameter<Double>("sigma", default: 0.05, "noise standard deviation", range: .nonNegative)
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "gaussian-noise",
        summary: "add N(0, sigma²) to each probability, clip at 0, renormalise each row",
        parameters: [sigmaParameter.declaration],
        reference: "Standard output-noise baseline (e.g. Orekondy et al. 2020, Lee et al. 2019 comparisons)",
        randomized: true)) { p, _ in GaussianNoiseDefense(sigma: p[sigmaParameter]) }

    public init(sigma: Double) {
        precondition(sigma >= 0 && sigma.isFinite, "gaussian-noise needs a finite sigma ≥ 0")
        self.sigma = sigma
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        for r in 0..<responses.rows {
            let row = responses.row(r)
            let top = Kernels.argmax(row, count: k)
            var sum = 0.0
            for j in 0..<k {
                let v = max(Double(row[j]) + sigma * rng.normal(), 0)
                row[j] = Float(v)
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
