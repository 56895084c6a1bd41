import XCTest
import Foundation
import DistillCore
import DistillText
import DistillChat
@testable import DistillLabCommands

/// `distill-lab serve`: parsing in process, and the built binary end to end.
final class ServeCommandChatServerTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testKeysAndAccountsFileMapToAccountsWithBudgets() throws {
        let file = dir.appendingPathComponent("accounts.yaml")
        try "accounts:\n  - {key: sk-a, account: alice, requests: 5}\n  - key: sk-b\n    account: bob\n    tokens: 900\n".write(to: file, atomically: true, encoding: .utf8)
        let serve = try DistillLabCommand.Serve.parse(["--api-key", "k1", "--api-key", "k2", "--requests", "3", "--accounts", file.path])
        let (accounts, keys) = try serve.accountTable()
        XCTAssertEqual(accounts, [Account(id: "account-1", requestBudget: 3), Account(id: "account-2", requestBudget: 3),
                                  Account(id: "alice", requestBudget: 5), Account(id: "bob", requestBudget: 3, tokenBudget: 900)])
        XCTAssertEqual(keys, ["k1": "account-1", "k2": "account-2", "sk-a": "alice", "sk-b": "bob"])
        let json = dir.appendingPathComponent("accounts.json")
        try #"[{"key": "sk-j", "account": "jo", "tokens": 10}]"#.write(to: json, atomically: true, encoding: .utf8)
        XCTAssertEqual(try DistillLabCommand.Serve.parse(["--accounts", json.path]).accountTable().keys, ["sk-j": "jo"])
        try #"[{"key": "sk-j", "acount": "jo"}]"#.write(to: json, atomically: true, encoding: .utf8)
        XCTAssertTrue(message { _ = try DistillLabCommand.Serve.parse(["--accounts", json.path]).accountTable() }.contains("unknown field 'acount'"))
        XCTAssertTrue(message { _ = try DistillLabCommand.Serve.parse([]) }.contains("--api-key"))
        XCTAssertTrue(message { _ = try DistillLabCommand.Serve.parse(["--api-key", "k", "--port", "70000"]) }.contains("--port"))
    }

    func testWithoutModelOrWithACorruptOneOneClearError() throws {
        let saved = ServeTeacher.makeDefault
        defer { ServeTeacher.makeDefault = saved }
        // (Without --model and without the seam, serve trains or loads the default teacher: not in a unit test.)
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data("not a safetensors file at all".utf8).write(to: bad)
        let m = message { _ = try DistillLabCommand.Serve.parse(["--api-key", "k", "--model", bad.path]).makeServer() }
        XCTAssertTrue(m.contains("cannot load --model"), m)
        XCTAssertTrue(message { _ = try DistillLabCommand.Serve.parse(["--api-key", "k", "--model", dir.appendingPathComponent("none").path]).makeServer() }.contains("does not exist"))
        // The seam: a default teacher, when wired, is used without --model.
        ServeTeacher.makeDefault = { _ in tinyTeacher() }
        XCTAssertEqual(try DistillLabCommand.Serve.parse(["--api-key", "k", "--defense", "logprob-cap:top=1"]).makeServer().oracle.defenses.map(\.name), ["logprob-cap"])
        XCTAssertTrue(message { _ = try DistillLabCommand.Serve.parse(["--api-key", "k", "--monitor", "rate:requests=0"]).makeServer() }.contains("requests=0"))
    }

    func testTheBinaryServesOnAnEphemeralPortAndLogsExchanges() async throws {
        let model = dir.appendingPathComponent("tiny.safetensors"), log = dir.appendingPathComponent("log.jsonl")
        try tinyTeacher().save(to: model)
        let p = Process()
        p.executableURL = Bundle.main.bundleURL.appendingPathComponent("distill-lab")
        p.arguments = ["serve", "--port", "0", "--api-key", "sk-test", "--model", model.path, "--log", log.path, "--requests", "2", "--quiet"]
        let out = Pipe()
        p.standardOutput = out
        let lines = AsyncStream<String> { c in
            out.fileHandleForReading.readabilityHandler = { h in
                let d = h.availableData
                if d.isEmpty { h.readabilityHandler = nil; c.finish() } else { c.yield(String(decoding: d, as: UTF8.self)) }
            }
        }
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var text = ""
        for await chunk in lines { text += chunk; if text.contains("\n") { break } }
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(line.hasPrefix("listening on http://127.0.0.1:"), line)
        let base = String(line.dropFirst("listening on ".count))
        let body = #"{"model":"distill-teacher","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"seed":2}"#
        for expected in ["200", "200", "429"] {
            let r = try await runProcess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer sk-test", "--data-binary", body, base + "/v1/chat/completions"])
            XCTAssertEqual(r.stdout, expected)
        }
        p.terminate()
        p.waitUntilExit()
        let logged = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(logged.count, 2)
        XCTAssertEqual(try JSONDecoder().decode(ChatExchange.self, from: Data(logged[0].utf8)).account, "account-1")
    }
}
