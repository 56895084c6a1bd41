import CKernels
import DistillCore
import Foundation

/// AdamW with a linear-warmup + cosine learning-rate schedule and global-norm gradient clipping.
public struct GPTOptimizerSettings: Equatable, Codable, Sendable {
    public var learningRate: Float = 1e-3
    public var minLearningRate: Float = 1e-4
    public var warmupSteps = 20
    public var totalSteps = 1000
    public var beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8
    /// Decoupled weight decay, applied to 2-D weights only (wte, wpe, qkvw, attprojw, fcw, fcprojw).
    public var weightDecay: Float = 0.1
    /// Global gradient-norm bound (≤ 0 disables clipping).
    public var gradientClip: Float = 1
    public init() {}

    /// Learning rate at 0-based `step`: linear warmup to `learningRate`, then cosine to `minLearningRate`.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        return minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + cosf(Float.pi * progress))
    }
}

extension GPT {
    /// Tensors that receive weight decay (the 2-D weights).
    static let decayed: Set<Int> = [0, 1, 4, 6, 10, 12]

    /// The global L2 norm of the gradient buffer.
    public func gradientNorm() -> Float {
        BLAS.dot(count: parameterCount, gradients, gradients).squareRoot()
    }

    /// Scales the gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        let norm = gradientNorm()
        if maxNorm > 0, norm > maxNorm { BLAS.scal(count: parameterCount, alpha: maxNorm / norm, x: gradients) }
        return norm
    }

    /// One AdamW update of every parameter at learning rate `lr`.
    public func adamW(lr: Float, settings s: GPTOptimizerSettings) {
        step += 1
        let t = Float(step)
        let stepSize = lr / (1 - powf(s.beta1, t)), invBias2 = 1 / (1 - powf(s.beta2, t))
        for i in 0..<GPT.tensorNames.count {
            let o = tensorOffsets[i]
            let shrink: Float = GPT.decayed.contains(i) ? 1 - lr * s.weightDecay : 1
            distill_adam_update(parameters + o, gradients + o, adamM + o, adamV + o, tensorSizes[i],
                                s.beta1, s.beta2, s.epsilon, stepSize, invBias2, 0, shrink)
        }
    }

    /// One training step as a straight list of calls: forward, zero grads, backward, clip, AdamW.
    /// - Returns: the loss (before the update) and the gradient norm (before clipping).
    /// - Throws: ``GPTError/diverged(step:loss:)`` when the loss or gradient norm is NaN/inf (no update is made),
    ///   ``GPTError/invalidBatch(_:)`` for a bad batch.
    public func trainStep(_ batch: GPTBatch, settings: GPTOptimizerSettings) throws -> (loss: Float, gradientNorm: Float) {
        let loss = try forward(batch)
        guard loss.isFinite else { throw GPTError.diverged(step: step, loss: loss) }
        zeroGradients()
        backward()
        let norm = clipGradients(maxNorm: settings.gradientClip)
        guard norm.isFinite else { throw GPTError.diverged(step: step, loss: norm) }
        adamW(lr: settings.learningRate(at: step), settings: settings)
        return (loss, norm)
    }
}

/// A training sequence: tokens, an optional per-token loss mask (mask[i] weighs predicting tokens[i]
/// from tokens[..<i]; mask[0] is unused) and optional soft targets for logit KD.
public struct GPTExample: Sendable {
    public var tokens: [Int32]
    public var lossMask: [Float]?
    /// `k` teacher (token id, probability) pairs per predicted token i (1..<count), flattened: entry
    /// (i − 1)·k + j. All-zero probabilities mean no soft target at that position.
    public var softIDs: [Int32]?
    public var softProbs: [Float]?
    public var softK: Int

    public init(tokens: [Int32], lossMask: [Float]? = nil, softIDs: [Int32]? = nil, softProbs: [Float]? = nil, softK: Int = 0) {
        self.tokens = tokens; self.lossMask = lossMask; self.softIDs = softIDs; self.softProbs = softProbs; self.softK = softK
    }

    /// Loss only on the completion: tokens[promptLength...] are predicted, the prompt is not.
    public init(prompt: [Int32], completion: [Int32]) {
        tokens = prompt + completion
        lossMask = (0..<tokens.count).map { $0 >= prompt.count ? 1 : 0 }
        softK = 0
    }
}

/// Trains a ``GPT`` on examples: deterministic batches from a RandomStream (epoch-wise shuffles),
/// one reusable ``GPTBatch``, loss per step, and a clear error when the run diverges.
public final class GPTTrainer {
    public let model: GPT
    public var settings: GPTOptimizerSettings
    public let batch: GPTBatch
    let examples: [GPTExample]
    var rng: RandomStream
    var order: [Int] = []
    var cursor = 0

    /// - Parameters:
    ///   - batchSize: sequences per step; `T` is the longest example − 1, capped at the context.
    ///   - softWeight: α of the soft-target loss where examples carry soft targets.
    /// - Throws: ``GPTError/invalidBatch(_:)`` for empty data, sequences shorter than 2 tokens, or masks /
    ///   soft targets whose lengths do not match their tokens.
    public init(model: GPT, examples: [GPTExample], batchSize: Int, settings: GPTOptimizerSettings,
                rng: RandomStream, softWeight: Float = 1) throws {
        guard !examples.isEmpty else { throw GPTError.invalidBatch("no training examples; pass at least one sequence") }
        guard batchSize >= 1 else { throw GPTError.invalidBatch("batch size \(batchSize) must be at least 1") }
        let softK = examples.map(\.softK).max() ?? 0
        for (i, e) in examples.enumerated() {
            guard e.tokens.count >= 2 else {
                throw GPTError.invalidBatch("example \(i) has \(e.tokens.count) token(s); each needs at least 2 (an input and a target)")
            }
            if let m = e.lossMask, m.count != e.tokens.count {
                throw GPTError.invalidBatch("example \(i)'s loss mask has \(m.count) entries for \(e.tokens.count) tokens; give one per token")
            }
            if e.softK > 0 {
                let n = (e.tokens.count - 1) * e.softK
                guard e.softK == softK, e.softIDs?.count == n, e.softProbs?.count == n else {
                    throw GPTError.invalidBatch("example \(i)'s soft targets need \(n) ids and probabilities (k = \(softK) per predicted token)")
                }
            }
        }
        let T = min(model.config.context, (examples.map(\.tokens.count).max() ?? 2) - 1)
        self.model = model; self.settings = settings; self.examples = examples; self.rng = rng
        batch = GPTBatch(B: batchSize, T: T, softK: softK)
        batch.softWeight = softWeight
        try model.reserve(B: batchSize, T: T)
    }

    /// Fills the batch with the next `B` examples of the shuffled order (reshuffled each epoch);
    /// sequences are truncated to T+1 tokens and padded with masked-out positions.
    public func nextBatch() {
        for b in 0..<batch.B {
            if cursor == order.count { order = rng.permutation(examples.count); cursor = 0 }
            let e = examples[order[cursor]]; cursor += 1
            batch.setRow(b, to: e)
        }
    }

    /// Runs `steps` training steps; `onStep(step, loss)` after each. Returns the losses.
    /// - Throws: ``GPTError/diverged(step:loss:)`` as soon as the loss becomes NaN/inf.
    @discardableResult
    public func train(steps: Int, onStep: ((Int, Float) -> Void)? = nil) throws -> [Float] {
        var losses: [Float] = []
        losses.reserveCapacity(steps)
        for _ in 0..<steps {
            nextBatch()
            let (loss, _) = try model.trainStep(batch, settings: settings)
            losses.append(loss)
            onStep?(model.step, loss)
        }
        return losses
    }
}

extension GPTBatch {
    /// Row `b` holds `e` (truncated to T, padded with masked-out positions); its top-k targets when
    /// `e` has exactly this batch's k, none (zeros) otherwise.
    public func setRow(_ b: Int, to e: GPTExample) {
        let n = place(e, row: b, at: 0)
        pad(row: b, from: n)
    }

    /// Row `b` holds `examples[i]` for each i of `indices`, one after another (packing), each
    /// restarting its positions at 0 (see ``positions``), then masked-out padding. A sequence that
    /// does not fit in what is left of the row is truncated (a caller packs only what fits:
    /// ``packedLength(_:)``).
    public func setRow<C: Collection<Int>>(_ b: Int, packing indices: C, of examples: [GPTExample]) {
        var t = 0
        for i in indices where t < T { t += place(examples[i], row: b, at: t) }
        pad(row: b, from: t)
    }

    /// The positions `e` takes in a row: one per predicted token.
    public static func packedLength(_ e: GPTExample) -> Int { e.tokens.count - 1 }

    /// Writes `e` into row `b` from column `start`; returns the columns written.
    func place(_ e: GPTExample, row b: Int, at start: Int) -> Int {
        let K = softK
        let n = min(e.tokens.count - 1, T - start)
        let has = e.softK == K && K > 0
        for t in 0..<n {
            let i = b * T + start + t
            tokens[i] = e.tokens[t]; targets[i] = e.tokens[t + 1]; positions[i] = Int32(t)
            mask[i] = e.lossMask?[t + 1] ?? 1
            for j in 0..<K {
                softIDs[i * K + j] = has ? e.softIDs![t * K + j] : 0
                softProbs[i * K + j] = has ? e.softProbs![t * K + j] : 0
            }
        }
        return n
    }

    /// Masked-out padding from column `start` to the end of row `b`. Its positions continue the last
    /// sequence's, so a row holding one sequence is exactly the unpacked layout (positions = t).
    func pad(row b: Int, from start: Int) {
        let K = softK
        let first = start == 0 ? 0 : Int(positions[b * T + start - 1]) + 1
        for t in start..<T {
            let i = b * T + t
            tokens[i] = 0; targets[i] = 0; mask[i] = 0
            positions[i] = Int32(first + t - start)
            for j in 0..<K { softIDs[i * K + j] = 0; softProbs[i * K + j] = 0 }
        }
    }
}
