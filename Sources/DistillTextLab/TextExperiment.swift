import DistillChat
import DistillCore
import DistillLab
import DistillTasks
import DistillText
import Foundation

/// What a text run reports as it goes.
public enum TextExperimentEvent: Sendable {
    /// A stage starts ("teacher", "attack", "student seq-kd @ 600", "evaluate …").
    case stage(String)
    /// A training step of `model`.
    case training(model: String, TextTrainingProgress)
    /// One line worth showing (a corrupt cache entry being retrained, …).
    case notice(String)
}

/// One model's scores per suite.
public struct TextSuiteScore: Codable, Equatable, Sendable {
    public var suite: String
    /// Exact match on the test split.
    public var accuracy: Double
    /// Agreement with the teacher's final answers on the same examples (nil for the teacher).
    public var fidelity: Double?
}

/// A trained model's scores.
public struct TextModelScores: Codable, Equatable, Sendable {
    /// "teacher", or the student objective's name.
    public var model: String
    /// Exchanges the student was trained from (nil for the teacher).
    public var budget: Int?
    public var suites: [TextSuiteScore]
    /// Bits per byte on held-out Shakespeare (nil when not measured).
    public var bitsPerByte: Double?
    public var training: TextTrainingReport?
    public var meanAccuracy: Double { suites.isEmpty ? 0 : suites.map(\.accuracy).reduce(0, +) / Double(suites.count) }
}

/// What the attacker spent, per suite.
public struct TextAttackSpend: Codable, Equatable, Sendable {
    public var suite: String
    /// Tasks sent (a tool-use task is one task and up to two exchanges).
    public var tasks: Int
    public var exchanges: Int
    public var promptTokens: Int
    public var completionTokens: Int
}

/// The results of a text run (`results.json`).
public struct TextExperimentResult: Codable, Equatable, Sendable {
    public var teacher: TextModelScores
    /// Where the teacher came from: "trained", "cached" or "retrained (corrupt cache entry: …)".
    public var teacherSource: String
    public var teacherKey: String
    /// The students at the full budget, then (in `curve`) every budget of the curve.
    public var students: [TextModelScores]
    public var curve: [TextModelScores]
    public var spend: [TextAttackSpend]
    public var seconds: Double
}

/// The text track's experiment: the teacher behind the chat API, an attacker that spends its budget of
/// exchanges on prompts from its pool, and the three students (sequence KD on the sampled answers,
/// logit KD on the returned top-k log-probs, the honest reference on the true answers of the same
/// prompts), each graded per suite against the teacher.
public struct TextExperiment {
    public var settings: TextExperimentSettings
    /// The teacher cache (nil: always train the teacher, store nothing).
    public var cacheDirectory: URL?

    public init(settings: TextExperimentSettings, cacheDirectory: URL?) {
        self.settings = settings; self.cacheDirectory = cacheDirectory
    }

    /// The objectives trained: logit KD only when the API is asked for log-probs.
    public var objectives: [TextStudentObjective] {
        settings.attack.topLogprobs > 0 ? [.sequenceKD, .logitKD, .reference] : [.sequenceKD, .reference]
    }

    /// Runs it; with `directory`, writes `settings.json` first, the oracle's log (`exchanges.jsonl`) as
    /// it goes, the full-budget students' weights, and `results.json` last.
    /// - Throws: ``TextLabError`` (bad settings, divergence), ``ChatError`` from the oracle, file errors.
    public func run(directory: RunDirectory? = nil, onEvent: @escaping (TextExperimentEvent) -> Void = { _ in }) throws -> TextExperimentResult {
        let s = settings
        try s.validate()
        let start = DispatchTime.now().uptimeNanoseconds
        if let directory {
            try directory.writeJSON(TextRunRecord(settings: s, environment: .current(threads: BLAS.threads)), to: RunFiles.settings)
        }

        onEvent(.stage("teacher"))
        let (teacher, record) = try TextTeacherCache.teacher(
            for: s.teacher, cacheDirectory: cacheDirectory,
            progress: { onEvent(.training(model: "teacher", $0)) }, notice: { onEvent(.notice($0)) })
        onEvent(.stage(record.source == .cached ? "teacher loaded from the cache (\(record.key.prefix(12)))" : "teacher trained"))

        let gradedSuites = s.teacher.suites.map { var x = $0; x.testExamples = s.testExamples; return x }
        let corpus = s.perplexityBytes > 0 ? try TextCorpus.shakespeare() : nil
        onEvent(.stage("evaluate teacher"))
        let teacherEval = try TextEvaluation.evaluate(teacher, suites: gradedSuites, seed: s.teacher.seed, corpus: corpus,
                                                      corpusBytes: max(1, s.perplexityBytes))

        onEvent(.stage("attack: \(s.attack.budget) exchanges"))
        let logURL = directory?.file("exchanges.jsonl")
        let attack = try TextAttacker(settings: s.attack, suites: s.teacher.suites, seed: s.seed)
            .run(teacher: teacher, logURL: logURL)

        var curve: [TextModelScores] = []
        var full: [TextModelScores] = []
        var student = s.student
        student.seed = s.seed
        for budget in s.attack.budgets {
            let (exchanges, references) = attack.prefix(budget)
            for objective in objectives {
                let name = objective.rawValue
                onEvent(.stage("student \(name) from \(exchanges.count) exchanges"))
                let (model, report) = try TextStudents.train(objective, exchanges: exchanges, references: references, settings: student,
                                                             progress: { onEvent(.training(model: name, $0)) })
                let e = try TextEvaluation.evaluate(model, suites: gradedSuites, seed: s.teacher.seed, corpus: corpus,
                                                    corpusBytes: max(1, s.perplexityBytes))
                let scores = TextModelScores(model: name, budget: exchanges.count, suites: e.suites.map { x in
                    TextSuiteScore(suite: x.suite, accuracy: x.accuracy, fidelity: x.agreement(with: teacherEval[suite: x.suite]!))
                }, bitsPerByte: e.bitsPerByte, training: report)
                curve.append(scores)
                if budget == s.attack.budget {
                    full.append(scores)
                    if let directory { try model.save(to: directory.file("student-\(name).safetensors")) }
                }
            }
        }
        let result = TextExperimentResult(
            teacher: TextModelScores(model: "teacher", budget: nil,
                                     suites: teacherEval.suites.map { TextSuiteScore(suite: $0.suite, accuracy: $0.accuracy, fidelity: nil) },
                                     bitsPerByte: teacherEval.bitsPerByte, training: record.training),
            teacherSource: Self.describe(record.source), teacherKey: record.key,
            students: full, curve: curve, spend: attack.spend,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        if let directory { try directory.writeJSON(result, to: RunFiles.results) }
        return result
    }

    static func describe(_ source: TextTeacherSource) -> String {
        switch source {
        case .cached: return "cached"
        case .trained: return "trained"
        case let .retrainedCorrupt(d): return "retrained (corrupt cache entry: \(d))"
        }
    }
}

/// `settings.json` of a text run.
public struct TextRunRecord: Codable, Equatable, Sendable {
    public var track = "text"
    public var settings: TextExperimentSettings
    public var environment: RunEnvironment
    public init(settings: TextExperimentSettings, environment: RunEnvironment) { self.settings = settings; self.environment = environment }
}

/// The attacker of the text track: one account with a budget of exchanges, prompts drawn from each
/// suite's attacker pool in turn (reasoning, tool use, coding, reasoning, …), answered through the
/// chat API. For tool use it runs the called tool itself, as an agent would, and sends the result back
/// for the final answer (a second exchange).
public struct TextAttacker {
    public let settings: TextAttackSettings
    public let suites: [TextSuiteSettings]
    public let seed: UInt64
    public static let account = "attacker"

    public init(settings: TextAttackSettings, suites: [TextSuiteSettings], seed: UInt64) throws {
        self.settings = settings; self.suites = suites; self.seed = seed
        for s in suites { _ = try s.suite() }
    }

    /// The recorded exchanges, in the order they were made, each with the task it belongs to.
    public struct Transcript {
        public var exchanges: [TextExchange] = []
        /// Index into `tasks` of each exchange.
        public var taskOfExchange: [Int] = []
        public var tasks: [TaskExample] = []
        public var spend: [TextAttackSpend] = []

        /// The first `budget` exchanges and the tasks they touched (for the reference student).
        public func prefix(_ budget: Int) -> ([TextExchange], [TaskExample]) {
            let n = min(budget, exchanges.count)
            let touched = Set(taskOfExchange.prefix(n))
            return (Array(exchanges.prefix(n)), tasks.indices.filter { touched.contains($0) }.map { tasks[$0] })
        }
    }

    /// Spends the budget against a fresh oracle serving `teacher` (the oracle's exchange log goes to
    /// `logURL` when given).
    public func run(teacher: GPT, logURL: URL? = nil) throws -> Transcript {
        let oracle = try ChatOracle(teacher: teacher, seed: seed, accounts: [Account(id: Self.account, requestBudget: settings.budget)],
                                    logURL: logURL)
        return try run { try oracle.answer($0, account: Self.account) }
    }

    /// Spends the budget through `complete` (the oracle in process, or an HTTP client).
    public func run(complete: (ChatRequest) throws -> ChatResponse) throws -> Transcript {
        let template = ChatTemplate.standard
        let objects = try suites.map { try $0.suite() }
        // Enough pool prompts for the whole budget from any one suite.
        let pools = objects.map { $0.examples(split: .attackerPool, count: settings.budget, seed: seed) }
        var t = Transcript()
        t.spend = suites.map { TextAttackSpend(suite: $0.name, tasks: 0, exchanges: 0, promptTokens: 0, completionTokens: 0) }
        var used = 0, next = Array(repeating: 0, count: suites.count)
        func ask(_ messages: [ChatMessage], suite: Int, task: Int) throws -> (ChatResponse, [UInt8])? {
            guard used < settings.budget else { return nil }
            let request = ChatRequest(model: "distill-teacher", messages: messages, maxTokens: settings.maxTokens,
                                      temperature: settings.temperature, logprobs: settings.topLogprobs > 0 ? true : nil,
                                      topLogprobs: settings.topLogprobs > 0 ? settings.topLogprobs : nil)
            let response: ChatResponse
            do { response = try complete(request) } catch ChatError.budgetExhausted { return nil } catch ChatError.promptTooLong { return nil }
            used += 1
            let prompt = try template.renderPrompt(messages)
            let answer = response.choices.first?.logprobs.flatMap { $0.content.compactMap { $0.bytes?.first.map(UInt8.init) } }
                ?? Array(response.text.utf8)
            let top = response.choices.first?.logprobs.map { lp in
                lp.content.map { c in c.topLogprobs.compactMap { x in x.bytes?.first.map { TextTokenLogprob(token: Int32($0), logprob: Float(x.logprob)) } } }
            }
            t.exchanges.append(TextExchange(suite: suites[suite].name, prompt: prompt, answer: answer,
                                            stopped: response.choices.first?.finishReason == "stop", topLogprobs: top))
            t.taskOfExchange.append(task)
            t.spend[suite].exchanges += 1
            t.spend[suite].promptTokens += response.usage.promptTokens
            t.spend[suite].completionTokens += response.usage.completionTokens
            return (response, answer)
        }
        var turn = 0
        while used < settings.budget {
            let i = turn % suites.count
            turn += 1
            guard next[i] < pools[i].count else { if next.indices.allSatisfy({ next[$0] >= pools[$0].count }) { break } else { continue } }
            let example = pools[i][next[i]]
            next[i] += 1
            let task = t.tasks.count
            t.tasks.append(example)
            t.spend[i].tasks += 1
            guard let (_, first) = try ask(example.messages, suite: i, task: task) else { continue }
            if let tools = objects[i] as? ToolUseSuite, let call = ToolCall.parse(String(decoding: first, as: UTF8.self)) {
                let offered = ToolDefinition.parseList(example.messages.first { $0.role == .system }?.content ?? "")
                let result = tools.execute(call, offered: offered)
                let followUp = example.messages + [ChatMessage(.assistant, String(decoding: first, as: UTF8.self)), ChatMessage(.tool, result)]
                _ = try ask(followUp, suite: i, task: task)
            }
        }
        return t
    }
}
