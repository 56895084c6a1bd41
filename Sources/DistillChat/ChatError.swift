import Foundation

/// The body of an OpenAI-style error: `{"error": {"message", "type", "param", "code"}}`.
public struct ChatErrorBody: Codable, Sendable, Equatable {
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        self.message = message; self.type = type; self.param = param; self.code = code
    }
    enum CodingKeys: String, CodingKey { case message, type, param, code }
    /// Writes `param` and `code` as null when absent, as OpenAI does.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message, forKey: .message); try c.encode(type, forKey: .type)
        try c.encode(param, forKey: .param); try c.encode(code, forKey: .code)
    }
    /// The JSON envelope `{"error": …}` servers send.
    public struct Envelope: Codable, Sendable, Equatable {
        public var error: ChatErrorBody
        public init(error: ChatErrorBody) { self.error = error }
    }
}

/// What a client of the chat API sees when a request fails: the HTTP status
/// and the OpenAI-style body. The in-process and the HTTP clients both throw
/// it, with the same values, so an attacker's code handles either alike.
public struct ChatAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var error: ChatErrorBody
    public init(status: Int, error: ChatErrorBody) { self.status = status; self.error = error }
    public var description: String { "HTTP \(status) \(error.type)\(error.code.map { " (\($0))" } ?? ""): \(error.message)" }
}

/// Errors of the text oracle; each names the problem and the fix, and maps to
/// an HTTP status and an OpenAI-style error (``apiError``).
public enum ChatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A malformed request: `param` is the JSON path of the bad field (`messages[1].role`, `top_p`).
    case invalidRequest(param: String?, message: String, code: String)
    /// The prompt (rendered with the chat template) does not leave room for one generated token.
    case promptTooLong(tokens: Int, context: Int)
    /// The request names a model this oracle does not serve.
    case unknownModel(String, served: String)
    /// The account has no request or token budget left.
    case budgetExhausted(account: String, resource: String, budget: Int, used: Int)
    /// A monitor banned the account.
    case banned(account: String, monitor: String, reason: String)
    /// No account with that id is registered with the oracle.
    case unknownAccount(String)
    /// The exchange log file could not be opened or written.
    case log(path: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidRequest(_, m, _): return m
        case let .promptTooLong(n, t):
            return "the prompt is \(n) tokens (bytes, with the chat template's markers) but the model's context is \(t); shorten the messages to at most \(t - 1) tokens so at least one can be generated"
        case let .unknownModel(m, served):
            return "the model '\(m)' does not exist; this server serves '\(served)' (see GET /v1/models)"
        case let .budgetExhausted(a, r, b, u):
            return "account '\(a)' has used \(u) of its budget of \(b) \(r); ask the operator for a larger budget"
        case let .banned(a, m, r):
            return "account '\(a)' is banned by the \(m) monitor: \(r)"
        case let .unknownAccount(a):
            return "no account '\(a)' is registered with the oracle; add it with ChatOracle.addAccount(_:)"
        case let .log(p, d): return "cannot write the exchange log \(p): \(d)"
        }
    }

    /// The HTTP status and OpenAI-style body of this error.
    public var apiError: ChatAPIError {
        switch self {
        case let .invalidRequest(param, m, code):
            return ChatAPIError(status: 400, error: ChatErrorBody(message: m, type: "invalid_request_error", param: param, code: code))
        case .promptTooLong:
            return ChatAPIError(status: 400, error: ChatErrorBody(message: description, type: "invalid_request_error", param: "messages", code: "context_length_exceeded"))
        case .unknownModel:
            return ChatAPIError(status: 404, error: ChatErrorBody(message: description, type: "invalid_request_error", param: "model", code: "model_not_found"))
        case .budgetExhausted:
            return ChatAPIError(status: 429, error: ChatErrorBody(message: description, type: "insufficient_quota", param: nil, code: "insufficient_quota"))
        case .banned:
            return ChatAPIError(status: 403, error: ChatErrorBody(message: description, type: "permission_denied", param: nil, code: "account_banned"))
        case .unknownAccount:
            return ChatAPIError(status: 401, error: ChatErrorBody(message: description, type: "invalid_request_error", param: nil, code: "invalid_api_key"))
        case .log:
            return ChatAPIError(status: 500, error: ChatErrorBody(message: description, type: "server_error", param: nil, code: "log_failed"))
        }
    }

    static func invalid(_ param: String?, _ message: String, code: String = "invalid_value") -> ChatError {
        .invalidRequest(param: param, message: message, code: code)
    }
}
