import Foundation
import DistillCore

/// `rounding`: rounds every probability to `decimals` decimal places, without
/// renormalising (ART's `Rounded` postprocessor, `np.around(preds, decimals)`).
///
/// Rounding is half-to-even on `p · 10^d`, like `numpy.around`; the result is
/// the Float nearest to that decimal. Rows may no longer sum to 1.
///
/// Argmax: rounding is monotone, so the teacher's top class still holds the
/// largest rounded value, but rounding can create ties (0.451 and 0.454 both
/// become 0.45) and the first tied class then wins. So it is argmax-preserving
/// only up to ties, and the descriptor says `false`.
/// - Precondition (checked when parsed): 1 ≤ decimals ≤ 6. ART requires a
///   positive number of decimals; d = 0 would send every p ≤ 0.5 to 0 (an
///   all-zero row whenever max p ≤ 0.5; use `label-only` instead), and beyond
///   6 decimals Float32 probabilities barely change.
/// - Complexity: O(rows · classes) per batch.
public final class RoundingDefense: ResponseDefense {
    public let name = "rounding"
    public let decimals: Int
    private let scale: Double

    public static let decimalRange = 1...6

    static let decimalsParameter = Parameter<Int>("decimals", default: 2, "decimal places kept",
                                                  range: .closed(Double(decimalRange.lowerBound), Double(decimalRange.upperBound)))
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "rounding",
        summary: "round each probability to d decimals (no renormalisation; may tie the top classes)",
        parameters: [decimalsParameter.declaration],
        reference: "ART Rounded postprocessor (art/defences/postprocessor/rounded.py); Tramèr et al. 2016")) { p, _ in
        RoundingDefense(decimals: p[decimalsParameter])
    }

    public init(decimals: Int) {
        precondition(RoundingDefense.decimalRange.contains(decimals), "rounding needs 1 ≤ decimals ≤ 6")
        self.decimals = decimals
        self.scale = pow(10, Double(decimals))
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let p = responses.storage
        for i in 0..<responses.count {
            p[i] = Float((Double(p[i]) * scale).rounded(.toNearestOrEven) / scale)
        }
    }
}
