import Foundation

/// A chat completion in OpenAI's `chat.completion` shape (one choice).
public struct ChatResponse: Codable, Sendable, Equatable {
    public var id: String
    public var object = "chat.completion"
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage

    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: Message
        /// "stop" (end of message or a stop sequence) or "length" (max_tokens, the context or the token budget).
        public var finishReason: String
        public var logprobs: Logprobs?
        enum CodingKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(message, forKey: .message)
            try c.encode(finishReason, forKey: .finishReason)
            // OpenAI sends "logprobs": null when none were asked for.
            try c.encode(logprobs, forKey: .logprobs)
        }
    }

    public struct Message: Codable, Sendable, Equatable {
        public var role = "assistant"
        public var content: String
        public init(content: String) { self.content = content }
    }

    public struct Logprobs: Codable, Sendable, Equatable {
        public var content: [TokenLogprob]
        public init(content: [TokenLogprob]) { self.content = content }
    }

    /// One generated token: its text, log-prob and UTF-8 bytes, and the most likely alternatives.
    public struct TokenLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        public var bytes: [Int]?
        public var topLogprobs: [TopLogprob]
        enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
        public init(token: String, logprob: Double, bytes: [Int]?, topLogprobs: [TopLogprob]) {
            self.token = token; self.logprob = logprob; self.bytes = bytes; self.topLogprobs = topLogprobs
        }
    }

    public struct TopLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        public var bytes: [Int]?
        public init(token: String, logprob: Double, bytes: [Int]?) { self.token = token; self.logprob = logprob; self.bytes = bytes }
    }

    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int
        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens" }
        public init(promptTokens: Int, completionTokens: Int) {
            self.promptTokens = promptTokens; self.completionTokens = completionTokens; totalTokens = promptTokens + completionTokens
        }
    }

    /// The answer text of the (only) choice.
    public var text: String { choices.first?.message.content ?? "" }
}

extension ChatResponse {
    /// How a byte token is spelled in `token`: itself when it is ASCII, else
    /// `bytes:\xNN` (as OpenAI spells a token that is not valid UTF-8 alone);
    /// `bytes` always holds the byte.
    public static func tokenText(_ byte: UInt8) -> String {
        byte < 0x80 ? String(UnicodeScalar(byte)) : "bytes:\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
    }

    /// The answer's raw bytes, reassembled from the log-prob tokens (exact even when the text is not valid UTF-8).
    public var logprobBytes: [UInt8]? {
        choices.first?.logprobs.map { $0.content.flatMap { ($0.bytes ?? []).map { UInt8(truncatingIfNeeded: $0) } } }
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
