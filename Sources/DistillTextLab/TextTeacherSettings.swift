import DistillCore
import DistillTasks
import DistillText
import Foundation

/// One task suite in a text model's training mix.
public struct TextSuiteSettings: Codable, Equatable, Sendable {
    /// "reasoning", "tool-use" or "coding".
    public var name: String
    /// The suite's difficulty knob (1...5; each suite documents what it changes).
    public var difficulty: Int
    /// Train-split examples generated for this suite (indices 0..<count).
    public var trainExamples: Int
    /// Test-split examples the evaluation grades.
    public var testExamples: Int

    public init(name: String, difficulty: Int = 2, trainExamples: Int, testExamples: Int = 200) {
        self.name = name; self.difficulty = difficulty; self.trainExamples = trainExamples; self.testExamples = testExamples
    }

    /// The suite object.
    /// - Throws: ``TextLabError/invalidSetting(key:value:fix:)`` for an unknown name or difficulty.
    public func suite() throws -> any TaskSuite {
        do {
            switch name {
            case "reasoning": return try ReasoningSuite(difficulty: difficulty)
            case "tool-use": return try ToolUseSuite(difficulty: difficulty)
            case "coding": return try CodingSuite(difficulty: difficulty)
            default:
                throw TextLabError.invalidSetting(key: "suites.name", value: name, fix: "use reasoning, tool-use or coding")
            }
        } catch let e as TaskSuiteError {
            throw TextLabError.invalidSetting(key: "suites.\(name).difficulty", value: "\(difficulty)", fix: e.description)
        }
    }
}

/// How the teacher's worked steps are written in its training data (the graded answer line is the
/// same in every format, so grading is unchanged).
public enum TextAnswerFormat: String, Codable, Sendable, CaseIterable {
    /// The suites' reference answers, verbatim.
    case reference
    /// Reasoning steps also spell each sum/difference out least-significant digit first with the
    /// carries (`456+789: 6+9=15 c1, ...`): the order in which a left-to-right decoder can compute them.
    case columns
    /// Every sum, difference and product by a digit worked column by column with its carries, in
    /// reasoning steps and in coding traces (``ScratchFormat``).
    case scratch
}

/// Everything that determines a trained text teacher: its shape, its optimisation recipe, its data
/// (suite mix and difficulty) and the seed. Hash of this (plus the code version and BLAS thread count)
/// is the teacher cache's key.
public struct TextTeacherSettings: Codable, Equatable, Sendable {
    public var model: GPTConfig
    public var steps: Int
    public var batchSize: Int
    /// AdamW, warmup + cosine, clipping (`totalSteps` is set from `steps`).
    public var optimizer: GPTOptimizerSettings
    public var suites: [TextSuiteSettings]
    public var answerFormat: TextAnswerFormat
    public var seed: UInt64
    /// Stop when the loss exceeds this multiple of its running minimum after warmup (exploding loss).
    public var divergenceFactor: Float
    /// true: batches mix the suites (one shuffled order over all examples); nil/false: every batch
    /// is drawn from one suite. Optional so that settings without it keep their cache key.
    public var mixedBatches: Bool?
    /// true: each of a batch's `batchSize` rows holds as many whole examples as fit in the context
    /// (``TextBatcher``'s packing; attention does not cross examples), so a step trains on more
    /// examples for the same positions; nil/false: one example per row, padded. Optional so that
    /// settings without it keep their cache key.
    public var packedBatches: Bool?

    public init(model: GPTConfig, steps: Int, batchSize: Int, optimizer: GPTOptimizerSettings,
                suites: [TextSuiteSettings], answerFormat: TextAnswerFormat = .reference, seed: UInt64 = 0,
                divergenceFactor: Float = 4, mixedBatches: Bool? = nil, packedBatches: Bool? = nil) {
        self.model = model; self.steps = steps; self.batchSize = batchSize; self.optimizer = optimizer
        self.suites = suites; self.answerFormat = answerFormat; self.seed = seed; self.divergenceFactor = divergenceFactor
        self.mixedBatches = mixedBatches; self.packedBatches = packedBatches
        self.optimizer.totalSteps = steps
    }

    /// The default teacher: the recipe the first `text train` run uses. Measured (1 BLAS thread,
    /// 200 test examples per suite): reasoning 0%, tool use 19%, coding 55% after 1500 mixed-suite
    /// batches, 1548 s on a shared 2-core machine — far from the 90% target. One suite per batch
    /// did worse (columns 0/9/38%, reference 0/5.5/38.5%, scratch 0/2.5/19%). Packed rows
    /// (`packedBatches`, 1000 steps, 1165 s) gave 0/31.5/43.5%: better tool use, worse coding, not adopted.
    public static var standard: TextTeacherSettings {
        var o = GPTOptimizerSettings()
        o.learningRate = 3e-3; o.minLearningRate = 3e-4; o.warmupSteps = 50; o.weightDecay = 0.1; o.gradientClip = 1
        return TextTeacherSettings(
            model: try! GPTConfig(context: 256, channels: 128, heads: 4, layers: 4),
            steps: 1500, batchSize: 32, optimizer: o,
            suites: ["reasoning", "tool-use", "coding"].map { TextSuiteSettings(name: $0, trainExamples: 20_000) },
            answerFormat: .columns, seed: 0, mixedBatches: true)
    }

    /// The notebook's longer recipe (same shape and data, more steps).
    public static var full: TextTeacherSettings {
        var s = standard
        s.steps = 6000; s.optimizer.totalSteps = 6000
        s.suites = s.suites.map { var x = $0; x.trainExamples = 60_000; return x }
        return s
    }

    /// Checks every key.
    /// - Throws: ``TextLabError/invalidSetting(key:value:fix:)`` naming the first bad key and the fix.
    public func validate() throws {
        func bad(_ k: String, _ v: Any, _ fix: String) -> TextLabError { .invalidSetting(key: k, value: "\(v)", fix: fix) }
        guard steps >= 1 else { throw bad("steps", steps, "use at least 1 training step") }
        guard batchSize >= 1 else { throw bad("batchSize", batchSize, "use at least 1 sequence per batch") }
        guard optimizer.learningRate > 0, optimizer.learningRate.isFinite else {
            throw bad("optimizer.learningRate", optimizer.learningRate, "use a finite positive rate such as 3e-3")
        }
        guard optimizer.minLearningRate >= 0, optimizer.minLearningRate <= optimizer.learningRate else {
            throw bad("optimizer.minLearningRate", optimizer.minLearningRate, "use a value in 0...learningRate")
        }
        guard optimizer.warmupSteps >= 0, optimizer.warmupSteps < steps else {
            throw bad("optimizer.warmupSteps", optimizer.warmupSteps, "use 0..<steps (\(steps))")
        }
        guard !suites.isEmpty else { throw bad("suites", "[]", "list at least one of reasoning, tool-use, coding") }
        var seen = Set<String>()
        for s in suites {
            _ = try s.suite()
            guard seen.insert(s.name).inserted else { throw bad("suites.name", s.name, "list each suite once") }
            guard s.trainExamples >= 1 else { throw bad("suites.\(s.name).trainExamples", s.trainExamples, "use at least 1") }
            guard s.testExamples >= 0 else { throw bad("suites.\(s.name).testExamples", s.testExamples, "use 0 or more") }
        }
        guard divergenceFactor > 1 else { throw bad("divergenceFactor", divergenceFactor, "use a factor above 1, such as 4") }
    }
}

/// Errors of the text lab: each names the key or the file and the fix.
public enum TextLabError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidSetting(key: String, value: String, fix: String)
    case diverged(step: Int, loss: Float, detail: String)
    case corruptCache(path: String, detail: String)
    case invalidTransferSet(String)

    public var description: String {
        switch self {
        case let .invalidSetting(k, v, fix): return "invalid text setting \(k) = \(v); \(fix)"
        case let .diverged(step, loss, d):
            return "training diverged at step \(step): the loss is \(loss) (\(d)); lower optimizer.learningRate (e.g. halve it), raise optimizer.warmupSteps or lower optimizer.gradientClip"
        case let .corruptCache(p, d): return "the cached text teacher at \(p) is corrupt (\(d)); it was removed and will be retrained"
        case let .invalidTransferSet(s): return "invalid transfer set: \(s)"
        }
    }
}
