import XCTest
import Foundation
import DistillCore
import DistillText
import DistillTasks
import DistillChat
import Logging
@testable import DistillServe

func tinyTeacher(seed: UInt64 = 7) -> GPT {
    var rng = RandomStream(seed: seed, label: "chat-test-teacher")
    let model = GPT(config: try! GPTConfig(context: 64, channels: 16, heads: 2, layers: 1), rng: &rng)
    let wte = model.parameter("wte")
    for i in wte.indices { wte[i] *= 6 }
    return model
}

/// A server on an ephemeral loopback port, stopped by cancelling its task.
final class RunningServer {
    let server: ChatServer
    let task: Task<Void, Error>
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init(_ server: ChatServer) async throws {
        self.server = server
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "chat-server-tests")
        quiet.logLevel = .critical  // cancelling the task to stop the server logs shutdown noise at .error
        let logger = quiet
        task = Task { try await server.run(port: 0, logger: logger) { continuation.yield($0); continuation.finish() } }
        var it = stream.makeAsyncIterator()
        guard let p = await it.next() else { throw XCTSkip("server did not start") }
        port = p
    }

    func stop() async { task.cancel(); _ = await task.result }
}

struct ProcessResult { var status: Int32; var stdout: String; var stderr: String }

/// Runs a program without blocking a cooperative thread (the server handles requests on them meanwhile).
func runProcess(_ executable: String, _ arguments: [String]) async throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chat-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [executable] + arguments
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    let status: Int32 = try await withCheckedThrowingContinuation { c in
        p.terminationHandler = { c.resume(returning: $0.terminationStatus) }
        do { try p.run() } catch { p.terminationHandler = nil; c.resume(throwing: error) }
    }
    return ProcessResult(status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
}

final class ChatServerTests: XCTestCase {
    static let fixedClock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_800_000_000) }

    func makeOracle(monitors: [ChatMonitor] = []) throws -> ChatOracle {
        let o = try ChatOracle(teacher: tinyTeacher(), accounts: [Account(id: "alice"), Account(id: "bob", requestBudget: 1), Account(id: "carol")],
                               monitors: monitors)
        o.clock = Self.fixedClock
        return o
    }
    let keys = ["sk-alice-0123456789": "alice", "sk-bob-0123456789": "bob", "sk-carol-0123456789": "carol"]

    /// `curl -s -o BODY -w '%{http_code}'`: the status and the body.
    func curl(_ base: String, _ method: String, _ path: String, key: String? = "sk-alice-0123456789", body: String? = nil) async throws -> (Int, String) {
        var args = ["-s", "-X", method, "-w", "\n%{http_code}", base + path]
        if let key { args += ["-H", "Authorization: Bearer \(key)"] }
        if let body { args += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let r = try await runProcess("curl", args)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    func errorCode(_ body: String) -> String? {
        (try? JSONDecoder().decode(ChatErrorBody.Envelope.self, from: Data(body.utf8)))?.error.code
    }

    func testCurlStatusesAndTheServerStaysUp() async throws {
        let s = try await RunningServer(ChatServer(oracle: makeOracle(monitors: [RateMonitor(requests: 2, seconds: 3600)]), keys: keys))
        defer { Task { await s.stop() } }
        let good = #"{"model":"distill-teacher","messages":[{"role":"user","content":"hi"}],"max_tokens":6,"seed":1,"logprobs":true,"top_logprobs":2}"#

        var (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: "{oops")
        XCTAssertEqual(status, 400); XCTAssertEqual(errorCode(body), "invalid_json")
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: good)
        XCTAssertEqual(status, 200, body)
        let r = try JSONDecoder().decode(ChatResponse.self, from: Data(body.utf8))
        XCTAssertEqual(r.object, "chat.completion")
        XCTAssertEqual(r.choices[0].logprobs?.content.count, r.usage.completionTokens)
        XCTAssertEqual(r.choices[0].logprobs?.content.first?.topLogprobs.count, 2)

        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", key: nil, body: good)
        XCTAssertEqual(status, 401); XCTAssertEqual(errorCode(body), "missing_api_key")
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", key: "sk-wrong", body: good)
        XCTAssertEqual(status, 401); XCTAssertEqual(errorCode(body), "invalid_api_key")
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: good.replacingOccurrences(of: "\"seed\":1", with: "\"seed\":1,\"bogus\":2"))
        XCTAssertEqual(status, 400); XCTAssertTrue(body.contains("'bogus'"), body)
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions",
                                        body: #"{"model":"distill-teacher","messages":[{"role":"user","content":""# + String(repeating: "x", count: 100) + #""}]}"#)
        XCTAssertEqual(status, 400); XCTAssertEqual(errorCode(body), "context_length_exceeded")
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: good.replacingOccurrences(of: "distill-teacher", with: "gpt-4o"))
        XCTAssertEqual(status, 404); XCTAssertEqual(errorCode(body), "model_not_found")
        (status, body) = try await curl(s.base, "GET", "/v1/nothing")
        XCTAssertEqual(status, 404); XCTAssertEqual(errorCode(body), "not_found")
        (status, body) = try await curl(s.base, "GET", "/v1/chat/completions")
        XCTAssertEqual(status, 405); XCTAssertEqual(errorCode(body), "method_not_allowed")
        (status, body) = try await curl(s.base, "GET", "/v1/models")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(try JSONDecoder().decode(ChatModelList.self, from: Data(body.utf8)).data.map(\.id), ["distill-teacher"])

        // bob's budget is one request: then 429.
        (status, _) = try await curl(s.base, "POST", "/v1/chat/completions", key: "sk-bob-0123456789", body: good)
        XCTAssertEqual(status, 200)
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", key: "sk-bob-0123456789", body: good)
        XCTAssertEqual(status, 429); XCTAssertEqual(errorCode(body), "insufficient_quota")
        // carol goes over the rate monitor's 2 requests: answered, banned, then 403.
        for _ in 0..<3 {
            (status, _) = try await curl(s.base, "POST", "/v1/chat/completions", key: "sk-carol-0123456789", body: good)
            XCTAssertEqual(status, 200)
        }
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", key: "sk-carol-0123456789", body: good)
        XCTAssertEqual(status, 403); XCTAssertEqual(errorCode(body), "account_banned")
        // Still up, and seeded answers repeat.
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: good)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(try JSONDecoder().decode(ChatResponse.self, from: Data(body.utf8)).choices, r.choices)
        XCTAssertEqual(s.server.oracle.exchanges().count, 6)
    }

    func testConcurrentRequestsAreSerialisedAndAnswerAsAlone() async throws {
        let served = try makeOracle(), local = try makeOracle()
        let s = try await RunningServer(ChatServer(oracle: served, keys: keys))
        defer { Task { await s.stop() } }
        let http = HTTPChatClient(baseURL: URL(string: s.base + "/v1")!, apiKey: "sk-alice-0123456789")
        let requests = (0..<6).map { i in
            ChatRequest(model: "distill-teacher", messages: [ChatMessage(.user, "q\(i)")], maxTokens: 16, seed: Int64(i), logprobs: true, topLogprobs: 1)
        }
        let answers = try await withThrowingTaskGroup(of: (Int, ChatResponse).self) { group in
            for (i, q) in requests.enumerated() { group.addTask { (i, try await http.complete(q)) } }
            var out: [Int: ChatResponse] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        XCTAssertEqual(answers.count, 6)
        for (i, q) in requests.enumerated() {
            XCTAssertEqual(answers[i]?.choices, try local.answer(q, account: "alice").choices)
        }
        XCTAssertEqual(Set(served.exchanges().map(\.response.id)).count, 6)
        XCTAssertEqual(served.usage(of: "alice").requests, 6)
    }

    func testOversizedBodiesAndMalformedAuthorizationAreRefused() async throws {
        let s = try await RunningServer(ChatServer(oracle: makeOracle(), keys: keys, maxBodyBytes: 200))
        defer { Task { await s.stop() } }
        let big = #"{"model":"distill-teacher","messages":[{"role":"user","content":""# + String(repeating: "z", count: 300) + #""}]}"#
        var (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: big)
        XCTAssertEqual(status, 413); XCTAssertEqual(errorCode(body), "request_too_large")
        let r = try await runProcess("curl", ["-s", "-w", "\n%{http_code}", "-H", "Authorization: Basic c2stYWxpY2U=", s.base + "/v1/models"])
        XCTAssertTrue(r.stdout.hasSuffix("\n401"), r.stdout)
        XCTAssertEqual(errorCode(String(r.stdout.dropLast(4))), "invalid_api_key")
        (status, body) = try await curl(s.base, "POST", "/v1/chat/completions", body: #"{"model":"distill-teacher","messages":[{"role":"user","content":"ok"}],"max_tokens":3}"#)
        XCTAssertEqual(status, 200, body)
        // The error body has OpenAI's four fields, null when absent.
        (status, body) = try await curl(s.base, "GET", "/v1/models", key: nil)
        let fields = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error"] as? [String: Any])
        XCTAssertEqual(Set(fields.keys), ["message", "type", "param", "code"])
        XCTAssertTrue(fields["param"] is NSNull)
    }

    func testHTTPClientGivesTheSameResultsAsTheInProcessClient() async throws {
        let served = try makeOracle(), local = try makeOracle()
        let s = try await RunningServer(ChatServer(oracle: served, keys: keys))
        defer { Task { await s.stop() } }
        let http = HTTPChatClient(baseURL: URL(string: s.base + "/v1")!, apiKey: "sk-alice-0123456789")
        let inProcess = InProcessChatClient(oracle: local, account: "alice")
        let requests = [
            ChatRequest(model: "distill-teacher", messages: [ChatMessage(.user, "tell me")], maxTokens: 10),
            ChatRequest(model: "distill-teacher", messages: [ChatMessage(.user, "tell me")], maxTokens: 10),
            ChatRequest(model: "distill-teacher", messages: [ChatMessage(.system, "s"), ChatMessage(.user, "é?")], maxTokens: 10,
                        temperature: 0.7, topP: 0.9, topK: 50, seed: 5, logprobs: true, topLogprobs: 20),
        ]
        for q in requests {
            let a = try await http.complete(q), b = try await inProcess.complete(q)
            XCTAssertEqual(a, b)
        }
        let models = try await http.models()
        XCTAssertEqual(models, ["distill-teacher"])
        // The same errors, too.
        let bad = ChatRequest(model: "distill-teacher", messages: [ChatMessage(.user, String(repeating: "y", count: 70))])
        var errors: [ChatAPIError] = []
        for c in [http as ChatClient, inProcess as ChatClient] {
            do { _ = try await c.complete(bad); XCTFail("too long") } catch let e as ChatAPIError { errors.append(e) }
        }
        XCTAssertEqual(errors.count, 2)
        XCTAssertEqual(errors.first, errors.last)
        do { _ = try await HTTPChatClient(baseURL: URL(string: s.base + "/v1")!, apiKey: "nope").models(); XCTFail("401") } catch let e as ChatAPIError {
            XCTAssertEqual(e.status, 401)
        }
    }

    func testOfficialOpenAIPythonClient() async throws {
        let check = try await runProcess("python3", ["-c", "import openai; print(openai.__version__)"])
        XCTAssertEqual(check.status, 0, "the openai package is missing: run `bash .ci/install-deps --test` (\(check.stderr))")
        guard check.status == 0 else { return }
        let oracle = try makeOracle()
        let s = try await RunningServer(ChatServer(oracle: oracle, keys: keys))
        defer { Task { await s.stop() } }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openai_client.py")
        let r = try await runProcess("python3", [script.path, s.base + "/v1", "sk-alice-0123456789", "sk-bob-0123456789"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(out["models"] as? [String], ["distill-teacher"])
        XCTAssertEqual(out["object"] as? String, "chat.completion")
        XCTAssertEqual(out["unknown_key"] as? [AnyHashable], ["AuthenticationError", 401, "invalid_api_key"])
        XCTAssertEqual(out["bad_parameter"] as? [AnyHashable], ["BadRequestError", 400, "unsupported_value"])
        XCTAssertEqual(out["exhausted"] as? [AnyHashable], ["RateLimitError", 429, "insufficient_quota"])
        // What the client parsed is what the oracle answered and logged.
        let logged = try XCTUnwrap(oracle.exchanges(of: "alice").first?.response)
        XCTAssertEqual(out["content"] as? String, logged.text)
        XCTAssertEqual(out["usage"] as? [Int], [logged.usage.promptTokens, logged.usage.completionTokens, logged.usage.totalTokens])
        // Log-probs through JSONDecoder: Foundation's JSONSerialization on Linux rounds some doubles by an ulp.
        struct Parsed: Decodable { var logprobs: [ChatResponse.TokenLogprob] }
        let parsed = try JSONDecoder().decode(Parsed.self, from: Data(r.stdout.utf8)).logprobs
        let want = try XCTUnwrap(logged.choices[0].logprobs?.content)
        XCTAssertEqual(parsed, want)
        XCTAssertEqual(parsed.count, logged.usage.completionTokens)
        XCTAssertTrue(parsed.allSatisfy { $0.topLogprobs.count == 3 })
    }
}
