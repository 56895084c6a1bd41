import Foundation
import DistillCore
import DistillData

extension Attack {
    /// The components (strategy first, then counters) that keep their inputs in a
    /// range, with that range.
    public var inputRanges: [(component: String, range: ClosedRange<Float>)] {
        let strategyRange = strategy.inputRange.map { [(component: strategySpec.name, range: $0)] } ?? []
        return strategyRange + zip(counterSpecs, counters).compactMap { spec, counter in
            counter.inputRange.map { (component: spec.name, range: $0) }
        }
    }

    /// One line naming the mismatch and the fix when the teacher's training
    /// features leave the range a component keeps its queries in (its queries
    /// then miss the data: jacobian's clipped steps, ood noise in [0, 1]); nil
    /// when they fit or no component confines its inputs.
    /// - Parameter teacherTrain: the teacher's training split as the oracle sees it (normalised).
    /// - Complexity: O(rows · features) when a component has a range, else O(1).
    public func inputRangeWarning(teacherTrain: Dataset, normalize: FeatureNormalization) -> String? {
        let ranges = inputRanges
        guard !ranges.isEmpty, teacherTrain.count > 0 else { return nil }
        let x = teacherTrain.features
        var lo = Float.infinity, hi = -Float.infinity
        for i in 0..<x.count { lo = min(lo, x.storage[i]); hi = max(hi, x.storage[i]) }
        let outside = ranges.filter { lo < $0.range.lowerBound || hi > $0.range.upperBound }
        guard let first = outside.first else { return nil }
        let names = outside.map { "`\($0.component)`" }.joined(separator: " and ")
        let range = "[\(number(first.range.lowerBound)), \(number(first.range.upperBound))]"
        let fix = normalize == .minmax
            ? "scale the features into \(range) with data.featureScale (--feature-scale)"
            : "set data.normalize: minmax (--normalize minmax), or scale the features into \(range) with data.featureScale (--feature-scale)"
        return "the teacher's training features span [\(number(lo)), \(number(hi))] (data.normalize: \(normalize.rawValue)), "
            + "but \(names) \(outside.count > 1 ? "keep their" : "keeps its") queries in \(range), so they miss the data; \(fix)"
    }

    private func number(_ v: Float) -> String { String(format: "%g", Double(v)) }
}
