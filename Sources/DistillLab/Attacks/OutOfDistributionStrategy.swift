import Foundation
import DistillCore
import DistillData

/// `ood`: queries that do not come from the teacher's distribution.
///
/// - `source=noise`: every pixel uniform in [0, 1). With `blur=σ > 0` the
///   noise is Gaussian-blurred (σ pixels, needs the input's image shape) and
///   then min-max stretched per image back to [0, 1], because blurring uniform
///   noise pulls every pixel towards 0.5 and leaves almost no contrast.
/// - `source=NAME` (`fashion-mnist`, an IDX folder, a CSV path): distinct rows
///   of another dataset's training part (or of `context.outOfDistribution`
///   when the caller has loaded it), resized from its `imageShape` to the
///   teacher's input shape (`resize=area` by default, `bilinear` for enlarging).
///   Both shapes must be known unless the feature counts already agree.
///
/// The transfer set's `poolIndices` is empty: these inputs are not pool rows.
public struct OutOfDistributionStrategy: QueryStrategy {
    public enum Source: Equatable, Sendable {
        case noise(blur: Double)
        /// A data source string as `DataSource(parsing:)` reads it.
        case dataset(String)
    }
    public var source: Source
    public var resize: ImageResize.Method
    public var name: String { "ood" }
    /// Noise is drawn in [0, 1]; another dataset's rows are taken as they are.
    public var inputRange: ClosedRange<Float>? {
        if case .noise = source { return 0...1 }
        return nil
    }

    public init(source: Source, resize: ImageResize.Method = .area) {
        self.source = source; self.resize = resize
    }

    /// What the strategy needs before its first query.
    public func check(_ context: AttackContext) throws {
        try context.validate(component: name)
        switch source {
        case let .noise(blur):
            if blur > 0, context.inputShape == nil {
                throw AttackError.incompatible(component: name, reason: "blur=\(blur) needs the input's image shape, which is unknown for this data; use blur=0")
            }
        case .dataset:
            if let other = context.outOfDistribution { try checkCompatible(other, context) }
        }
    }

    func checkCompatible(_ other: Dataset, _ context: AttackContext) throws {
        guard other.count >= context.distinctBudget else {
            throw AttackError.incompatible(component: name, reason: "\(other.name) has \(other.count) inputs but the attack needs \(context.distinctBudget) distinct ones; lower the budget")
        }
        if other.featureCount == context.inputSize,
           other.imageShape == nil || context.inputShape == nil || other.imageShape == context.inputShape { return }
        guard other.imageShape != nil, context.inputShape != nil else {
            let what = other.imageShape == nil ? "\(other.name)'s image shape" : "the teacher's input image shape"
            throw AttackError.incompatible(component: name, reason: "\(other.name) rows have \(other.featureCount) features but the teacher takes \(context.inputSize), and \(what) is unknown, so they cannot be resized; use an image dataset with a known shape or source=noise")
        }
    }


    public func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        try check(context)
        let n = context.distinctBudget
        let inputs: Matrix
        var notes: [String: String] = [:]
        switch source {
        case let .noise(blur):
            inputs = OutOfDistributionStrategy.noise(rows: n, shape: context.inputShape, features: context.inputSize, blur: blur, rng: &rng)
            notes["source"] = blur > 0 ? "noise (blur \(blur))" : "noise"
        case let .dataset(text):
            let other = try context.outOfDistribution ?? DataSource(parsing: text).load().train
            try checkCompatible(other, context)
            let rows = other.features.gatherRows(rng.sample(n, from: other.count))
            if let from = other.imageShape, let to = context.inputShape, from != to {
                inputs = try ImageResize.resize(rows, from: from, to: to, method: resize)
                notes["resize"] = "\(from) → \(to) (\(resize.rawValue))"
            } else {
                inputs = rows
            }
            notes["source"] = other.name
        }
        let responses = try context.query(inputs)
        return StrategyReport(transfer: TransferSet(inputs: inputs, responses: responses, poolIndices: []), notes: notes)
    }

    /// `rows` noise images: uniform [0, 1) pixels, optionally blurred and stretched to [0, 1].
    /// - Precondition: `shape` is known when `blur > 0`.
    public static func noise(rows: Int, shape: ImageShape?, features: Int, blur: Double, rng: inout RandomStream) -> Matrix {
        let x = Matrix(rows: rows, cols: features)
        for i in 0..<x.count { x.storage[i] = Float(rng.uniform()) }
        guard blur > 0, let shape else { return x }
        let y = ImageResize.blur(x, shape: shape, sigma: blur)
        for r in 0..<rows {
            let row = y.row(r)
            var lo = Float.infinity, hi = -Float.infinity
            for j in 0..<features { lo = min(lo, row[j]); hi = max(hi, row[j]) }
            let scale: Float = hi > lo ? 1 / (hi - lo) : 0
            for j in 0..<features { row[j] = (row[j] - lo) * scale }
        }
        return y
    }
}

extension ImageResize.Method: ParameterChoice {}

extension OutOfDistributionStrategy {
    static let sourceParameter = Parameter<String>("source", default: "noise",
        "what the attacker queries with",
        expected: "noise or a data source (digits, fashion-mnist, an IDX folder, a .csv path)",
        where: { $0 == "noise" || (try? DataSource(parsing: $0)) != nil })
    static let blurParameter = Parameter<Double>("blur", default: 0, "noise only: Gaussian blur σ in pixels, then stretched to [0, 1]",
                                                 range: .nonNegative)
    static let resizeParameter = Parameter<ImageResize.Method>("resize", default: .area,
                                                               "how another dataset's images are resampled")

    public static let component = Component<QueryStrategy>(ComponentDescriptor(
        kind: .strategy, name: "ood",
        summary: "out-of-distribution queries: uniform noise (optionally blurred) or another dataset resized to the teacher's image shape",
        parameters: [sourceParameter.declaration, blurParameter.declaration, resizeParameter.declaration],
        reference: "Knockoff Nets (other natural data); Tramèr et al. 2016 (random inputs)",
        target: "noise or another dataset")) { p in
        let source = p[sourceParameter], blur = p[blurParameter]
        if source == "noise" { return OutOfDistributionStrategy(source: .noise(blur: blur), resize: p[resizeParameter]) }
        guard blur == 0 else {
            throw ComponentError.invalidValue(kind: .strategy, component: "ood", parameter: "blur", value: blur.parameterText,
                                              expected: "0 (blur applies to source=noise only)")
        }
        return OutOfDistributionStrategy(source: .dataset(source), resize: p[resizeParameter])
    }
}
