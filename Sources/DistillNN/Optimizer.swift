import Foundation
import DistillCore

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
        decayed = decayedRanges
        first = Matrix(rows: 1, cols: parameterCount)
        second = Matrix(rows: 1, cols: config.kind == .sgd ? 0 : parameterCount)
    }

    /// Convenience: an optimizer for `model` that decays its weights only.
    public convenience init(_ config: OptimizerConfig, for model: MLP) {
        self.init(config, parameterCount: model.parameterCount, decayedRanges: model.weightRanges)
    }

    /// One update with learning rate `lr`: `w ← w − lr · direction(g)`.
    public func step(parameters w: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>, learningRate lr: Float) {
        steps += 1
        let c = config
        // Decay: L2 (added to g) for SGD/Adam, decoupled for AdamW.
        if c.weightDecay > 0 {
            for r in decayed {
                if c.kind == .adamw {
                    BLAS.scal(count: r.count, alpha: 1 - lr * c.weightDecay, x: w + r.lowerBound)
                } else {
                    BLAS.axpy(count: r.count, alpha: c.weightDecay, x: w + r.lowerBound, y: g + r.lowerBound)
                }
            }
        }
        let v = first.storage
        switch c.kind {
        case .sgd:
            let mu = c.momentum
            if mu == 0 {
                BLAS.axpy(count: count, alpha: -lr, x: g, y: w)
            } else if c.nesterov {
                for i in 0..<count {
                    let vi = mu * v[i] + g[i]
                    v[i] = vi
                    w[i] -= lr * (g[i] + mu * vi)
                }
            } else {
                for i in 0..<count {
                    let vi = mu * v[i] + g[i]
                    v[i] = vi
                    w[i] -= lr * vi
                }
            }
        case .adam, .adamw:
            let s = second.storage
            let b1 = c.beta1, b2 = c.beta2, eps = c.epsilon
            let t = Float(steps)
            let stepSize = lr / (1 - powf(b1, t))
            let invBias2 = 1 / (1 - powf(b2, t))
            for i in 0..<count {
                let gi = g[i]
                let mi = b1 * v[i] + (1 - b1) * gi
                let si = b2 * s[i] + (1 - b2) * gi * gi
                v[i] = mi; s[i] = si
                w[i] -= stepSize * mi / ((si * invBias2).squareRoot() + eps)
            }
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
