import Foundation

/// Who a request belongs to, and how much it may ask for.
///
/// A budget of nil is unlimited. Tokens count as OpenAI bills them: prompt
/// plus completion (`usage.total_tokens`).
public struct Account: Codable, Sendable, Equatable, Hashable {
    public var id: String
    /// Requests the account may make (answered ones; refused requests do not count).
    public var requestBudget: Int?
    /// Prompt plus completion tokens the account may use.
    public var tokenBudget: Int?

    /// - Precondition: budgets are non-negative.
    public init(id: String, requestBudget: Int? = nil, tokenBudget: Int? = nil) {
        precondition((requestBudget ?? 0) >= 0 && (tokenBudget ?? 0) >= 0, "budgets must be non-negative")
        self.id = id; self.requestBudget = requestBudget; self.tokenBudget = tokenBudget
    }

    enum CodingKeys: String, CodingKey { case id, requestBudget = "request_budget", tokenBudget = "token_budget" }
}

/// What an account has used so far.
public struct AccountUsage: Codable, Sendable, Equatable {
    public var requests = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var tokens: Int { promptTokens + completionTokens }
    public init() {}
}

/// One answered exchange, as the oracle logs it (one JSONL line per exchange).
public struct ChatExchange: Codable, Sendable, Equatable {
    /// Position in the oracle's log (0-based, all accounts).
    public var index: Int
    public var account: String
    public var request: ChatRequest
    /// The response as sent (after the defenses).
    public var response: ChatResponse
    public var promptTokens: Int
    public var completionTokens: Int

    enum CodingKeys: String, CodingKey {
        case index, account, request, response, promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }
}

extension ChatRequest: Decodable {
    /// Decodes a request written by `encode(to:)` (the log's form), checked as ``decode(_:)`` checks.
    public init(from decoder: Decoder) throws {
        let v = try JSONValue(from: decoder)
        guard case let .object(o) = v else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a chat request is a JSON object"))
        }
        try self.init(checking: o)
    }
}
