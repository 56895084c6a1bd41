import ArgumentParser
import DistillTextLab
import Foundation
import Yams
import DistillCore
import DistillLab
import DistillText
import DistillChat
import DistillServe

/// Where `distill-lab serve` gets its teacher when no `--model` is given.
///
/// The lab's default text teacher (trained on the task suites, or loaded from
/// the experiment cache) is used unless `makeDefault` is set (tests set it to
/// a tiny model so that they need not train the default teacher).
public enum ServeTeacher {
    nonisolated(unsafe) public static var makeDefault: ((_ progress: @escaping (String) -> Void) throws -> GPT)? = nil
}

extension DistillLabCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the text teacher as an OpenAI-compatible chat API on localhost (POST /v1/chat/completions, GET /v1/models).",
            discussion: """
            Every request needs 'Authorization: Bearer KEY'; each key is one account with its own request and \
            token budgets, and every exchange is logged per account (--log appends one JSON line per exchange). \
            Errors are OpenAI-style bodies: 400 bad request or prompt too long, 401 missing or unknown key, \
            403 banned by a monitor, 404/405 unknown route or method, 429 exhausted budget.

            --accounts FILE (YAML or JSON): a list, or {accounts: [...]}, of {key, account, requests, tokens}; \
            requests and tokens default to --requests and --tokens (absent = unlimited).

            With --port 0 the server binds an ephemeral port; either way it prints \
            'listening on http://127.0.0.1:PORT' on standard output once it accepts connections.
            """)

        @Option(help: "TCP port on 127.0.0.1 (0 = an ephemeral port, printed on standard output).")
        var port: Int = 8080
        @Option(name: .customLong("api-key"), help: "An API key; repeatable, each key its own account (account-1, account-2, … in order).")
        var apiKeys: [String] = []
        @Option(help: "A YAML or JSON file of accounts: key, account, requests, tokens.")
        var accounts: String?
        @Option(help: "Default request budget of each account (absent = unlimited).")
        var requests: Int?
        @Option(help: "Default token budget (prompt + completion) of each account (absent = unlimited).")
        var tokens: Int?
        @Option(help: "The teacher: a GPT saved by GPT.save (.safetensors). Default: the lab's default text teacher.")
        var model: String?
        @Option(help: "The default teacher's cache folder (trained there on first use, loaded after; as `text train`'s OUTPUT/_cache).")
        var cache = "runs/_cache"
        @Option(name: .customLong("model-name"), help: "The model id clients must send (listed by GET /v1/models).")
        var modelName = "distill-teacher"
        @Option(help: "Append every exchange to this JSONL file (one line per exchange: account, request, response, tokens).")
        var log: String?
        @Option(help: "Seed of the sampling streams of requests without their own seed.")
        var seed: UInt64 = 0
        @Option(help: "A chat response defense (logprob-cap:top=1, logprob-rounding:decimals=1); repeatable, applied in order.")
        var defense: [String] = []
        @Option(help: "A chat monitor (rate:requests=60,seconds=60); repeatable.")
        var monitor: [String] = []
        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (0 = ephemeral), got \(port)") }
            guard !apiKeys.isEmpty || accounts != nil else {
                throw ValidationError("no API keys: pass --api-key KEY (repeatable) or --accounts FILE, so requests can be tied to accounts")
            }
            if let r = requests, r < 0 { throw ValidationError("--requests must be >= 0, got \(r)") }
            if let t = tokens, t < 0 { throw ValidationError("--tokens must be >= 0, got \(t)") }
            if let dup = Dictionary(grouping: apiKeys, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ValidationError("--api-key '\(dup)' is given twice; give each account its own key")
            }
        }

        /// API key → account, from --api-key and --accounts.
        func accountTable() throws -> (accounts: [Account], keys: [String: String]) {
            var list: [Account] = [], keys: [String: String] = [:]
            for (i, k) in apiKeys.enumerated() {
                list.append(Account(id: "account-\(i + 1)", requestBudget: requests, tokenBudget: tokens))
                keys[k] = "account-\(i + 1)"
            }
            if let path = accounts {
                for entry in try Self.readAccounts(path, requests: requests, tokens: tokens) {
                    guard keys[entry.key] == nil else { throw CommandError("\(path): the key of account '\(entry.account.id)' is given twice; give each account its own key") }
                    guard !list.contains(where: { $0.id == entry.account.id }) else { throw CommandError("\(path): account '\(entry.account.id)' is listed twice") }
                    list.append(entry.account); keys[entry.key] = entry.account.id
                }
            }
            return (list, keys)
        }

        /// Reads an accounts file (YAML, so JSON too).
        static func readAccounts(_ path: String, requests: Int?, tokens: Int?) throws -> [(key: String, account: Account)] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandError("cannot read the accounts file '\(path)'; check the path")
            }
            let root: Any?
            do { root = try Yams.load(yaml: text) } catch {
                throw CommandError("the accounts file '\(path)' is not valid YAML or JSON: \(error)")
            }
            let items: [Any]
            if let l = root as? [Any] { items = l } else if let d = root as? [String: Any], let l = d["accounts"] as? [Any], d.count == 1 { items = l } else {
                throw CommandError("the accounts file '\(path)' must be a list of {key, account, requests, tokens}, or {accounts: [...]}")
            }
            guard !items.isEmpty else { throw CommandError("the accounts file '\(path)' lists no accounts") }
            return try items.enumerated().map { i, item in
                guard let d = item as? [String: Any] else { throw CommandError("\(path): entry \(i + 1) is not a mapping of key, account, requests, tokens") }
                if let extra = d.keys.sorted().first(where: { !["key", "account", "requests", "tokens"].contains($0) }) {
                    throw CommandError("\(path): entry \(i + 1) has the unknown field '\(extra)'; use key, account, requests, tokens")
                }
                guard let key = d["key"] as? String, !key.isEmpty else { throw CommandError("\(path): entry \(i + 1) has no 'key' (the API key, a string)") }
                guard let id = d["account"] as? String, !id.isEmpty else { throw CommandError("\(path): entry \(i + 1) has no 'account' (its name, a string)") }
                func budget(_ name: String, _ fallback: Int?) throws -> Int? {
                    guard let v = d[name] else { return fallback }
                    guard let n = v as? Int, n >= 0 else { throw CommandError("\(path): account '\(id)': '\(name)' must be an integer >= 0") }
                    return n
                }
                return (key, Account(id: id, requestBudget: try budget("requests", requests), tokenBudget: try budget("tokens", tokens)))
            }
        }

        /// The teacher from --model, or the lab's default one.
        func loadTeacher() throws -> GPT {
            if let path = model {
                guard FileManager.default.fileExists(atPath: path) else { throw CommandError("--model '\(path)' does not exist; pass a .safetensors file saved by GPT.save") }
                do { return try GPT.load(from: URL(fileURLWithPath: path)) } catch {
                    throw CommandError("cannot load --model '\(path)' as a GPT: \(error)")
                }
            }
            if let make = ServeTeacher.makeDefault { return try make { if !common.quiet { printError($0) } } }
            BLAS.threads = common.threads
            let progress = TextProgressPrinter(enabled: !common.quiet, live: standardErrorIsTerminal)
            defer { progress.finish() }
            do {
                let (teacher, record) = try TextTeacherCache.teacher(
                    for: .standard, cacheDirectory: URL(fileURLWithPath: cache),
                    progress: { progress.handle(.training(model: "default teacher", $0)) }, notice: { printError($0) })
                progress.finish()
                if !common.quiet { printError("default teacher \(record.source == .cached ? "loaded from" : "trained into") \(cache) (key \(record.key.prefix(12)))") }
                return teacher
            } catch let e as TextLabError { throw CommandError(e.description) }
        }

        func makeServer() throws -> ChatServer {
            let (list, keys) = try accountTable()
            let teacher = try loadTeacher()
            let context = ChatDefenseContext(teacher: teacher, template: .standard, seed: seed)
            let registry = ChatComponentRegistry.shared
            do {
                let defenses = try defense.map { try registry.makeDefense(ComponentSpec(parsing: $0), context: context) }
                let monitors = try monitor.map { try registry.makeMonitor(ComponentSpec(parsing: $0)) }
                let oracle = try ChatOracle(teacher: teacher, modelName: modelName, seed: seed, accounts: list, defenses: defenses,
                                            monitors: monitors, logURL: log.map { URL(fileURLWithPath: $0) })
                return ChatServer(oracle: oracle, keys: keys)
            } catch let e as ChatError { throw CommandError(e.description) }
            catch let e as ComponentError { throw CommandError(e.description) }
            catch let e as SpecSyntaxError { throw CommandError(e.description) }
        }

        func run() throws {
            BLAS.threads = common.threads
            let server = try makeServer()
            let port = self.port, quiet = common.quiet
            let done = DispatchSemaphore(value: 0)
            let failure = Box()
            Task {
                do {
                    try await server.run(port: port) { bound in
                        print("listening on http://127.0.0.1:\(bound)")
                        fflush(stdout)
                        if !quiet { printError("serving \(server.oracle.modelName) (\(server.oracle.teacher.config)) to \(server.keys.count) account(s); Ctrl-C stops") }
                    }
                } catch { failure.error = error }
                done.signal()
            }
            done.wait()
            if let e = failure.error {
                if "\(e)".contains("Address already in use") {
                    throw CommandError("cannot listen on 127.0.0.1:\(port): the port is in use; pick another --port, or --port 0 for an ephemeral one")
                }
                throw CommandError("the server stopped: \(e)")
            }
        }

        final class Box: @unchecked Sendable { var error: Error? }
    }
}
