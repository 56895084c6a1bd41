import DistillCore
import DistillTasks
import DistillText
import Foundation

/// One suite's exact-match score and the model's final answers, example by example.
public struct TextSuiteEvaluation: Codable, Equatable, Sendable {
    public var suite: String
    public var difficulty: Int
    /// Example ids, in test order.
    public var ids: [String]
    /// The graded part of each answer (nil: none found), in the same order.
    public var finalAnswers: [String?]
    /// Whether each answer was graded correct.
    public var correct: [Bool]
    public var accuracy: Double { correct.isEmpty ? 0 : Double(correct.filter { $0 }.count) / Double(correct.count) }

    /// The share of examples where both give the same (non-nil) final answer: fidelity to `teacher`.
    /// - Precondition: both evaluated the same examples (same ids).
    public func agreement(with teacher: TextSuiteEvaluation) -> Double {
        precondition(ids == teacher.ids, "fidelity needs the same examples for both models")
        guard !ids.isEmpty else { return 0 }
        let same = zip(finalAnswers, teacher.finalAnswers).filter { $0 != nil && $0 == $1 }.count
        return Double(same) / Double(ids.count)
    }
}

/// A model's scores: per-suite exact match under greedy decoding, and optionally bits per byte on
/// held-out natural text.
public struct TextEvaluation: Codable, Equatable, Sendable {
    public var suites: [TextSuiteEvaluation]
    /// Mean cross-entropy in bits per byte on the corpus's test chunks (nil when not measured).
    public var bitsPerByte: Double?
    public var seconds: Double

    public subscript(suite name: String) -> TextSuiteEvaluation? { suites.first { $0.suite == name } }

    /// Evaluates `model` on `count(suite)` test examples of each suite (greedy decoding; tool use runs the
    /// called tool and continues to the final answer), and on `corpus` if given.
    public static func evaluate(_ model: GPT, suites: [TextSuiteSettings], seed: UInt64, split: TaskSplit = .test,
                                corpus: TextCorpus? = nil, corpusBytes: Int = 65_536,
                                maxAnswerTokens: Int = 160) throws -> TextEvaluation {
        let start = DispatchTime.now().uptimeNanoseconds
        var out: [TextSuiteEvaluation] = []
        for s in suites {
            let suite = try s.suite()
            let examples = suite.examples(split: split, count: s.testExamples, seed: seed)
            var e = TextSuiteEvaluation(suite: s.name, difficulty: s.difficulty, ids: [], finalAnswers: [], correct: [])
            for ex in examples {
                let response = try answer(model, messages: ex.messages, suite: suite, maxTokens: maxAnswerTokens)
                e.ids.append(ex.id)
                e.finalAnswers.append(response.flatMap { suite.finalAnswer(in: $0) })
                e.correct.append(response.map { suite.grade(response: $0, example: ex) } ?? false)
            }
            out.append(e)
        }
        let bpb = try corpus.map { try bitsPerByte(model, corpus: $0, maxBytes: corpusBytes) }
        return TextEvaluation(suites: out, bitsPerByte: bpb, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The model's greedy answer to a prompt, as the suites grade it: the assistant's text across its
    /// turns joined by "\n". For tool use, when the first turn holds a call, the call is executed
    /// against the tools the system message offers, the result is appended as a tool message and the
    /// model continues. Nil when the prompt does not fit the context.
    public static func answer(_ model: GPT, messages: [ChatMessage], suite: any TaskSuite, maxTokens: Int) throws -> String? {
        let template = ChatTemplate.standard
        var prompt = try template.renderPrompt(messages).map { Int32($0) }
        guard prompt.count < model.config.context else { return nil }
        var rng = RandomStream(seed: 0, label: "greedy")  // unused by greedy decoding
        let greedy = GPTSampling(temperature: 0, stopSequences: [[Int32(ChatTemplate.endOfMessage)]])
        func turn() throws -> String {
            let n = min(maxTokens, model.config.context - prompt.count)
            let g = try model.generate(prompt: prompt, maxTokens: n, sampling: greedy, rng: &rng)
            prompt += g.tokens
            return template.answer(inGenerated: g.tokens.map { UInt8(truncatingIfNeeded: $0) })
        }
        let first = try turn()
        guard let tools = suite as? ToolUseSuite, let call = ToolCall.parse(first) else { return first }
        let offered = ToolDefinition.parseList(messages.first { $0.role == .system }?.content ?? "")
        let result = tools.execute(call, offered: offered)
        prompt.append(Int32(ChatTemplate.endOfMessage))
        prompt.append(Int32(ChatTemplate.marker(.tool)))
        prompt += result.utf8.map { Int32($0) }
        prompt.append(Int32(ChatTemplate.endOfMessage))
        prompt.append(Int32(ChatTemplate.marker(.assistant)))
        guard prompt.count < model.config.context else { return first }
        return first + "\n" + (try turn())
    }

    /// Mean next-byte cross-entropy in bits on up to `maxBytes` bytes of `corpus`'s test chunks, in
    /// windows of the model's context (each window predicts its bytes 1..<n from the ones before).
    public static func bitsPerByte(_ model: GPT, corpus: TextCorpus, maxBytes: Int = 65_536) throws -> Double {
        let T = model.config.context, B = 8
        var windows: [ArraySlice<UInt8>] = []
        var total = 0
        outer: for chunk in corpus.chunks(.test) {
            var s = chunk.startIndex
            while s + 2 <= chunk.endIndex {
                let e = min(s + T + 1, chunk.endIndex)
                windows.append(chunk[s..<e]); total += e - s - 1; s = e
                if total >= maxBytes { break outer }
            }
        }
        guard !windows.isEmpty else { return .nan }
        let batch = GPTBatch(B: B, T: T)
        var nats = 0.0, count = 0.0
        var i = 0
        while i < windows.count {
            for b in 0..<B {
                let w = i + b < windows.count ? Array(windows[i + b]) : []
                for t in 0..<T {
                    let k = b * T + t
                    let has = t + 1 < w.count
                    batch.tokens[k] = has ? Int32(w[t]) : 0
                    batch.targets[k] = has ? Int32(w[t + 1]) : 0
                    batch.mask[k] = has ? 1 : 0
                }
            }
            let n = Double(batch.mask.reduce(0, +))
            let loss = try model.forward(batch)
            nats += Double(loss) * n; count += n
            i += B
        }
        return nats / count / log(2)
    }
}
