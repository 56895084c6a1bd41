import Foundation
import DistillCore

// Argmax-preserving reshaping of the probabilities: honest users keep their
// labels, while the soft information a student distils from changes.

/// `temperature`: re-softens (T > 1) or sharpens (T < 1) the teacher's
/// probabilities, `q ∝ p^(1/T)`, i.e. `softmax(log p / T)`.
///
/// Computed as `(p_i / max p)^(1/T)` then normalised, so it never overflows;
/// `p_i = 0` stays 0. A strictly increasing map of each entry, so the top
/// class is kept (argmax-preserving in exact arithmetic; in Float32 two
/// classes within ~1e-7 of each other can round to a tie at very large T).
/// An all-zero input row (possible only after a non-renormalising defense
/// such as `high-confidence`) is left as is.
/// - Precondition (checked when parsed): T > 0.
/// - Complexity: O(rows · classes) per batch; no allocation beyond a reused row buffer.
public final class TemperatureDefense: ResponseDefense {
    public let name = "temperature"
    public let temperature: Double
    private var scratch: [Double] = []

    static let temperatureParameter = Parameter<Double>("T", default: 2, "temperature (1 = unchanged)", range: .positive)
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "temperature",
        summary: "answer softmax(log p / T): T > 1 softens, T < 1 sharpens; keeps the top class",
        parameters: [temperatureParameter.declaration],
        reference: "Temperature scaling of released probabilities (Hinton et al. 2015 softening, applied at the API)",
        argmaxPreserving: true)) { p, _ in TemperatureDefense(temperature: p[temperatureParameter]) }

    public init(temperature: Double) {
        precondition(temperature > 0 && temperature.isFinite, "temperature needs T > 0")
        self.temperature = temperature
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        if scratch.count != k { scratch = Array(repeating: 0, count: k) }
        let exponent = 1 / temperature
        for r in 0..<responses.rows {
            let row = responses.row(r)
            let pMax = Double(row[Kernels.argmax(row, count: k)])
            guard pMax > 0 else { continue }
            var sum = 0.0
            for j in 0..<k {
                let ratio = max(Double(row[j]), 0) / pMax
                let v = ratio > 0 ? Foundation.pow(ratio, exponent) : 0
                scratch[j] = v
                sum += v
            }
            for j in 0..<k { row[j] = Float(scratch[j] / sum) }
        }
    }
}

/// `label-smoothing`: mixes each response with the uniform distribution,
/// `q = (1 − ε)·p + ε/K`.
///
/// No renormalisation: rows that summed to 1 still do. An increasing affine
/// map of each entry, so argmax-preserving (up to Float32 rounding of classes
/// within ~1e-7 of each other).
/// - Precondition (checked when parsed): 0 ≤ ε < 1 (ε = 1 would answer the
///   uniform distribution and lose the label).
/// - Complexity: O(rows · classes) per batch.
public final class LabelSmoothingDefense: ResponseDefense {
    public let name = "label-smoothing"
    public let epsilon: Double

    static let epsilonParameter = Parameter<Double>("epsilon", default: 0.1, "weight of the uniform distribution",
                                                    range: .closedOpen(0, 1))
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "label-smoothing",
        summary: "answer (1 − epsilon)·p + epsilon/K; keeps the top class",
        parameters: [epsilonParameter.declaration],
        reference: "Label smoothing (Szegedy et al. 2016) applied to released probabilities",
        argmaxPreserving: true)) { p, _ in LabelSmoothingDefense(epsilon: p[epsilonParameter]) }

    public init(epsilon: Double) {
        precondition(epsilon >= 0 && epsilon < 1, "label-smoothing needs 0 ≤ epsilon < 1")
        self.epsilon = epsilon
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        let keep = 1 - epsilon
        let floor = epsilon / Double(k)
        let p = responses.storage
        for i in 0..<responses.count { p[i] = Float(keep * Double(p[i]) + floor) }
    }
}
