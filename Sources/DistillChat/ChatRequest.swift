import Foundation
import DistillTasks

/// A chat completion request in OpenAI's `chat.completions` shape.
///
/// Read one from JSON with ``decode(_:)``, which checks every field and names
/// the one that is wrong. Fields:
///
/// - used: `model`, `messages` (roles `system`, `user`, `assistant`;
///   `developer` is read as `system`; content a string or an array of
///   `{"type": "text", "text": …}` parts; `name` ignored), `max_tokens` /
///   `max_completion_tokens` (≥ 1; default: the rest of the context),
///   `temperature` (0…2, default 1; 0 is greedy), `top_p` (0 < p ≤ 1),
///   `top_k` (an extension; 0 = all), `seed`, `stop` (a string or up to 4),
///   `n` (1 only), `logprobs`, `top_logprobs` (0…20, needs `logprobs: true`),
///   `logit_bias` (byte token id → bias in −100…100).
/// - accepted and ignored (no effect on a byte-level model's answer):
///   `user`, `metadata`, `store`, `service_tier`, `parallel_tool_calls`,
///   `stream: false`, `stream_options: null`; `frequency_penalty` and
///   `presence_penalty` only at their neutral value 0.
/// - rejected with an error naming the field: everything else (`stream:
///   true`, `tools`, `response_format`, non-zero penalties, unknown fields).
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var seed: Int64?
    public var stop: [String]?
    public var n: Int?
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var logitBias: [Int: Double]?

    public init(model: String, messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, topK: Int? = nil, seed: Int64? = nil, stop: [String]? = nil, n: Int? = nil,
                logprobs: Bool? = nil, topLogprobs: Int? = nil, logitBias: [Int: Double]? = nil) {
        self.model = model; self.messages = messages; self.maxTokens = maxTokens; self.temperature = temperature
        self.topP = topP; self.topK = topK; self.seed = seed; self.stop = stop; self.n = n
        self.logprobs = logprobs; self.topLogprobs = topLogprobs; self.logitBias = logitBias
    }

    /// The most `top_logprobs` OpenAI allows.
    public static let maxTopLogprobs = 20
    /// Fields accepted and ignored.
    public static let ignoredFields: Set<String> = ["user", "metadata", "store", "service_tier", "parallel_tool_calls"]
}

extension ChatRequest: Encodable {
    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stop, n, logprobs
        case maxTokens = "max_tokens", topP = "top_p", topK = "top_k", topLogprobs = "top_logprobs", logitBias = "logit_bias"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encodeIfPresent(maxTokens, forKey: .maxTokens)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(topP, forKey: .topP)
        try c.encodeIfPresent(topK, forKey: .topK)
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(stop, forKey: .stop)
        try c.encodeIfPresent(n, forKey: .n)
        try c.encodeIfPresent(logprobs, forKey: .logprobs)
        try c.encodeIfPresent(topLogprobs, forKey: .topLogprobs)
        if let b = logitBias {
            try c.encode(Dictionary(uniqueKeysWithValues: b.map { (String($0.key), $0.value) }), forKey: .logitBias)
        }
    }
}
