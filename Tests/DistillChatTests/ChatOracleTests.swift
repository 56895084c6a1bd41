import XCTest
import Foundation
import DistillCore
import DistillText
import DistillTasks
import DistillLab
@testable import DistillChat

/// A tiny random GPT: answers are random bytes (often not UTF-8), which is what the byte and log-prob checks need.
func tinyTeacher(context: Int = 64, seed: UInt64 = 7) -> GPT {
    var rng = RandomStream(seed: seed, label: "chat-test-teacher")
    let model = GPT(config: try! GPTConfig(context: context, channels: 16, heads: 2, layers: 1), rng: &rng)
    // Larger embeddings than GPT-2's init, so the distribution is far from uniform (distinct top-k orders) yet varied.
    let wte = model.parameter("wte")
    for i in wte.indices { wte[i] *= 6 }
    return model
}

func ask(_ text: String, _ configure: (inout ChatRequest) -> Void = { _ in }) -> ChatRequest {
    var r = ChatRequest(model: "distill-teacher", messages: [ChatMessage(.system, "be brief"), ChatMessage(.user, text)], maxTokens: 12)
    configure(&r)
    return r
}

final class ChatOracleTests: XCTestCase {
    func oracle(_ accounts: [Account] = [Account(id: "a"), Account(id: "b")], defenses: [ChatResponseDefense] = [],
                monitors: [ChatMonitor] = [], log: URL? = nil, seed: UInt64 = 0) throws -> ChatOracle {
        let o = try ChatOracle(teacher: tinyTeacher(), seed: seed, accounts: accounts, defenses: defenses, monitors: monitors, logURL: log)
        o.clock = { Date(timeIntervalSince1970: 1_800_000_000) }
        return o
    }

    func testLogprobsAreTheModelsLogSoftmaxAtEveryGeneratedPosition() throws {
        let o = try oracle()
        let request = ask("2+2?") { $0.logprobs = true; $0.topLogprobs = 5; $0.seed = 3 }
        let r = try o.answer(request, account: "a")
        let content = try XCTUnwrap(r.choices[0].logprobs?.content)
        XCTAssertEqual(content.count, r.usage.completionTokens)
        XCTAssertGreaterThan(content.count, 0)
        let prompt = try ChatTemplate.standard.renderPrompt(request.messages).map { Int32($0) }
        XCTAssertEqual(r.usage.promptTokens, prompt.count)
        var prefix = prompt
        for item in content {
            let logits = try o.teacher.logits(after: prefix)
            let m = logits.max()!
            let logZ = Double(m) + log(logits.reduce(0.0) { $0 + exp(Double($1 - m)) })
            let token = Int(try XCTUnwrap(item.bytes?.first))
            XCTAssertEqual(item.logprob, Double(logits[token]) - logZ, accuracy: 1e-4)
            XCTAssertEqual(item.topLogprobs.count, 5)
            let order = logits.indices.sorted { logits[$0] > logits[$1] }
            XCTAssertEqual(item.topLogprobs.map { $0.bytes![0] }, Array(order.prefix(5)))
            for t in item.topLogprobs { XCTAssertEqual(t.logprob, Double(logits[t.bytes![0]]) - logZ, accuracy: 1e-4) }
            prefix.append(Int32(token))
        }
        // Without logprobs, none are returned.
        XCTAssertNil(try o.answer(ask("2+2?") { $0.seed = 3 }, account: "a").choices[0].logprobs)
    }

    func testSeededRequestsRepeatAndUnseededStreamsAreCounterDerived() throws {
        let o = try oracle()
        let seeded = ask("hello") { $0.seed = 42; $0.logprobs = true; $0.topLogprobs = 2 }
        let first = try o.answer(seeded, account: "a")
        let again = try o.answer(seeded, account: "a")
        let other = try o.answer(seeded, account: "b")
        XCTAssertEqual(first.choices, again.choices)
        XCTAssertEqual(first.choices, other.choices)
        XCTAssertNotEqual(first.choices, try o.answer(ask("hello") { $0.seed = 43; $0.logprobs = true; $0.topLogprobs = 2 }, account: "a").choices)

        // Unseeded: the n-th request of an account draws stream chat/<account>/<n>, so a fresh oracle repeats
        // the sequence, consecutive requests differ, and another account's traffic does not shift it.
        let o1 = try oracle(), o2 = try oracle()
        let a1 = try (0..<3).map { _ in try o1.answer(ask("hi"), account: "a").text }
        _ = try o2.answer(ask("noise"), account: "b")
        let a2 = try (0..<3).map { _ in try o2.answer(ask("hi"), account: "a").text }
        XCTAssertEqual(a1, a2)
        XCTAssertNotEqual(a1[0], a1[1])
        // Greedy is the same for everyone.
        XCTAssertEqual(try o1.answer(ask("x") { $0.temperature = 0 }, account: "a").text, try o1.answer(ask("x") { $0.temperature = 0 }, account: "b").text)
    }

    func testRequestBudgetIsEnforcedAndRefusalsAreNotCharged() throws {
        let o = try oracle([Account(id: "a", requestBudget: 2)])
        _ = try o.answer(ask("1"), account: "a")
        _ = try o.answer(ask("2"), account: "a")
        XCTAssertThrowsError(try o.answer(ask("3"), account: "a")) { e in
            XCTAssertEqual(e as? ChatError, .budgetExhausted(account: "a", resource: "requests", budget: 2, used: 2))
            XCTAssertEqual((e as? ChatError)?.apiError.status, 429)
        }
        XCTAssertEqual(o.usage(of: "a").requests, 2)
        XCTAssertEqual(o.exchanges(of: "a").count, 2)
    }

    func testTokenBudgetCutsTheAnswerThenRefuses() throws {
        let request = ask("count") { $0.maxTokens = 30; $0.logitBias = [0x1E: -100] }
        let prompt = try ChatTemplate.standard.renderPrompt(request.messages).count
        let o = try oracle([Account(id: "a", tokenBudget: prompt + 5)])
        let r = try o.answer(request, account: "a")
        XCTAssertEqual(r.usage.completionTokens, 5)
        XCTAssertEqual(r.choices[0].finishReason, "length")
        XCTAssertEqual(o.usage(of: "a").tokens, prompt + 5)
        XCTAssertThrowsError(try o.answer(request, account: "a")) { e in
            XCTAssertEqual(e as? ChatError, .budgetExhausted(account: "a", resource: "tokens", budget: prompt + 5, used: prompt + 5))
        }
    }

    func testEveryExchangeIsLoggedPerAccountInMemoryAndAsJSONL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chat-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("exchanges.jsonl")
        do {
            let o = try oracle(log: url)
            _ = try o.answer(ask("one"), account: "a")
            _ = try o.answer(ask("two") { $0.logprobs = true; $0.topLogprobs = 1 }, account: "b")
            _ = try o.answer(ask("three"), account: "a")
            XCTAssertThrowsError(try o.answer(ask("x") { $0.model = "gpt-4" }, account: "a"))  // refused: not logged
            XCTAssertEqual(o.exchanges(of: "a").map(\.request.messages[1].content), ["one", "three"])
            XCTAssertEqual(o.exchanges(of: "b").count, 1)
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 3)
            let decoded = try lines.map { try JSONDecoder().decode(ChatExchange.self, from: Data($0.utf8)) }
            XCTAssertEqual(decoded, o.exchanges())
            XCTAssertEqual(decoded.map(\.account), ["a", "b", "a"])
            XCTAssertEqual(decoded[1].completionTokens, decoded[1].response.usage.completionTokens)
        }
        // A second oracle appends to the same file.
        let o = try oracle(log: url)
        _ = try o.answer(ask("four"), account: "a")
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8).split(separator: "\n").count, 4)
        XCTAssertThrowsError(try oracle(log: dir.appendingPathComponent("missing/x.jsonl"))) { e in
            guard case .log = e as? ChatError else { return XCTFail("\(e)") }
        }
    }

    func testPromptLongerThanTheContextIsAClearError() throws {
        let o = try oracle()
        XCTAssertThrowsError(try o.answer(ask(String(repeating: "a", count: 80)), account: "a")) { e in
            let err = e as? ChatError
            XCTAssertEqual(err?.apiError.status, 400)
            XCTAssertEqual(err?.apiError.error.code, "context_length_exceeded")
            XCTAssertTrue(err?.description.contains("context is 64") == true, "\(e)")
        }
    }

    func testBadRequestsNameTheField() throws {
        func param(_ json: String) -> String? {
            do { _ = try ChatRequest.decode(Data(json.utf8)); return "accepted" } catch let e as ChatError {
                guard case let .invalidRequest(p, _, _) = e else { return "other" }
                return p ?? "body"
            } catch { return "not a ChatError" }
        }
        let m = #""model":"m","messages":[{"role":"user","content":"hi"}]"#
        XCTAssertEqual(param("{not json"), "body")
        XCTAssertEqual(param("[1]"), "body")
        XCTAssertEqual(param(#"{"messages":[{"role":"user","content":"hi"}]}"#), "model")
        XCTAssertEqual(param(#"{"model":"m","messages":[]}"#), "messages")
        XCTAssertEqual(param("{\(m),\"frobnicate\":1}"), "frobnicate")
        XCTAssertEqual(param("{\(m),\"tools\":[]}"), "tools")
        XCTAssertEqual(param("{\(m),\"n\":2}"), "n")
        XCTAssertEqual(param("{\(m),\"temperature\":\"hot\"}"), "temperature")
        XCTAssertEqual(param("{\(m),\"temperature\":3}"), "temperature")
        XCTAssertEqual(param("{\(m),\"top_p\":0}"), "top_p")
        XCTAssertEqual(param("{\(m),\"max_tokens\":0}"), "max_tokens")
        XCTAssertEqual(param("{\(m),\"max_tokens\":1.5}"), "max_tokens")
        XCTAssertEqual(param("{\(m),\"logprobs\":true,\"top_logprobs\":21}"), "top_logprobs")
        XCTAssertEqual(param("{\(m),\"top_logprobs\":3}"), "top_logprobs")
        XCTAssertEqual(param("{\(m),\"logprobs\":1}"), "logprobs")
        XCTAssertEqual(param("{\(m),\"stream\":true}"), "stream")
        XCTAssertEqual(param("{\(m),\"presence_penalty\":0.5}"), "presence_penalty")
        XCTAssertEqual(param("{\(m),\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"), "stop")
        XCTAssertEqual(param(#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#), "messages[0].role")
        XCTAssertEqual(param(#"{"model":"m","messages":[{"role":"user"}]}"#), "messages[0].content")
        XCTAssertEqual(param(#"{"model":"m","messages":[{"role":"user","content":"a\u001eb"}]}"#), "messages[0].content")
        XCTAssertEqual(param(#"{"model":"m","messages":[{"role":"user","content":"x","tool_calls":[]}]}"#), "messages[0].tool_calls")
        // Accepted: ignored fields, neutral penalties, text parts, developer role, max_completion_tokens, stream false.
        let ok = #"{"model":"m","user":"u","store":false,"stream":false,"presence_penalty":0,"max_completion_tokens":5,"seed":-3,"stop":"\n","#
            + #""messages":[{"role":"developer","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"name":"x"}]}"#
        XCTAssertEqual(param(ok), "accepted")
        let r = try ChatRequest.decode(Data(ok.utf8))
        XCTAssertEqual(r.messages, [ChatMessage(.system, "s"), ChatMessage(.user, "ab")])
        XCTAssertEqual(r.maxTokens, 5); XCTAssertEqual(r.seed, -3); XCTAssertEqual(r.stop, ["\n"])
        // The log's form decodes back to the same request.
        let full = ask("x") { $0.logprobs = true; $0.topLogprobs = 4; $0.seed = 9; $0.logitBias = [65: 2]; $0.stop = ["z"]; $0.topK = 3 }
        XCTAssertEqual(try ChatRequest.decode(JSONEncoder().encode(full)), full)

        let o = try oracle()
        XCTAssertThrowsError(try o.answer(ask("x") { $0.model = "gpt-4o" }, account: "a")) { XCTAssertEqual(($0 as? ChatError)?.apiError.status, 404) }
        XCTAssertThrowsError(try o.answer(ask("x"), account: "nobody")) { XCTAssertEqual(($0 as? ChatError)?.apiError.status, 401) }
    }

    func testBytesThatAreNotUTF8AreReturnedAsBytes() throws {
        let o = try oracle()
        // Force é's two bytes (0xC3 0xA9), then one lone 0xC3.
        var r = try o.answer(ask("x") { $0.logprobs = true; $0.maxTokens = 1; $0.logitBias = [0xC3: 100] }, account: "a")
        XCTAssertEqual(r.choices[0].logprobs?.content.first?.token, "bytes:\\xc3")
        XCTAssertEqual(r.choices[0].logprobs?.content.first?.bytes, [0xC3])
        XCTAssertEqual(r.text, "\u{FFFD}")
        r = try o.answer(ask("x") { $0.logprobs = true; $0.maxTokens = 1; $0.logitBias = [0x41: 100] }, account: "a")
        XCTAssertEqual(r.choices[0].logprobs?.content.first?.token, "A")
        XCTAssertEqual(r.text, "A")
        // A random model's answer: the bytes reassemble exactly what was generated.
        r = try o.answer(ask("y") { $0.logprobs = true; $0.maxTokens = 20; $0.seed = 5 }, account: "a")
        let bytes = try XCTUnwrap(r.logprobBytes)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), r.text)
        XCTAssertTrue(bytes.contains { $0 >= 0x80 }, "the random teacher should emit some non-ASCII bytes")
    }

    func testStopSequencesAndFinishReasons() throws {
        let o = try oracle()
        let free = try o.answer(ask("s") { $0.seed = 1; $0.maxTokens = 20 }, account: "a")
        XCTAssertEqual(free.choices[0].finishReason, free.usage.completionTokens == 20 ? "length" : "stop")
        let cut = String(free.text.unicodeScalars.first { $0.isASCII && $0 != "\u{FFFD}" }.map(String.init) ?? "")
        guard !cut.isEmpty, let at = free.text.range(of: cut) else { return }
        let stopped = try o.answer(ask("s") { $0.seed = 1; $0.maxTokens = 20; $0.stop = [cut] }, account: "a")
        XCTAssertEqual(stopped.choices[0].finishReason, "stop")
        XCTAssertEqual(stopped.text, String(free.text[..<at.lowerBound]))
    }

    /// Chat components live in the one registry: a catalogue registers them
    /// beside the classifier's, in their own namespace (a chat defense may
    /// share a classifier defense's name), with the same duplicate check.
    func testChatComponentsAreRegisteredInTheOneRegistry() throws {
        let lab = ComponentRegistry(builtins: true)
        let chat = ChatComponentRegistry(registry: lab, builtins: true)
        XCTAssertEqual(chat.defenseDescriptors.map(\.name), ["logprob-cap", "logprob-rounding"])
        XCTAssertEqual(chat.monitorDescriptors.map(\.name), ["rate"])
        let rounding = ChatComponent<ChatDefenseFitter>.transform(ComponentDescriptor(
            kind: .defense, name: "rounding", summary: "a chat defense named like a classifier one", parameters: [], reference: "test")) { _, _ in
            throw ComponentError.duplicate(kind: .defense, name: "never built")
        }
        XCTAssertEqual(try lab.register(catalogue: [rounding, 42]).count, 1, "the non-component comes back")
        XCTAssertEqual(chat.defenseDescriptors.map(\.name), ["logprob-cap", "logprob-rounding", "rounding"])
        XCTAssertTrue(lab.names(.defense).contains("rounding"), "the classifier's rounding is untouched")
        XCTAssertThrowsError(try chat.register(rounding)) {
            XCTAssertEqual($0 as? ComponentError, .duplicate(kind: .defense, name: "rounding"))
        }
        XCTAssertThrowsError(try chat.makeMonitor(ComponentSpec(parsing: "nope"))) {
            XCTAssertTrue("\($0)".contains("chat monitors"), "\($0)")
        }
    }

    func testLogprobCapDefenseFromTheRegistry() throws {
        let plain = try oracle()
        let registry = ChatComponentRegistry.shared
        let context = ChatDefenseContext(teacher: plain.teacher, template: .standard, seed: 0)
        let cap = try registry.makeDefense(ComponentSpec(parsing: "logprob-cap:top=2"), context: context)
        let capped = try ChatOracle(teacher: plain.teacher, accounts: [Account(id: "a")], defenses: [cap])
        let request = ask("q") { $0.seed = 8; $0.logprobs = true; $0.topLogprobs = 5 }
        let full = try plain.answer(request, account: "a"), defended = try capped.answer(request, account: "a")
        XCTAssertEqual(defended.text, full.text)
        let a = try XCTUnwrap(full.choices[0].logprobs?.content), b = try XCTUnwrap(defended.choices[0].logprobs?.content)
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.topLogprobs.count, 5)
            XCTAssertEqual(y.topLogprobs, Array(x.topLogprobs.prefix(2)))
            XCTAssertEqual(y.logprob, x.logprob)
        }
        // The log holds what was sent.
        XCTAssertEqual(capped.exchanges().first?.response, defended)
        XCTAssertThrowsError(try registry.makeDefense(ComponentSpec(parsing: "logprob-cap:k=2"), context: context)) {
            XCTAssertTrue("\($0)".contains("has no parameter 'k'"), "\($0)")
        }
        XCTAssertThrowsError(try registry.makeDefense(ComponentSpec(parsing: "logprob-cap:top=21"), context: context))
        XCTAssertThrowsError(try registry.makeDefense(ComponentSpec(parsing: "logprob-cpa"), context: context)) {
            XCTAssertTrue("\($0)".contains("did you mean 'logprob-cap'"), "\($0)")
        }
    }

    func testLogprobRoundingDefense() throws {
        let o = try oracle(defenses: [LogprobRoundingDefense(decimals: 1)])
        let r = try o.answer(ask("q") { $0.seed = 8; $0.logprobs = true; $0.topLogprobs = 3 }, account: "a")
        let values = try XCTUnwrap(r.choices[0].logprobs?.content).flatMap { [$0.logprob] + $0.topLogprobs.map(\.logprob) }
        XCTAssertFalse(values.isEmpty)
        for v in values { XCTAssertEqual(v * 10, (v * 10).rounded(), accuracy: 1e-9) }
        XCTAssertTrue(values.contains { $0 != 0 })
    }

    func testRateMonitorFlagsOrBansAnAccountOverItsRate() throws {
        let banning = try ChatComponentRegistry.shared.makeMonitor(ComponentSpec(parsing: "rate:requests=2,seconds=10"))
        let o = try oracle([Account(id: "a"), Account(id: "b")], monitors: [banning])
        var now = Date(timeIntervalSince1970: 1_000)
        o.clock = { [now] in now }
        func at(_ t: Double) { now = Date(timeIntervalSince1970: t); o.clock = { [now] in now } }
        at(1000); _ = try o.answer(ask("1"), account: "a")
        at(1001); _ = try o.answer(ask("2"), account: "a")
        at(1020); _ = try o.answer(ask("3"), account: "a")   // the window slid: still two in 10 s
        XCTAssertNil(o.ban(of: "a"))
        at(1021); _ = try o.answer(ask("4"), account: "a")
        at(1022); _ = try o.answer(ask("5"), account: "a")   // three in 10 s: answered, then banned
        XCTAssertEqual(o.ban(of: "a")?.monitor, "rate")
        XCTAssertThrowsError(try o.answer(ask("6"), account: "a")) { e in
            guard case .banned(account: "a", monitor: "rate", _)? = e as? ChatError else { return XCTFail("\(e)") }
            XCTAssertEqual((e as? ChatError)?.apiError.status, 403)
        }
        _ = try o.answer(ask("7"), account: "b")  // other accounts are unaffected
        XCTAssertEqual(o.exchanges(of: "a").count, 5)

        let flagging = RateMonitor(requests: 1, tokens: nil, seconds: 60, action: .flag)
        let f = try oracle(monitors: [flagging])
        for _ in 0..<3 { _ = try f.answer(ask("x"), account: "a") }
        XCTAssertEqual(f.flags["a"]?.count, 2)
        XCTAssertNil(f.ban(of: "a"))
        XCTAssertThrowsError(try ChatComponentRegistry.shared.makeMonitor(ComponentSpec(parsing: "rate:action=warn")))
    }

    func testInProcessClientThrowsTheAPIError() async throws {
        let o = try oracle([Account(id: "a", requestBudget: 1)])
        let client = InProcessChatClient(oracle: o, account: "a")
        let r = try await client.complete(ask("x"))
        XCTAssertEqual(r.object, "chat.completion")
        XCTAssertEqual(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens)
        do { _ = try await client.complete(ask("x")); XCTFail("budget") } catch let e as ChatAPIError {
            XCTAssertEqual(e.status, 429); XCTAssertEqual(e.error.code, "insufficient_quota")
        }
        let models = try await client.models()
        XCTAssertEqual(models, ["distill-teacher"])
    }
}
