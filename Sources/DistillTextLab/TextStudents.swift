import DistillCore
import DistillTasks
import DistillText
import Foundation

/// One (token, log-probability) pair of an API's `top_logprobs`.
public struct TextTokenLogprob: Codable, Equatable, Sendable {
    public var token: Int32
    public var logprob: Float
    public init(token: Int32, logprob: Float) { self.token = token; self.logprob = logprob }
}

/// One exchange the attacker recorded: the prompt it sent (rendered bytes, ending with the assistant
/// marker), the teacher's sampled answer and, when the API returned them, the top-k log-probs of
/// each answer token.
public struct TextExchange: Codable, Equatable, Sendable {
    /// The task suite the prompt came from (batches are drawn per suite); nil for one group.
    public var suite: String?
    public var prompt: [UInt8]
    /// The answer's bytes, without the end-of-message marker.
    public var answer: [UInt8]
    /// Whether the answer ended with the end marker (finish reason "stop"): then the marker is a
    /// target too, so the student learns where to stop.
    public var stopped: Bool
    /// Per answer byte, the API's top-k (token, log-prob) pairs, best first; one more entry for the end
    /// marker if the API reported it. Nil when the API gave no log-probs.
    public var topLogprobs: [[TextTokenLogprob]]?

    public init(suite: String? = nil, prompt: [UInt8], answer: [UInt8], stopped: Bool = true,
                topLogprobs: [[TextTokenLogprob]]? = nil) {
        self.suite = suite; self.prompt = prompt; self.answer = answer; self.stopped = stopped; self.topLogprobs = topLogprobs
    }
}

/// How a student learns from its transfer set.
public enum TextStudentObjective: String, Codable, Sendable, CaseIterable {
    /// Sequence-level KD: cross-entropy on the teacher's sampled answer bytes (completion only).
    case sequenceKD = "seq-kd"
    /// Token-level KD on the returned top-k log-probs, mixed with the sampled byte's cross-entropy.
    case logitKD = "logit-kd"
    /// The honest reference: cross-entropy on the true answers of the same prompts.
    case reference
}

/// A student's shape and recipe (the same for the three objectives).
public struct TextStudentSettings: Codable, Equatable, Sendable {
    public var model: GPTConfig
    public var steps: Int
    public var batchSize: Int
    public var optimizer: GPTOptimizerSettings
    /// α of logit KD: per answer position with top-k log-probs, the loss is
    /// (1 − α)·(−log p(sampled)) + α·Σ_j q_j·(−log p(token_j)), q = softmax of the k log-probs.
    public var softWeight: Float
    public var seed: UInt64
    /// Rows packed with as many whole examples as fit (``TextBatcher``). Off by default: measured on the
    /// default run, packed students were still at 0% on every suite and the cached run took 185 s
    /// instead of 108 s (rows of the full context instead of the batch's longest answer).
    public var packedBatches: Bool?

    public init(model: GPTConfig, steps: Int, batchSize: Int, optimizer: GPTOptimizerSettings, softWeight: Float = 0.5, seed: UInt64 = 0,
                packedBatches: Bool? = nil) {
        self.model = model; self.steps = steps; self.batchSize = batchSize; self.optimizer = optimizer
        self.softWeight = softWeight; self.seed = seed; self.packedBatches = packedBatches
        self.optimizer.totalSteps = steps
    }

    /// The default student: 2 layers, d 64, the teacher's context.
    public static var standard: TextStudentSettings {
        var o = GPTOptimizerSettings()
        o.learningRate = 3e-3; o.minLearningRate = 3e-4; o.warmupSteps = 15; o.weightDecay = 0.1
        return TextStudentSettings(model: try! GPTConfig(context: 256, channels: 64, heads: 4, layers: 2),
                                   steps: 150, batchSize: 16, optimizer: o)
    }

    /// - Throws: ``TextLabError/invalidSetting(key:value:fix:)`` naming the bad key.
    public func validate() throws {
        func bad(_ k: String, _ v: Any, _ fix: String) -> TextLabError { .invalidSetting(key: "student.\(k)", value: "\(v)", fix: fix) }
        guard steps >= 1 else { throw bad("steps", steps, "use at least 1 training step") }
        guard batchSize >= 1 else { throw bad("batchSize", batchSize, "use at least 1 sequence per batch") }
        guard optimizer.learningRate > 0, optimizer.learningRate.isFinite else { throw bad("optimizer.learningRate", optimizer.learningRate, "use a finite positive rate such as 3e-3") }
        guard optimizer.warmupSteps >= 0, optimizer.warmupSteps < steps else { throw bad("optimizer.warmupSteps", optimizer.warmupSteps, "use 0..<steps (\(steps))") }
        guard softWeight >= 0, softWeight <= 1 else { throw bad("softWeight", softWeight, "use α in [0, 1] (1 = top-k targets only)") }
    }
}

/// The three students of the text track, trained from the same seed: the same initial weights and,
/// for transfer sets of the same size, the same batch order.
public enum TextStudents {
    /// Sequence-KD examples: prompt + sampled answer (+ end marker when it stopped), loss on the answer.
    public static func sequenceExamples(_ exchanges: [TextExchange]) -> [GPTExample] {
        exchanges.map { x in
            let answer = x.answer.map { Int32($0) } + (x.stopped ? [Int32(ChatTemplate.endOfMessage)] : [])
            return GPTExample(prompt: x.prompt.map { Int32($0) }, completion: answer)
        }
    }

    /// Logit-KD examples: as ``sequenceExamples(_:)`` plus, at each answer position with log-probs, the
    /// k returned tokens and their probabilities exp(logprob) (renormalised over the k by the loss).
    /// Positions without log-probs (the prompt, an end marker the API did not report) get none and
    /// train on the sampled byte alone.
    /// - Throws: ``TextLabError/invalidTransferSet(_:)`` when an exchange has no log-probs, or more
    ///   entries than answer bytes + 1, or a token outside the byte vocabulary.
    public static func logitExamples(_ exchanges: [TextExchange]) throws -> [GPTExample] {
        let k = exchanges.compactMap { $0.topLogprobs?.flatMap { $0 }.isEmpty == false ? $0.topLogprobs!.map(\.count).max() : nil }.max() ?? 0
        guard k > 0 else { throw TextLabError.invalidTransferSet("no exchange carries top-k log-probs; logit KD needs an API that returns them (or train sequence KD only)") }
        var out: [GPTExample] = []
        for (i, (x, base)) in zip(exchanges, sequenceExamples(exchanges)).enumerated() {
            guard let top = x.topLogprobs else {
                throw TextLabError.invalidTransferSet("exchange \(i) has no log-probs; every exchange of a logit-KD transfer set needs them")
            }
            let completion = base.tokens.count - x.prompt.count
            guard top.count <= completion else {
                throw TextLabError.invalidTransferSet("exchange \(i) has \(top.count) log-prob entries for \(x.answer.count) answer bytes; give one per byte (and one for the end marker)")
            }
            var ids = [Int32](repeating: 0, count: (base.tokens.count - 1) * k), probs = [Float](repeating: 0, count: ids.count)
            for (j, entry) in top.enumerated() {
                // Answer byte j is token prompt.count + j, predicted at position prompt.count + j − 1.
                let row = x.prompt.count + j - 1
                for (r, e) in entry.prefix(k).enumerated() {
                    guard e.token >= 0, e.token < 256, e.logprob.isFinite || e.logprob == -.infinity else {
                        throw TextLabError.invalidTransferSet("exchange \(i), answer byte \(j): token \(e.token) with log-prob \(e.logprob) is not a byte with a finite log-prob")
                    }
                    ids[row * k + r] = e.token; probs[row * k + r] = expf(e.logprob)
                }
            }
            out.append(GPTExample(tokens: base.tokens, lossMask: base.lossMask, softIDs: ids, softProbs: probs, softK: k))
        }
        return out
    }

    /// Reference examples: the prompts' true answers in the suites' reference format.
    public static func referenceExamples(_ tasks: [TaskExample]) throws -> [GPTExample] {
        try tasks.map { try TextTaskData.trainingExample($0, format: .reference) }
    }

    /// Trains one student on `examples` (seeded: same settings and examples → identical weights at the
    /// same BLAS thread count). `groups` as in ``TextBatcher``.
    /// - Throws: ``TextLabError`` for bad settings or divergence, ``GPTError/invalidBatch(_:)`` for bad examples.
    public static func train(_ examples: [GPTExample], groups: [Int]? = nil, softWeight: Float = 0,
                             settings: TextStudentSettings,
                             progress: ((TextTrainingProgress) -> Void)? = nil) throws -> (GPT, TextTrainingReport) {
        try settings.validate()
        var initRNG = RandomStream(seed: settings.seed, label: "text-student-init")
        let model = GPT(config: settings.model, rng: &initRNG)
        let batcher = try TextBatcher(examples: examples, batchSize: settings.batchSize, context: settings.model.context,
                                      rng: RandomStream(seed: settings.seed, label: "text-student-shuffle"), groups: groups,
                                      packed: settings.packedBatches == true)
        batcher.softWeight = softWeight
        let report = try TextTraining.train(model, batcher: batcher, optimizer: settings.optimizer, steps: settings.steps, progress: progress)
        return (model, report)
    }

    /// Trains the student for `objective`: seq-KD and logit KD from `exchanges`, the reference from
    /// `references` (the same prompts with their true answers).
    public static func train(_ objective: TextStudentObjective, exchanges: [TextExchange], references: [TaskExample],
                             settings: TextStudentSettings,
                             progress: ((TextTrainingProgress) -> Void)? = nil) throws -> (GPT, TextTrainingReport) {
        switch objective {
        case .sequenceKD:
            return try train(sequenceExamples(exchanges), groups: groups(exchanges.map(\.suite)), settings: settings, progress: progress)
        case .logitKD:
            return try train(try logitExamples(exchanges), groups: groups(exchanges.map(\.suite)), softWeight: settings.softWeight,
                             settings: settings, progress: progress)
        case .reference:
            return try train(try referenceExamples(references), groups: groups(references.map(\.suite)), settings: settings, progress: progress)
        }
    }

    /// Dense group ids in order of first appearance (nil when any suite is unknown or there is one).
    static func groups(_ suites: [String?]) -> [Int]? {
        var ids: [String: Int] = [:], out: [Int] = []
        for s in suites {
            guard let s else { return nil }
            if ids[s] == nil { ids[s] = ids.count }
            out.append(ids[s]!)
        }
        return ids.count > 1 ? out : nil
    }
}
