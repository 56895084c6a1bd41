import Foundation
import DistillCore
import DistillNN
import DistillData

/// The distance in which a perturbation is bounded, `‖q − p‖ ≤ ε`.
public enum PerturbationNorm: String, Codable, Sendable, CaseIterable {
    case l1, l2
}

/// Which target MAD moves a response toward (the reference's `oracle` option).
public enum MADVariant: String, Codable, Sendable, CaseIterable {
    /// `oracle='extreme'`: the one-hot vertex `e_k` maximising the objective.
    case standard = "mad"
    /// `oracle='argmax'`: among the uniform mixtures of vertex sets that contain
    /// `m = argmax p` (with `m` up-weighted by 1e-5 so it stays the top-1), the
    /// one maximising the objective. The mix `(1−a)·p + a·ỹ` then keeps `argmax p`.
    case argmaxPreserving = "mad-argmax"
}

/// The quantity MAD's oracle maximises (the reference's `objmax` flag).
public enum MADObjective: String, Codable, Sendable, CaseIterable {
    /// `‖Gᵀ(ỹ − p)‖²` (`calc_surrogate_objective`, the reference default).
    case surrogate
    /// `‖Gᵀỹ/‖Gᵀỹ‖ − Gᵀp/‖Gᵀp‖‖²` (`calc_objective`, `objmax=True`): the angle
    /// between the attacker's gradient directions.
    case normalized
}

/// MAD prediction poisoning (Orekondy et al., "Prediction Poisoning: Towards
/// Defenses Against DNN Model Stealing Attacks", ICLR 2020).
///
/// For a query x with teacher probabilities p, MAD assumes the attacker trains
/// a model (the owner's stand-in: a *surrogate*) with the loss `−log softmax(z)_y`
/// on the response, so its gradient on the last-layer weights is `Gᵀy` with
/// `G` (K rows) the Jacobian of `log softmax` w.r.t. those weights. MAD picks a
/// target ỹ that turns that gradient as far as possible from the honest one,
/// then moves p toward it within the budget ε:
/// `q = (1−a)·p + a·ỹ`, `a = min(1, ε / (‖ỹ − p‖ + 1e-7))` (the reference's
/// `linesearch` with `closed_alpha`), so `‖q − p‖ ≤ ε` in the chosen norm.
///
/// **Closed form.** For a last layer `z = h·W + b` (W stored `[H × K]`),
/// `∂ log s_k / ∂W[i, j] = h_i·(δ_jk − s_j)`, so row k of G is `h ⊗ (e_k − s)`
/// and for any `y ∈ R^K`, `Gᵀy = h ⊗ (y − s·Σy)`. Hence
/// `‖Gᵀy‖² = ‖h‖²·‖y − s·Σy‖²`, and G (K × H·K) is never formed: one surrogate
/// forward per batch (sgemm) gives h and s, then every candidate costs O(K).
/// A consequence worth knowing: for `y = ỹ − p` with both summing to one,
/// `Σy = 0` and the default objective is `‖h‖²·‖ỹ − p‖²`, so with the
/// last-layer Jacobian the standard oracle picks `e_k` with the smallest `p_k`
/// whatever the surrogate is; the surrogate matters through `s` only for the
/// `normalized` objective. The oracle therefore ranks targets by `‖ỹ − p‖²`
/// itself: evaluated as `‖y − s·Σy‖²` with Float responses, whose sums miss 1
/// by ~5e-8, the `s·Σy` round-off outweighs the 1e-10 gaps between a
/// confident teacher's near-zero classes, and the surrogate then decided
/// which of them received the mass (17 % of the digits' rows; the soft
/// student moved between 0.70 and 0.78 with the surrogate, 3 seeds). Ties
/// of `p` go to the lowest class index.
///
/// Deterministic: draws nothing at query time (`randomized` is false).
public final class PredictionPoisoning: ResponseDefense {
    public let name: String
    /// The owner's stand-in for the attacker's model.
    public let surrogate: MLP
    public let epsilon: Double
    public let norm: PerturbationNorm
    public let variant: MADVariant
    public let objective: MADObjective

    /// The reference up-weights the top class of argmax-preserving targets by this much.
    public static let argmaxMargin = 1e-5
    /// Above this many classes the argmax-preserving oracle searches greedily
    /// (the reference's `oracle_argmax_preserving_approx`), not over all 2^(K−1) sets.
    public static let exhaustiveClassLimit = 10
    /// Candidate evaluations of the greedy search (the reference's `max_iters`).
    public static let greedyEvaluations = 1024

    let classes: Int
    let hiddenWidth: Int
    let chunk = 256
    let activations: MLPActivations
    // Per-row scratch (K doubles each), sized once.
    let p, s, target, best, honest: UnsafeMutablePointer<Double>
    let fixed: UnsafeMutablePointer<Bool>

    /// - Parameters:
    ///   - surrogate: any MLP with the teacher's input width and class count.
    ///   - epsilon: the perturbation budget, ≥ 0 (0 returns responses unchanged).
    /// - Throws: `DefenseError.invalidValue` for a negative or non-finite ε.
    public init(surrogate: MLP, epsilon: Double, norm: PerturbationNorm = .l1,
                variant: MADVariant = .standard, objective: MADObjective = .surrogate) throws {
        guard epsilon.isFinite, epsilon >= 0 else {
            throw DefenseError.invalidValue(defense: variant.rawValue, parameter: "epsilon", value: "\(epsilon)",
                                            expected: "a number ≥ 0")
        }
        guard surrogate.classCount >= 2 else {
            throw DefenseError.incompatible(defense: variant.rawValue, reason: "MAD needs at least two classes")
        }
        name = variant.rawValue
        self.surrogate = surrogate; self.epsilon = epsilon; self.norm = norm
        self.variant = variant; self.objective = objective
        classes = surrogate.classCount
        hiddenWidth = surrogate.sizes[surrogate.sizes.count - 2]
        activations = MLPActivations(for: surrogate, capacity: chunk)
        p = .allocate(capacity: classes); s = .allocate(capacity: classes)
        target = .allocate(capacity: classes); best = .allocate(capacity: classes)
        honest = .allocate(capacity: classes)
        fixed = .allocate(capacity: classes)
    }

    deinit {
        p.deallocate(); s.deallocate(); target.deallocate(); best.deallocate(); honest.deallocate()
        fixed.deallocate()
    }

    // MARK: - ResponseDefense

    /// Replaces every response p by `(1−a)·p + a·ỹ`.
    /// - Complexity: one surrogate forward per 256 rows; per row O(K²) (standard)
    ///   or O(2^(K−1)·K) (argmax-preserving, K ≤ 10); no per-row allocation.
    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        try checkShapes(responses, queries)
        guard epsilon > 0 else { return }
        forEachRow(responses, queries) { r, h2 in
            chooseTarget(h2: h2)
            perturb(responses.row(r))
        }
    }

    /// The target ỹ the oracle picks for every row (before the ε-projection).
    public func targets(queries: Matrix, responses: Matrix) throws -> Matrix {
        try checkShapes(responses, queries)
        let out = Matrix(rows: responses.rows, cols: classes)
        forEachRow(responses, queries) { r, h2 in
            chooseTarget(h2: h2)
            for j in 0..<classes { out[r, j] = Float(best[j]) }
        }
        return out
    }

    /// The objective of every vertex target `e_k`, row by row (`rows × K`):
    /// `‖Gᵀ(e_k − p)‖²` for the surrogate objective (what the standard oracle maximises).
    public func vertexObjectives(queries: Matrix, responses: Matrix) throws -> Matrix {
        try checkShapes(responses, queries)
        let out = Matrix(rows: responses.rows, cols: classes)
        forEachRow(responses, queries) { r, h2 in
            prepareHonest()
            for k in 0..<classes {
                for j in 0..<classes { target[j] = j == k ? 1 : 0 }
                out[r, k] = Float(value(of: target, h2: h2))
            }
        }
        return out
    }

    // MARK: - Closed form

    /// `‖Gᵀy‖²` for G the Jacobian of `log softmax` w.r.t. the last-layer
    /// weights: `‖h‖²·‖y − s·Σy‖²`.
    /// - Parameters:
    ///   - hNormSquared: `‖h‖²` of the penultimate activation.
    ///   - probabilities: the surrogate's softmax s.
    public static func jacobianNormSquared(_ y: [Double], hNormSquared: Double, probabilities s: [Double]) -> Double {
        precondition(y.count == s.count, "y and s must have one entry per class")
        let sum = y.reduce(0, +)
        var acc = 0.0
        for j in 0..<y.count { let v = y[j] - s[j] * sum; acc += v * v }
        return hNormSquared * acc
    }

    // MARK: - Internals

    func checkShapes(_ responses: Matrix, _ queries: Matrix) throws {
        guard responses.cols == classes, queries.cols == surrogate.inputSize, responses.rows == queries.rows else {
            throw DefenseError.incompatible(defense: name,
                reason: "responses \(responses.rows)×\(responses.cols) and queries \(queries.rows)×\(queries.cols) do not fit the \(surrogate.architecture) surrogate")
        }
    }

    /// Runs the surrogate over `queries` in chunks; for each row loads p and s
    /// into scratch and calls `body(row, ‖h‖²)`.
    func forEachRow(_ responses: Matrix, _ queries: Matrix, _ body: (Int, Double) -> Void) {
        let k = classes, width = hiddenWidth
        var start = 0
        while start < queries.rows {
            let rows = min(chunk, queries.rows - start)
            let logits = surrogate.forward(queries.row(start), batch: rows, activations: activations)
            Kernels.softmaxRows(logits, logits, rows: rows, cols: k)
            // h: the last hidden layer's output, or the input for a one-layer surrogate.
            let h = surrogate.layers.count > 1 ? UnsafePointer(activations.outputs[surrogate.layers.count - 2].storage)
                                               : UnsafePointer(queries.row(start))
            for i in 0..<rows {
                let hi = h + i * width
                let h2 = Double(BLAS.dot(count: width, hi, hi))
                let pr = responses.row(start + i), sr = logits + i * k
                for j in 0..<k { p[j] = Double(pr[j]); s[j] = Double(sr[j]) }
                body(start + i, h2)
            }
            start += rows
        }
    }

    /// The honest direction `p − s·Σp` (for the normalized objective).
    @inline(__always)
    func prepareHonest() {
        var sum = 0.0
        for j in 0..<classes { sum += p[j] }
        for j in 0..<classes { honest[j] = p[j] - s[j] * sum }
    }

    /// What the oracle maximises for target `t`: the objective up to the row's
    /// constant factor and offset. For the surrogate objective and
    /// distributions t and p (Σ(t − p) = 0 exactly) the objective is
    /// `‖h‖²·‖t − p‖² = ‖h‖²·(‖t‖² − 2t·p + ‖p‖²)`; ranking by
    /// `(‖t‖² − 1) − 2t·p` keeps the resolution of p's smallest entries
    /// (a vertex ranks by −2p_k exactly), and the `s·Σy` term of `value`
    /// would only add Float round-off (see the type's notes).
    @inline(__always)
    func rank(of t: UnsafeMutablePointer<Double>, h2: Double) -> Double {
        guard objective == .surrogate else { return value(of: t, h2: h2) }
        var tt = 0.0, tp = 0.0
        for j in 0..<classes { tt += t[j] * t[j]; tp += t[j] * p[j] }
        return (tt - 1) - 2 * tp
    }

    /// The oracle's objective of target `t` for the row in scratch.
    @inline(__always)
    func value(of t: UnsafeMutablePointer<Double>, h2: Double) -> Double {
        let k = classes
        switch objective {
        case .surrogate:
            var sum = 0.0
            for j in 0..<k { sum += t[j] - p[j] }
            var acc = 0.0
            for j in 0..<k { let v = t[j] - p[j] - s[j] * sum; acc += v * v }
            return h2 * acc
        case .normalized:
            // Gᵀt = h ⊗ a and Gᵀp = h ⊗ b, so ‖u − v‖² = 2 − 2·cos(a, b); ‖h‖ cancels.
            var sum = 0.0
            for j in 0..<k { sum += t[j] }
            var ab = 0.0, aa = 0.0, bb = 0.0
            for j in 0..<k {
                let a = t[j] - s[j] * sum, b = honest[j]
                ab += a * b; aa += a * a; bb += b * b
            }
            guard aa > 0, bb > 0, h2 > 0 else { return 0 }  // no gradient: every target is equally (un)useful
            return 2 - 2 * ab / (aa * bb).squareRoot()
        }
    }

    /// Writes the oracle's target for the row in scratch into `best`.
    func chooseTarget(h2: Double) {
        let k = classes
        prepareHonest()
        var bestValue = -Double.infinity  // keeps the first strict maximum, as the reference
        switch variant {
        case .standard:
            for c in 0..<k {
                for j in 0..<k { target[j] = j == c ? 1 : 0 }
                let v = rank(of: target, h2: h2)
                if v > bestValue { bestValue = v; best.update(from: target, count: k) }
            }
        case .argmaxPreserving:
            var m = 0
            for j in 1..<k where p[j] > p[m] { m = j }
            if k <= Self.exhaustiveClassLimit {
                // itertools.product([0, 1], repeat=K) order: class 0 is the most significant bit.
                for code in 0..<(1 << k) where (code >> (k - 1 - m)) & 1 == 1 {
                    setMixture(k: k, m: m) { j in (code >> (k - 1 - j)) & 1 == 1 }
                    let v = rank(of: target, h2: h2)
                    if v > bestValue { bestValue = v; best.update(from: target, count: k) }
                }
            } else {
                // Greedy: grow the set from {m}, each round adding the class whose
                // mixture scores best (the reference never scores {m} alone here).
                fixed.update(repeating: false, count: k)
                fixed[m] = true
                var evaluations = 0, size = 1
                while evaluations < Self.greedyEvaluations && size < k {
                    var roundBest = -Double.infinity, roundClass = -1
                    for c in 0..<k where !fixed[c] {
                        setMixture(k: k, m: m) { j in fixed[j] || j == c }
                        let v = rank(of: target, h2: h2)
                        evaluations += 1
                        if v > roundBest { roundBest = v; roundClass = c }
                        if v > bestValue { bestValue = v; best.update(from: target, count: k) }
                    }
                    fixed[roundClass] = true
                    size += 1
                }
            }
        }
    }

    /// `target` = the uniform mixture over `member` classes with `m` up-weighted by the margin.
    @inline(__always)
    func setMixture(k: Int, m: Int, _ member: (Int) -> Bool) {
        var total = 0.0
        for j in 0..<k {
            let v: Double = member(j) ? (j == m ? 1 + Self.argmaxMargin : 1) : 0
            target[j] = v; total += v
        }
        for j in 0..<k { target[j] /= total }
    }

    /// `q = (1−a)·p + a·ỹ` into `out` with `a = clamp(ε / (‖ỹ − p‖ + 1e-7), 0, 1)`.
    @inline(__always)
    func perturb(_ out: UnsafeMutablePointer<Float>) {
        let k = classes
        var distance = 0.0
        switch norm {
        case .l1: for j in 0..<k { distance += abs(best[j] - p[j]) }
        case .l2: for j in 0..<k { distance += (best[j] - p[j]) * (best[j] - p[j]) }; distance = distance.squareRoot()
        }
        let a = min(1, max(0, epsilon / (distance + 1e-7)))
        let top = Kernels.argmax(out, count: k)
        for j in 0..<k { out[j] = Float((1 - a) * p[j] + a * best[j]) }
        // Float rounding could tie the top class with a lower-index one for
        // tiny ε; an argmax-preserving defense then answers p unchanged.
        if variant == .argmaxPreserving, Kernels.argmax(out, count: k) != top {
            for j in 0..<k { out[j] = Float(p[j]) }
        }
    }
}

/// Where MAD's surrogate comes from.
public enum MADSurrogate: String, Codable, Sendable, CaseIterable {
    /// `[input] + surrogateHidden + [K]`, randomly initialised (the paper's default stand-in).
    case random
    /// The same architecture trained with cross-entropy on the owner's data.
    case trained
    /// The teacher itself (the reference code's default when no proxy is given).
    case teacher
}

extension PredictionPoisoning {
    /// Builds MAD for a trained teacher: the surrogate is initialised from a
    /// stream derived from the run's defense stream (`context.seed`), so a
    /// rerun gives the same responses.
    /// - Complexity: `trained` costs `surrogateEpochs` epochs over the owner's data.
    public static func make(context: DefenseContext, variant: MADVariant, epsilon: Double, norm: PerturbationNorm,
                            surrogate kind: MADSurrogate, objective: MADObjective = .surrogate,
                            surrogateEpochs: Int = 10) throws -> PredictionPoisoning {
        let model: MLP
        switch kind {
        case .teacher:
            model = context.teacher.copy()
        case .random, .trained:
            let sizes = try OwnerModels.sizes(hidden: context.surrogateHidden, context: context, defense: variant.rawValue)
            model = try OwnerModels.make(sizes: sizes, context: context, label: "mad-surrogate", objective: .crossEntropy,
                                         epochs: kind == .trained ? surrogateEpochs : 0, defense: variant.rawValue)
        }
        return try PredictionPoisoning(surrogate: model, epsilon: epsilon, norm: norm, variant: variant, objective: objective)
    }
}

extension PerturbationNorm: ParameterChoice {}
extension MADSurrogate: ParameterChoice {}
extension MADObjective: ParameterChoice {}

extension PredictionPoisoning {
    static let epsilonParameter = Parameter<Double>("epsilon", default: 0.5, "perturbation budget ‖q − p‖ ≤ ε", range: .nonNegative)
    static let normParameter = Parameter<PerturbationNorm>("norm", default: .l1, "norm of the budget")
    static let surrogateParameter = Parameter<MADSurrogate>("surrogate", default: .random,
        "the attacker stand-in: random (student-sized, untrained), trained (on the owner's data) or teacher; only objective=normalized depends on it")
    static let objectiveParameter = Parameter<MADObjective>("objective", default: .surrogate,
        "oracle objective: surrogate ‖Gᵀ(ỹ−p)‖² or normalized (angle between gradients)")
    static let surrogateEpochsParameter = Parameter<Int>("surrogate-epochs", default: 10, "epochs for surrogate=trained",
                                                         range: .atLeast(1), expected: "a positive integer")

    /// Both variants, registered as built-ins.
    public static let components: [Component<DefenseFitter>] = [component(.standard), component(.argmaxPreserving)]

    /// MAD or MAD-argmax; the surrogate is built (and for `trained`, trained) once per run in `fit`.
    public static func component(_ variant: MADVariant) -> Component<DefenseFitter> {
        let argmax = variant == .argmaxPreserving
        return Component(ComponentDescriptor(
            kind: .defense, name: variant.rawValue,
            summary: argmax
                ? "MAD-argmax: moves each response within ε toward the mixture of classes (always including the top-1) that most turns a surrogate's last-layer gradient; keeps the top-1"
                : "MAD: moves each response within ε toward the class vertex that most turns a surrogate's last-layer gradient",
            parameters: [epsilonParameter.declaration, normParameter.declaration, surrogateParameter.declaration,
                         objectiveParameter.declaration, surrogateEpochsParameter.declaration],
            reference: "Orekondy et al., Prediction Poisoning, ICLR 2020 (tribhuvanesh/prediction-poisoning, defenses/victim/bb_mad.py)",
            argmaxPreserving: argmax)) { p in
            { context in
                let fitted = try make(context: context, variant: variant, epsilon: p[epsilonParameter], norm: p[normParameter],
                                      surrogate: p[surrogateParameter], objective: p[objectiveParameter],
                                      surrogateEpochs: p[surrogateEpochsParameter])
                // Each oracle gets its own scratch buffers; the (trained) surrogate is shared.
                return { try PredictionPoisoning(surrogate: fitted.surrogate, epsilon: fitted.epsilon, norm: fitted.norm,
                                                 variant: variant, objective: fitted.objective) }
            }
        }
    }
}
