import Foundation
import DistillTasks

extension ChatRequest {
    /// Reads and checks a request body.
    /// - Throws: ``ChatError/invalidRequest(param:message:code:)`` naming the field for malformed JSON,
    ///   a missing or mistyped field, an out-of-range value or an unknown or unsupported field.
    public static func decode(_ data: Data) throws -> ChatRequest {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ChatError.invalid(nil, "the request body is not valid JSON; send a JSON object such as {\"model\": \"…\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", code: "invalid_json")
        }
        guard case let .object(o) = value else {
            throw ChatError.invalid(nil, "the request body is \(value.kind), expected a JSON object with \"model\" and \"messages\"", code: "invalid_json")
        }
        return try ChatRequest(checking: o)
    }

    init(checking o: [String: JSONValue]) throws {
        let known: Set<String> = ["model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
                                  "top_k", "seed", "stop", "n", "logprobs", "top_logprobs", "logit_bias", "stream",
                                  "stream_options", "frequency_penalty", "presence_penalty"]
        for key in o.keys.sorted() where !known.contains(key) && !Self.ignoredFields.contains(key) {
            throw ChatError.invalid(key, "unknown or unsupported field '\(key)'; this server accepts "
                                    + known.sorted().joined(separator: ", ") + " (and ignores " + Self.ignoredFields.sorted().joined(separator: ", ") + ")",
                                    code: "unknown_parameter")
        }
        func present(_ k: String) -> JSONValue? {
            guard let v = o[k], v != .null else { return nil }
            return v
        }
        func string(_ k: String) throws -> String? {
            guard let v = present(k) else { return nil }
            guard case let .string(s) = v else { throw ChatError.invalid(k, "'\(k)' is \(v.kind), expected a string") }
            return s
        }
        func number(_ k: String, _ range: ClosedRange<Double>, _ words: String) throws -> Double? {
            guard let v = present(k) else { return nil }
            guard let d = v.number else { throw ChatError.invalid(k, "'\(k)' is \(v.kind), expected a number \(words)") }
            guard range.contains(d) else { throw ChatError.invalid(k, "'\(k)' is \(d); use a number \(words)") }
            return d
        }
        func integer(_ k: String, _ range: ClosedRange<Int64>, _ words: String) throws -> Int? {
            guard let v = present(k) else { return nil }
            guard let i = v.integer else { throw ChatError.invalid(k, "'\(k)' is \(v.kind == "a number" ? "not an integer" : v.kind), expected an integer \(words)") }
            guard range.contains(i) else { throw ChatError.invalid(k, "'\(k)' is \(i); use an integer \(words)") }
            return Int(i)
        }
        func bool(_ k: String) throws -> Bool? {
            guard let v = present(k) else { return nil }
            guard case let .bool(b) = v else { throw ChatError.invalid(k, "'\(k)' is \(v.kind), expected true or false") }
            return b
        }

        guard let model = try string("model") else {
            throw ChatError.invalid("model", "the request has no 'model'; name the served model (see GET /v1/models)", code: "missing_required_parameter")
        }
        self.model = model
        guard let m = present("messages") else {
            throw ChatError.invalid("messages", "the request has no 'messages'; send at least one {\"role\": \"user\", \"content\": …}", code: "missing_required_parameter")
        }
        guard case let .array(items) = m else { throw ChatError.invalid("messages", "'messages' is \(m.kind), expected an array of messages") }
        guard !items.isEmpty else { throw ChatError.invalid("messages", "'messages' is empty; send at least one message") }
        messages = try items.enumerated().map { try Self.message($1, path: "messages[\($0)]") }

        let maxTokens = try integer("max_tokens", 1...Int64(Int32.max), "of at least 1")
        let maxCompletion = try integer("max_completion_tokens", 1...Int64(Int32.max), "of at least 1")
        if let a = maxTokens, let b = maxCompletion, a != b {
            throw ChatError.invalid("max_completion_tokens", "'max_tokens' (\(a)) and 'max_completion_tokens' (\(b)) disagree; send one of them")
        }
        self.maxTokens = maxCompletion ?? maxTokens
        temperature = try number("temperature", 0...2, "from 0 to 2 (0 is greedy)")
        if let p = try number("top_p", 0...1, "in (0, 1]") {
            guard p > 0 else { throw ChatError.invalid("top_p", "'top_p' is 0; use a number in (0, 1] (1 keeps every token)") }
            topP = p
        } else { topP = nil }
        topK = try integer("top_k", 0...Int64(Int32.max), ">= 0 (0 keeps every token)")
        if let v = present("seed") {
            guard let s = v.integer else { throw ChatError.invalid("seed", "'seed' is \(v.kind), expected an integer") }
            seed = s
        } else { seed = nil }
        if let v = present("stop") {
            switch v {
            case let .string(s): stop = [s]
            case let .array(a):
                guard a.count <= 4 else { throw ChatError.invalid("stop", "'stop' has \(a.count) sequences; send at most 4") }
                stop = try a.enumerated().map { i, x in
                    guard case let .string(s) = x else { throw ChatError.invalid("stop[\(i)]", "'stop[\(i)]' is \(x.kind), expected a string") }
                    return s
                }
            default: throw ChatError.invalid("stop", "'stop' is \(v.kind), expected a string or an array of up to 4 strings")
            }
            if let empty = stop?.firstIndex(of: "") { throw ChatError.invalid("stop", "stop sequence \(empty) is empty; remove it") }
        } else { stop = nil }
        n = try integer("n", 1...Int64(Int32.max), "(only 1 is supported)")
        if let n, n != 1 { throw ChatError.invalid("n", "'n' is \(n); this server returns one choice per request, so send n = 1 (or repeat the request)", code: "unsupported_value") }
        logprobs = try bool("logprobs")
        topLogprobs = try integer("top_logprobs", 0...Int64(Self.maxTopLogprobs), "from 0 to \(Self.maxTopLogprobs)")
        if let t = topLogprobs, t > 0, logprobs != true {
            throw ChatError.invalid("top_logprobs", "'top_logprobs' is \(t) but 'logprobs' is not true; set \"logprobs\": true to receive log-probs")
        }
        if let v = present("logit_bias") {
            guard case let .object(b) = v else { throw ChatError.invalid("logit_bias", "'logit_bias' is \(v.kind), expected an object of token id → bias") }
            var bias: [Int: Double] = [:]
            for (k, x) in b {
                guard let id = Int(k), (0..<256).contains(id) else {
                    throw ChatError.invalid("logit_bias", "logit_bias key '\(k)' is not a token id; tokens are bytes 0…255")
                }
                guard let d = x.number, (-100...100).contains(d) else {
                    throw ChatError.invalid("logit_bias", "logit_bias[\(k)] is not a number from -100 to 100")
                }
                bias[id] = d
            }
            logitBias = bias
        } else { logitBias = nil }
        if try bool("stream") == true {
            throw ChatError.invalid("stream", "streaming is not supported; send \"stream\": false or leave it out", code: "unsupported_value")
        }
        if let v = present("stream_options") {
            throw ChatError.invalid("stream_options", "'stream_options' is \(v.kind) but streaming is not supported; leave it out", code: "unsupported_value")
        }
        for k in ["frequency_penalty", "presence_penalty"] {
            if let p = try number(k, -2...2, "from -2 to 2"), p != 0 {
                throw ChatError.invalid(k, "'\(k)' = \(p) is not supported by this server; leave it out or send 0", code: "unsupported_value")
            }
        }
    }

    static func message(_ v: JSONValue, path: String) throws -> ChatMessage {
        guard case let .object(o) = v else { throw ChatError.invalid(path, "\(path) is \(v.kind), expected an object with 'role' and 'content'") }
        for k in o.keys.sorted() where !["role", "content", "name"].contains(k) {
            throw ChatError.invalid("\(path).\(k)", "\(path) has the unsupported field '\(k)'; messages take role, content (and name, ignored)", code: "unknown_parameter")
        }
        guard case let .string(r)? = o["role"] else {
            throw ChatError.invalid("\(path).role", "\(path) has no string 'role'; use system, user or assistant")
        }
        let role: ChatMessage.Role
        switch r {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        default: throw ChatError.invalid("\(path).role", "\(path).role is '\(r)'; use system, user or assistant")
        }
        let content: String
        switch o["content"] {
        case let .string(s)?: content = s
        case let .array(parts)?:
            content = try parts.enumerated().map { i, p -> String in
                guard case let .object(po) = p, po["type"] == .string("text"), case let .string(t)? = po["text"] else {
                    throw ChatError.invalid("\(path).content[\(i)]", "\(path).content[\(i)] is not a {\"type\": \"text\", \"text\": …} part; only text content is supported")
                }
                return t
            }.joined()
        default:
            throw ChatError.invalid("\(path).content", "\(path) has no string 'content'; give the message's text")
        }
        if let (offset, b) = content.utf8.enumerated().first(where: { ChatTemplate.reservedBytes.contains($0.element) }) {
            throw ChatError.invalid("\(path).content", "\(path).content holds the control byte 0x\(String(b, radix: 16, uppercase: true)) at byte \(offset), which the chat template reserves; remove bytes 0x11-0x14 and 0x1E")
        }
        return ChatMessage(role, content)
    }
}
