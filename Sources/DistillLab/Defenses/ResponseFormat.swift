import Foundation
import DistillCore

// Response-format restrictions: the oracle reveals less of each probability
// row (only the label, only the top k scores, only the confident scores).
// None renormalises, as in Knockoff Nets (top-k) and ART (HighConfidence).

/// `label-only`: every response becomes the one-hot vector of the teacher's
/// top-1 class (first class on ties, like `Kernels.argmax`).
///
/// Argmax-preserving by construction; deterministic.
/// - Complexity: O(rows · classes) per batch.
public final class LabelOnlyDefense: ResponseDefense {
    public let name = "label-only"

    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "label-only",
        summary: "answer with the one-hot vector of the top-1 class only",
        parameters: [],
        reference: "Tramèr et al. 2016 (label-only APIs); Orekondy et al. 2019 (Knockoff Nets, top-1)",
        argmaxPreserving: true)) { _, _ in LabelOnlyDefense() }

    public init() {}

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        guard k > 0 else { return }
        for r in 0..<responses.rows {
            let row = responses.row(r)
            let best = Kernels.argmax(row, count: k)
            for j in 0..<k { row[j] = j == best ? 1 : 0 }
        }
    }
}

/// `top-k`: keeps the k largest probabilities of each row and zeroes the
/// rest, without renormalising (Knockoff Nets' truncated responses).
///
/// Ties at the k-th place are broken towards the lower class index, so the
/// kept set is deterministic and always contains `Kernels.argmax` of the row
/// (argmax-preserving).
/// - Precondition (checked at build time): 1 ≤ k ≤ the teacher's class count.
/// - Complexity: O(rows · k · classes) per batch (k is small).
public final class TopKDefense: ResponseDefense {
    public let name = "top-k"
    public let k: Int
    /// Which classes of the current row are kept (reused; no per-row allocation).
    private var kept: [Bool] = []

    static let kParameter = Parameter<Int>("k", default: 1, "how many top probabilities to reveal (1 … class count)",
                                           range: .atLeast(1), expected: "an integer ≥ 1 (and at most the class count)")
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "top-k",
        summary: "keep the k largest probabilities, zero the rest (no renormalisation)",
        parameters: [kParameter.declaration],
        reference: "Orekondy et al. 2019 (Knockoff Nets, top-k truncation); Tramèr et al. 2016",
        argmaxPreserving: true)) { p, context in
        let k = p[kParameter], classes = context.teacher.classCount
        guard k <= classes else {
            throw ComponentError.invalidValue(kind: .defense, component: "top-k", parameter: "k", value: String(k),
                                              expected: "an integer from 1 to \(classes) (the teacher has \(classes) classes)")
        }
        return TopKDefense(k: k)
    }

    /// - Precondition: `k ≥ 1` (the registry checks `k ≤ classCount` against the teacher).
    public init(k: Int) {
        precondition(k >= 1, "top-k needs k ≥ 1")
        self.k = k
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let classes = responses.cols
        guard k <= classes else {
            throw DefenseError.incompatible(defense: name, reason: "k = \(k) but the responses have only \(classes) classes; use k ≤ \(classes)")
        }
        if k == classes { return }
        if kept.count != classes { kept = Array(repeating: false, count: classes) }
        for r in 0..<responses.rows {
            let row = responses.row(r)
            for j in 0..<classes { kept[j] = false }
            // k passes of "largest not yet kept, first on ties".
            for _ in 0..<k {
                var best = -1
                for j in 0..<classes where !kept[j] {
                    if best < 0 || row[j] > row[best] { best = j }
                }
                kept[best] = true
            }
            for j in 0..<classes where !kept[j] { row[j] = 0 }
        }
    }
}

/// `high-confidence`: zeroes every probability strictly below `cutoff`,
/// without renormalising (ART's `HighConfidence` postprocessor:
/// `post_preds[post_preds < cutoff] = 0`).
///
/// A row whose top probability is below the cutoff becomes all zero (ART
/// does the same); its argmax is then class 0, so the defense is NOT
/// argmax-preserving in general. It is for rows with `max p ≥ cutoff`, hence
/// always when `cutoff ≤ 1/K`.
/// - Complexity: O(rows · classes) per batch.
public final class HighConfidenceDefense: ResponseDefense {
    public let name = "high-confidence"
    public let cutoff: Float

    static let cutoffParameter = Parameter<Double>("cutoff", default: 0.25, "smallest probability still revealed",
                                                   range: .openClosed(0, 1))
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "high-confidence",
        summary: "zero every probability below the cutoff (no renormalisation; rows with max p < cutoff become all zero)",
        parameters: [cutoffParameter.declaration],
        reference: "ART HighConfidence postprocessor (art/defences/postprocessor/high_confidence.py)")) { p, _ in
        HighConfidenceDefense(cutoff: p[cutoffParameter])
    }

    /// - Precondition: `0 < cutoff ≤ 1` (ART requires a positive cutoff; above 1 would zero everything).
    public init(cutoff: Double) {
        precondition(cutoff > 0 && cutoff <= 1, "high-confidence needs 0 < cutoff ≤ 1")
        self.cutoff = Float(cutoff)
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let p = responses.storage
        for i in 0..<responses.count where p[i] < cutoff { p[i] = 0 }
    }
}
