import Foundation
import DistillCore
import CKernels

/// Optimizer settings. PyTorch semantics: SGD and Adam add `weightDecay·w` to
/// the gradient (L2); AdamW decays weights directly (decoupled). Decay applies
/// to weight matrices only, never to biases.
public struct OptimizerConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case sgd, adam, adamw }
    public var kind: Kind
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float

    public init(kind: Kind = .sgd, learningRate: Float = 0.05, momentum: Float = 0.9, nesterov: Bool = false,
                weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.kind = kind; self.learningRate = learningRate; self.momentum = momentum; self.nesterov = nesterov
        self.weightDecay = weightDecay; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }

    /// Checks the settings; the error text names the bad value and the fix.
    public func validate() throws {
        func bad(_ s: String) -> TrainingError { .invalidConfiguration(s) }
        guard learningRate.isFinite, learningRate > 0 else { throw bad("learning rate must be positive, got \(learningRate)") }
        guard momentum >= 0, momentum < 1 else { throw bad("momentum must be in [0, 1), got \(momentum)") }
        guard !nesterov || (kind == .sgd && momentum > 0) else { throw bad("Nesterov needs SGD with momentum > 0") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw bad("weight decay must be ≥ 0, got \(weightDecay)") }
        guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else { throw bad("Adam betas must be in [0, 1), got \(beta1), \(beta2)") }
        guard epsilon > 0 else { throw bad("Adam epsilon must be positive, got \(epsilon)") }
    }
}

/// Updates a flat parameter vector from a flat gradient vector in place.
/// State buffers are allocated once; `step` allocates nothing.
public final class Optimizer {
    public let config: OptimizerConfig
    let count: Int
    let decayed: [Range<Int>]
    let first: Matrix   // momentum buffer (SGD) or first moment (Adam)
    let second: Matrix  // second moment (Adam only)
    public private(set) var steps = 0

    /// - Parameters:
    ///   - parameterCount: length of the flat vectors.
    ///   - decayedRanges: ranges of the flat vector that receive weight decay.
    public init(_ config: OptimizerConfig, parameterCount: Int, decayedRanges: [Range<Int>]) {
        self.config = config
        count = parameterCount
        decayed = decayedRanges.sorted { $0.lowerBound < $1.lowerBound }
        precondition(zip(decayed, decayed.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }, "decayed ranges overlap")
        first = Matrix(rows: 1, cols: parameterCount)
        second = Matrix(rows: 1, cols: config.kind == .sgd ? 0 : parameterCount)
    }

    /// Convenience: an optimizer for `model` that decays its weights only.
    public convenience init(_ config: OptimizerConfig, for model: MLP) {
        self.init(config, parameterCount: model.parameterCount, decayedRanges: model.weightRanges)
    }

    /// One update with learning rate `lr`: `w ← w − lr · direction(g)`.
    /// One fused, vectorised pass over each segment (decayed weights, then
    /// the rest); allocates nothing.
    public func step(parameters w: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>, learningRate lr: Float) {
        steps += 1
        var covered = 0
        for r in decayed {
            if r.lowerBound > covered { update(w, g, covered..<r.lowerBound, lr: lr, decay: 0) }
            update(w, g, r, lr: lr, decay: config.weightDecay)
            covered = r.upperBound
        }
        if covered < count { update(w, g, covered..<count, lr: lr, decay: 0) }
    }

    /// Updates `range` of the flat vectors, with weight `decay` on it.
    @inline(__always)
    func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ range: Range<Int>, lr: Float, decay: Float) {
        let c = config
        let v = first.storage
        switch c.kind {
        case .sgd:
            // PyTorch SGD: g' = g + λw; v = μv + g'; w -= lr·(nesterov ? g' + μv : v).
            let mu = c.momentum
            if c.nesterov {
                Vectorized.forEach(range, w: w, g: g, v: v) { W, G, V in
                    let gi = G + decay * W
                    let vi = mu * V + gi
                    return (W - lr * (gi + mu * vi), vi)
                }
            } else {
                Vectorized.forEach(range, w: w, g: g, v: v) { W, G, V in
                    let vi = mu * V + (G + decay * W)
                    return (W - lr * vi, vi)
                }
            }
        case .adam, .adamw:
            // Adam (L2 in the gradient) or AdamW (decoupled: w ← w·(1 − lr·λ) first).
            let s = second.storage
            let b1 = c.beta1, b2 = c.beta2, eps = c.epsilon
            let t = Float(steps)
            let stepSize = lr / (1 - powf(b1, t))
            let invBias2 = 1 / (1 - powf(b2, t))
            let l2: Float = c.kind == .adam ? decay : 0
            let shrink: Float = c.kind == .adamw ? 1 - lr * decay : 1
            distill_adam_update(w + range.lowerBound, g + range.lowerBound, v + range.lowerBound, s + range.lowerBound,
                                range.count, b1, b2, eps, stepSize, invBias2, l2, shrink)
        }
    }
}

/// Explicit SIMD loops for the SGD update (the compiler does not vectorise
/// the scalar version across three aliasing pointers). Adam lives in C
/// (`CKernels`) because Swift lowers SIMD square roots lane by lane.
enum Vectorized {
    typealias V16 = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> V16 {
        UnsafeRawPointer(p + i).loadUnaligned(as: V16.self)
    }
    @inline(__always)
    static func store(_ x: V16, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: V16.self)
    }

    /// `(w, v) ← body(w, g, v)` elementwise over `range`, 16 lanes at a time.
    @inline(__always)
    static func forEach(_ range: Range<Int>, w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>,
                        v: UnsafeMutablePointer<Float>, _ body: (V16, V16, V16) -> (V16, V16)) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let (nw, nv) = body(load(w, i), load(g, i), load(v, i))
            store(nw, w, i); store(nv, v, i)
            i += 16
        }
        while i < range.upperBound {  // tail, one lane at a time
            let (nw, nv) = body(V16(repeating: w[i]), V16(repeating: g[i]), V16(repeating: v[i]))
            w[i] = nw[0]; v[i] = nv[0]
            i += 1
        }
    }
}

/// A learning-rate schedule over training steps.
public enum LearningRateSchedule: Codable, Sendable, Equatable {
    case constant
    /// Multiply by `gamma` every `everyEpochs` epochs.
    case step(everyEpochs: Int, gamma: Float)
    /// Cosine from the base rate down to `base · minFactor` over the whole run.
    case cosine(minFactor: Float)

    /// The rate at `step` of `totalSteps`, with `stepsPerEpoch` steps per epoch.
    public func rate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            let epoch = step / max(stepsPerEpoch, 1)
            return base * powf(gamma, Float(epoch / max(every, 1)))
        case let .cosine(minFactor):
            let progress = Double(step) / Double(max(totalSteps, 1))
            let factor = Double(minFactor) + (1 - Double(minFactor)) * 0.5 * (1 + cos(Double.pi * progress))
            return base * Float(factor)
        }
    }

    public var name: String {
        switch self {
        case .constant: return "constant"
        case let .step(e, g): return "step(every=\(e), gamma=\(g))"
        case let .cosine(m): return "cosine(min=\(m))"
        }
    }
}
