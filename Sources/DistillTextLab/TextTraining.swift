import DistillCore
import DistillText
import Foundation

/// One progress report of a text training run (after each step).
public struct TextTrainingProgress: Sendable {
    public var step: Int, steps: Int
    public var loss: Float
    /// Positions processed per second so far (padding included: what the hardware did).
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double
}

/// What a text training run did.
public struct TextTrainingReport: Codable, Equatable, Sendable {
    public var steps: Int
    public var seconds: Double
    /// Positions processed (B·T per step, padding included) and positions that carried loss.
    public var tokens: Int
    public var lossTokens: Int
    public var tokensPerSecond: Double
    /// Mean loss of the first and last 5% of steps.
    public var firstLoss: Float
    public var finalLoss: Float
    public var blasThreads: Int
}

/// The exploding-loss rule: an exponential moving average (0.9) of the loss that, after warmup,
/// exceeds `factor` × its minimum so far and 1 nat. (NaN/inf losses are caught by the step itself.)
public struct TextDivergenceMonitor: Sendable {
    public let factor: Float
    public let warmupSteps: Int
    var ema: Float = .nan, minEMA: Float = .infinity
    public init(factor: Float, warmupSteps: Int) { self.factor = factor; self.warmupSteps = warmupSteps }

    /// - Throws: ``TextLabError/diverged(step:loss:detail:)`` when the rule fires or the loss is not finite.
    public mutating func check(step: Int, loss: Float) throws {
        guard loss.isFinite else { throw TextLabError.diverged(step: step, loss: loss, detail: "the loss is not finite") }
        ema = ema.isNaN ? loss : 0.9 * ema + 0.1 * loss
        guard step >= warmupSteps else { return }
        if ema > factor * minEMA && ema > 1 {
            throw TextLabError.diverged(step: step, loss: loss, detail: "its moving average \(ema) exceeds \(factor)× its minimum \(minEMA)")
        }
        minEMA = min(minEMA, ema)
    }
}

/// A callback every `every` steps with the model being trained (e.g. to evaluate it); its time
/// counts in the run's.
public struct TextCheckpoint {
    public var every: Int
    public var body: (Int, GPT) throws -> Void
    public init(every: Int, body: @escaping (Int, GPT) throws -> Void) { self.every = every; self.body = body }
}

/// The training loop shared by the teacher and the students: batches from a ``TextBatcher``, one
/// ``GPT/trainStep(_:settings:)`` each, and a divergence rule.
public enum TextTraining {
    /// Trains `model` for `steps` steps.
    ///
    /// Divergence: a NaN/inf loss or gradient norm, or (after warmup) an exponential moving average of
    /// the loss above `divergenceFactor` × its minimum so far and above 1 nat, stops the run.
    /// - Throws: ``TextLabError/diverged(step:loss:detail:)`` naming the step and the fix.
    public static func train(_ model: GPT, batcher: TextBatcher, optimizer: GPTOptimizerSettings, steps: Int,
                             divergenceFactor: Float = 4, progress: ((TextTrainingProgress) -> Void)? = nil,
                             checkpoint: TextCheckpoint? = nil) throws -> TextTrainingReport {
        try model.reserve(B: batcher.batchSize, T: batcher.maxT)
        var settings = optimizer
        settings.totalSteps = steps
        let start = DispatchTime.now().uptimeNanoseconds
        var tokens = 0, lossTokens = 0
        var losses: [Float] = []
        losses.reserveCapacity(steps)
        var monitor = TextDivergenceMonitor(factor: divergenceFactor, warmupSteps: settings.warmupSteps)
        for s in 0..<steps {
            let batch = batcher.next()
            let loss: Float
            do {
                loss = try model.trainStep(batch, settings: settings).loss
            } catch GPTError.diverged(let step, let l) {
                throw TextLabError.diverged(step: step, loss: l, detail: "the loss or gradient norm is not finite")
            }
            try monitor.check(step: s, loss: loss)
            losses.append(loss)
            tokens += batch.B * batch.T
            for m in batch.mask where m != 0 { lossTokens += 1 }
            if let checkpoint, checkpoint.every > 0, (s + 1) % checkpoint.every == 0, s + 1 < steps {
                try checkpoint.body(s + 1, model)
            }
            if let progress {
                let el = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress(TextTrainingProgress(step: s + 1, steps: steps, loss: loss, tokensPerSecond: Double(tokens) / el, elapsedSeconds: el))
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let w = max(1, steps / 20)
        func mean(_ xs: ArraySlice<Float>) -> Float { xs.reduce(0, +) / Float(max(1, xs.count)) }
        return TextTrainingReport(steps: steps, seconds: seconds, tokens: tokens, lossTokens: lossTokens,
                                  tokensPerSecond: Double(tokens) / seconds, firstLoss: mean(losses.prefix(w)),
                                  finalLoss: mean(losses.suffix(w)), blasThreads: BLAS.threads)
    }
}

/// The text teacher: trained from ``TextTeacherSettings`` on the suites' train splits (mixed).
public enum TextTeacher {
    /// The teacher's training sequences: every suite's train examples, in `settings.answerFormat`.
    /// The teacher's training sequences: every suite's train examples, in `settings.answerFormat`,
    /// with the index of each one's suite (batches are drawn per suite).
    public static func trainingExamples(_ settings: TextTeacherSettings) throws -> (examples: [GPTExample], suites: [Int]) {
        var examples: [GPTExample] = [], suites: [Int] = []
        for (i, part) in try TextTaskData.examples(settings.suites, split: .train, seed: settings.seed, count: \.trainExamples).enumerated() {
            for e in part.examples { examples.append(try TextTaskData.trainingExample(e, format: settings.answerFormat)); suites.append(i) }
        }
        return (examples, suites)
    }

    /// Trains a fresh teacher (seeded init and batch order).
    /// - Throws: ``TextLabError`` for bad settings or divergence.
    public static func train(_ settings: TextTeacherSettings,
                             progress: ((TextTrainingProgress) -> Void)? = nil,
                             checkpoint: TextCheckpoint? = nil) throws -> (GPT, TextTrainingReport) {
        try settings.validate()
        let (examples, suites) = try trainingExamples(settings)
        var initRNG = RandomStream(seed: settings.seed, label: "text-teacher-init")
        let model = GPT(config: settings.model, rng: &initRNG)
        let batcher = try TextBatcher(examples: examples, batchSize: settings.batchSize, context: settings.model.context,
                                      rng: RandomStream(seed: settings.seed, label: "text-teacher-shuffle"),
                                      groups: settings.mixedBatches == true ? nil : suites,
                                      packed: settings.packedBatches == true)
        let report = try TextTraining.train(model, batcher: batcher, optimizer: settings.optimizer, steps: settings.steps,
                                            divergenceFactor: settings.divergenceFactor, progress: progress, checkpoint: checkpoint)
        return (model, report)
    }
}
