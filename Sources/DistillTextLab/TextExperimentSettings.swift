import DistillCore
import DistillText
import Foundation

/// How the attacker spends its budget on the chat API.
public struct TextAttackSettings: Codable, Equatable, Sendable {
    /// Exchanges (answered requests) the attacker's account may make. A tool-use task takes two: the
    /// call, then the final answer after the tool's result.
    public var budget: Int
    /// Smaller budgets (prefixes of the same exchanges) at which the students are trained too: the
    /// accuracy-against-budget curve. The full budget is always a point.
    public var curve: [Int]
    /// Sampling temperature of the attacker's requests (0 = greedy: the teacher's best answer).
    public var temperature: Double
    /// `top_logprobs` asked for (0: none; then no logit-KD student).
    public var topLogprobs: Int
    /// `max_tokens` of each request.
    public var maxTokens: Int

    public init(budget: Int = 600, curve: [Int] = [200], temperature: Double = 0, topLogprobs: Int = 5, maxTokens: Int = 200) {
        self.budget = budget; self.curve = curve; self.temperature = temperature; self.topLogprobs = topLogprobs; self.maxTokens = maxTokens
    }

    /// The budgets the students are trained at, ascending, ending with ``budget``.
    public var budgets: [Int] { Array(Set(curve.filter { $0 < budget } + [budget])).sorted() }
}

/// Everything a text-track run does: the teacher (cached by its settings), the attacker, the students
/// and what is graded.
public struct TextExperimentSettings: Codable, Equatable, Sendable {
    public var teacher: TextTeacherSettings
    public var student: TextStudentSettings
    public var attack: TextAttackSettings
    /// Test examples graded per suite, for the teacher and every student.
    public var testExamples: Int
    /// Bytes of held-out Shakespeare for bits per byte (0: not measured).
    public var perplexityBytes: Int
    /// Seed of the attacker's pool, the oracle's sampling and the students (the teacher has its own).
    public var seed: UInt64

    public init(teacher: TextTeacherSettings = .standard, student: TextStudentSettings = .standard,
                attack: TextAttackSettings = TextAttackSettings(), testExamples: Int = 100, perplexityBytes: Int = 32_768,
                seed: UInt64 = 0) {
        self.teacher = teacher; self.student = student; self.attack = attack; self.testExamples = testExamples
        self.perplexityBytes = perplexityBytes; self.seed = seed
    }

    /// The default text run (`distill-lab text train` without arguments).
    public static var standard: TextExperimentSettings { TextExperimentSettings() }

    /// - Throws: ``TextLabError/invalidSetting(key:value:fix:)`` naming the first bad key.
    public func validate() throws {
        try teacher.validate()
        try student.validate()
        func bad(_ k: String, _ v: Any, _ fix: String) -> TextLabError { .invalidSetting(key: k, value: "\(v)", fix: fix) }
        guard attack.budget >= 1 else { throw bad("attack.budget", attack.budget, "give the attacker at least 1 exchange") }
        if let c = attack.curve.first(where: { $0 < 1 }) { throw bad("attack.curve", c, "list budgets of at least 1 exchange") }
        guard attack.temperature >= 0, attack.temperature.isFinite else { throw bad("attack.temperature", attack.temperature, "use 0 (greedy) or a positive temperature") }
        guard (0...20).contains(attack.topLogprobs) else { throw bad("attack.topLogprobs", attack.topLogprobs, "use 0...20 (the API's limit)") }
        guard attack.maxTokens >= 1 else { throw bad("attack.maxTokens", attack.maxTokens, "use at least 1 token") }
        guard testExamples >= 1 else { throw bad("testExamples", testExamples, "grade at least 1 example per suite") }
        guard perplexityBytes >= 0 else { throw bad("perplexityBytes", perplexityBytes, "use 0 (off) or a positive byte count") }
        guard student.model.context <= teacher.model.context else {
            throw bad("student.model.context", student.model.context, "use at most the teacher's context (\(teacher.model.context))")
        }
    }
}
