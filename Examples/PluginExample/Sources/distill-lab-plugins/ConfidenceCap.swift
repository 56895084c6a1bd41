import DistillCore
import DistillLab

/// `confidence-cap`: caps the top probability at `cap` and hands the excess
/// to the other classes in proportion to their mass, so a row still sums to 1
/// and an overconfident teacher looks less certain to a thief.
///
/// Argmax: with cap ≥ 1/2 the top class keeps the largest value; below 1/2 a
/// runner-up can overtake it, so the descriptor says `false`.
public final class ConfidenceCap: ResponseDefense {
    public let name = "confidence-cap"
    public let cap: Float

    static let capParameter = Parameter<Double>("cap", default: 0.8, "largest probability revealed",
                                                range: .openClosed(0, 1))
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "confidence-cap",
        summary: "cap the top probability, spread the excess over the other classes (rows sum to 1)",
        parameters: [capParameter.declaration],
        reference: "distill-lab Examples/PluginExample (a plug-in, not a published defense)")) { p, _ in
        ConfidenceCap(cap: Float(p[capParameter]))
    }

    /// - Precondition: 0 < cap ≤ 1 (the registry checks it when parsing).
    public init(cap: Float) {
        precondition(cap > 0 && cap <= 1, "confidence-cap needs 0 < cap ≤ 1")
        self.cap = cap
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        for r in 0..<responses.rows {
            let row = responses.row(r)
            var top = 0
            for j in 1..<k where row[j] > row[top] { top = j }
            let excess = row[top] - cap
            let rest = 1 - row[top]
            guard excess > 0, k > 1 else { continue }
            row[top] = cap
            for j in 0..<k where j != top {
                // Proportional share; uniform when the other classes hold no mass.
                row[j] += rest > 0 ? excess * row[j] / rest : excess / Float(k - 1)
            }
        }
    }
}
