import Foundation
import DistillCore
import DistillText
import DistillTasks

/// The text oracle: the only way anyone reaches the text teacher.
///
/// It answers chat requests (``ChatRequest``) for registered accounts,
/// enforces each account's request and token budgets, applies the response
/// defenses in order, logs every exchange per account (in memory and,
/// optionally, one JSONL line per exchange in a file) and shows every exchange
/// to the monitors, which may flag or ban the account.
///
/// Sampling is deterministic: a request with `seed` draws from a stream of
/// that seed alone, so the same request gives the same answer; without one,
/// the n-th answered request of an account draws from the stream labelled
/// `chat/<account>/<n>` of the oracle's seed. Two oracles with the same
/// teacher, seed and accounts that receive the same requests per account give
/// the same answers, whether called in process or over HTTP.
///
/// Thread-safe: requests are answered one at a time (one model).
public final class ChatOracle: @unchecked Sendable {
    public let teacher: GPT
    public let template: ChatTemplate
    /// The name requests must give in `model` (the one entry of `GET /v1/models`).
    public let modelName: String
    public let seed: UInt64
    public let defenses: [ChatResponseDefense]
    public let monitors: [ChatMonitor]
    /// The clock monitors see and `created` is read from (tests set a fake one).
    public var clock: @Sendable () -> Date = { Date() }

    private let lock = NSLock()
    private var accounts: [String: Account] = [:]
    private var usages: [String: AccountUsage] = [:]
    private var log: [ChatExchange] = []
    private var flagged: [String: [String]] = [:]
    private var bans: [String: (monitor: String, reason: String)] = [:]
    private let logFile: FileHandle?
    public let logURL: URL?

    /// - Parameters:
    ///   - teacher: the model served; its context bounds prompt plus answer.
    ///   - defenses: applied in order to every response, before it is logged.
    ///   - monitors: see every answered exchange.
    ///   - logURL: when given, every exchange is appended to this file as one JSON line (created if missing).
    /// - Throws: ``ChatError/log(path:detail:)`` when the log file cannot be opened for appending.
    public init(teacher: GPT, template: ChatTemplate = .standard, modelName: String = "distill-teacher", seed: UInt64 = 0,
                accounts: [Account] = [], defenses: [ChatResponseDefense] = [], monitors: [ChatMonitor] = [],
                logURL: URL? = nil) throws {
        self.teacher = teacher; self.template = template; self.modelName = modelName; self.seed = seed
        self.defenses = defenses; self.monitors = monitors; self.logURL = logURL
        for a in accounts { self.accounts[a.id] = a }
        if let url = logURL {
            let fm = FileManager.default
            if !fm.fileExists(atPath: url.path) {
                guard fm.createFile(atPath: url.path, contents: nil) else {
                    throw ChatError.log(path: url.path, detail: "cannot create the file; check that its folder exists and is writable")
                }
            }
            guard let h = FileHandle(forWritingAtPath: url.path) else {
                throw ChatError.log(path: url.path, detail: "cannot open it for writing; check its permissions")
            }
            h.seekToEndOfFile()
            logFile = h
        } else { logFile = nil }
    }

    deinit { try? logFile?.close() }

    // MARK: Accounts

    /// Registers (or replaces) an account.
    public func addAccount(_ account: Account) {
        lock.lock(); defer { lock.unlock() }
        accounts[account.id] = account
    }

    public func account(_ id: String) -> Account? {
        lock.lock(); defer { lock.unlock() }
        return accounts[id]
    }

    public func usage(of account: String) -> AccountUsage {
        lock.lock(); defer { lock.unlock() }
        return usages[account] ?? AccountUsage()
    }

    /// Every answered exchange, in order (all accounts), or one account's.
    public func exchanges(of account: String? = nil) -> [ChatExchange] {
        lock.lock(); defer { lock.unlock() }
        return account.map { a in log.filter { $0.account == a } } ?? log
    }

    /// Monitor flags per account ("monitor: reason"), in the order raised.
    public var flags: [String: [String]] { lock.lock(); defer { lock.unlock() }; return flagged }

    /// Whether a monitor banned the account, and why.
    public func ban(of account: String) -> (monitor: String, reason: String)? {
        lock.lock(); defer { lock.unlock() }
        return bans[account]
    }

    // MARK: Answering

    /// Answers `request` for `account`.
    /// - Throws: ``ChatError``: `unknownAccount`, `banned`, `unknownModel`, `promptTooLong`,
    ///   `budgetExhausted` (requests, or tokens when the prompt alone uses the rest), `invalidRequest`
    ///   for sampling the model rejects, `log` when the log file cannot be written. A refused request
    ///   uses no budget and is not logged.
    /// - Note: when the token budget leaves less than `max_tokens`, the answer is cut at the budget
    ///   (`finish_reason` "length"), so a budget is never exceeded.
    public func answer(_ request: ChatRequest, account id: String) throws -> ChatResponse {
        lock.lock(); defer { lock.unlock() }
        guard let account = accounts[id] else { throw ChatError.unknownAccount(id) }
        if let b = bans[id] { throw ChatError.banned(account: id, monitor: b.monitor, reason: b.reason) }
        guard request.model == modelName else { throw ChatError.unknownModel(request.model, served: modelName) }
        let prompt: [Int32]
        do { prompt = try template.renderPrompt(request.messages).map { Int32($0) } } catch let e as ChatTemplate.Error {
            throw ChatError.invalid("messages", e.description)
        }
        let context = teacher.config.context
        guard prompt.count < context else { throw ChatError.promptTooLong(tokens: prompt.count, context: context) }
        var used = usages[id] ?? AccountUsage()
        if let b = account.requestBudget, used.requests >= b {
            throw ChatError.budgetExhausted(account: id, resource: "requests", budget: b, used: used.requests)
        }
        var maxTokens = min(request.maxTokens ?? context, context - prompt.count)
        if let b = account.tokenBudget {
            let left = b - used.tokens - prompt.count
            guard left >= 1 else { throw ChatError.budgetExhausted(account: id, resource: "tokens", budget: b, used: used.tokens) }
            maxTokens = min(maxTokens, left)
        }
        let generation = try generate(request, prompt: prompt, maxTokens: maxTokens, account: id, stream: used.requests)
        var response = makeResponse(request, generation: generation, promptTokens: prompt.count)
        var defenseStream = RandomStream(seed: seed, label: "chat-defense/\(id)/\(used.requests)")
        for d in defenses { try d.apply(to: &response, request: request, account: account, rng: &defenseStream) }

        used.requests += 1
        used.promptTokens += prompt.count
        used.completionTokens += generation.tokens.count
        usages[id] = used
        let exchange = ChatExchange(index: log.count, account: id, request: request, response: response,
                                    promptTokens: prompt.count, completionTokens: generation.tokens.count)
        log.append(exchange)
        try append(exchange)
        let now = clock()
        for m in monitors {
            switch m.observe(exchange, account: account, time: now) {
            case .allow: break
            case let .flag(reason): flagged[id, default: []].append("\(m.name): \(reason)")
            case let .ban(reason):
                flagged[id, default: []].append("\(m.name): \(reason) (banned)")
                if bans[id] == nil { bans[id] = (m.name, reason) }
            }
        }
        return response
    }

    private func generate(_ request: ChatRequest, prompt: [Int32], maxTokens: Int, account: String, stream n: Int) throws -> GPTGeneration {
        var stops: [[Int32]] = [[Int32(ChatTemplate.endOfMessage)]]
        for s in request.stop ?? [] { stops.append(s.utf8.map { Int32($0) }) }
        var bias: [Int32: Float] = [:]
        for (k, v) in request.logitBias ?? [:] { bias[Int32(k)] = Float(v) }
        let sampling = GPTSampling(temperature: Float(request.temperature ?? 1), topK: request.topK ?? 0,
                                   topP: Float(request.topP ?? 1), stopSequences: stops, logitBias: bias,
                                   topLogprobs: request.logprobs == true ? (request.topLogprobs ?? 0) : 0)
        var rng = request.seed.map { RandomStream(seed: UInt64(bitPattern: $0), label: "chat-seed") }
            ?? RandomStream(seed: seed, label: "chat/\(account)/\(n)")
        do {
            return try teacher.generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling, rng: &rng)
        } catch let GPTError.invalidSampling(parameter, value, fix) {
            throw ChatError.invalid(parameter, "invalid \(parameter) = \(value); \(fix)")
        } catch let GPTError.promptTooLong(length, context) {
            throw ChatError.promptTooLong(tokens: length, context: context)
        }
    }

    private func makeResponse(_ request: ChatRequest, generation g: GPTGeneration, promptTokens: Int) -> ChatResponse {
        let bytes = g.tokens.map { UInt8(truncatingIfNeeded: $0) }
        var logprobs: ChatResponse.Logprobs?
        if request.logprobs == true {
            var content: [ChatResponse.TokenLogprob] = []
            content.reserveCapacity(g.tokens.count)
            for (i, b) in bytes.enumerated() {
                let top = i < g.topLogprobs.count ? g.topLogprobs[i].map { t -> ChatResponse.TopLogprob in
                    let tb = UInt8(truncatingIfNeeded: t.token)
                    return ChatResponse.TopLogprob(token: ChatResponse.tokenText(tb), logprob: Double(t.logprob), bytes: [Int(tb)])
                } : []
                content.append(ChatResponse.TokenLogprob(token: ChatResponse.tokenText(b), logprob: Double(g.logprobs[i]),
                                                          bytes: [Int(b)], topLogprobs: top))
            }
            logprobs = ChatResponse.Logprobs(content: content)
        }
        let choice = ChatResponse.Choice(index: 0, message: .init(content: String(decoding: bytes, as: UTF8.self)),
                                         finishReason: g.finishReason.rawValue, logprobs: logprobs)
        return ChatResponse(id: "chatcmpl-\(log.count)", created: Int(clock().timeIntervalSince1970), model: modelName,
                            choices: [choice], usage: .init(promptTokens: promptTokens, completionTokens: g.tokens.count))
    }

    private func append(_ exchange: ChatExchange) throws {
        guard let h = logFile else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(exchange)
        line.append(0x0A)
        do { try h.write(contentsOf: line) } catch {
            throw ChatError.log(path: logURL?.path ?? "?", detail: "\(error)")
        }
    }
}
