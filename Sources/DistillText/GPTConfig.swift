import Foundation

/// The shape of a tiny GPT: byte vocabulary, context length, channels, heads and layers.
///
/// Build one with ``init(vocabularySize:context:channels:heads:layers:)``, which validates:
/// zero sizes, channels not divisible by heads, or sizes whose buffers would not fit in memory
/// throw one ``GPTError/invalidConfig(parameter:value:fix:)`` naming the parameter and the fix.
public struct GPTConfig: Equatable, Codable, Sendable, CustomStringConvertible {
    /// Token vocabulary (256 for byte tokens).
    public let vocabularySize: Int
    /// Maximum sequence length T (positions of `wpe`).
    public let context: Int
    /// Channels d (the residual stream's width).
    public let channels: Int
    /// Attention heads; `channels` must be divisible by it.
    public let heads: Int
    /// Transformer blocks.
    public let layers: Int

    /// Bytes of physical memory a model may use for parameters, gradients and AdamW moments.
    static var memoryLimit: Int { Int(min(ProcessInfo.processInfo.physicalMemory, UInt64(Int.max))) }

    /// - Throws: ``GPTError/invalidConfig(parameter:value:fix:)`` for impossible values.
    public init(vocabularySize: Int = ByteTokenizer.vocabularySize, context: Int, channels: Int,
                heads: Int, layers: Int) throws {
        func positive(_ name: String, _ v: Int) throws {
            guard v >= 1 else { throw GPTError.invalidConfig(parameter: name, value: "\(v)", fix: "use a value of at least 1") }
        }
        try positive("vocabularySize", vocabularySize)
        try positive("context", context)
        try positive("channels", channels)
        try positive("heads", heads)
        try positive("layers", layers)
        guard channels % heads == 0 else {
            throw GPTError.invalidConfig(parameter: "heads", value: "\(heads)",
                                         fix: "channels (\(channels)) must be divisible by heads; use a divisor of \(channels) such as \(GPTConfig.nearestDivisor(of: channels, near: heads))")
        }
        // BLAS takes Int32 dimensions; 4·d is the widest inner dimension, T·T an attention row block.
        let int32 = Int(Int32.max)
        guard channels <= int32 / 4 else {
            throw GPTError.invalidConfig(parameter: "channels", value: "\(channels)", fix: "use at most \(int32 / 4) channels")
        }
        guard vocabularySize <= int32, context <= 1 << 20 else {
            throw GPTError.invalidConfig(parameter: vocabularySize > int32 ? "vocabularySize" : "context",
                                         value: "\(vocabularySize > int32 ? vocabularySize : context)",
                                         fix: "use a vocabulary below 2^31 and a context of at most 2^20")
        }
        self.vocabularySize = vocabularySize
        self.context = context
        self.channels = channels
        self.heads = heads
        self.layers = layers
        // Parameters, gradients, two AdamW moments: 16 bytes per parameter.
        guard let count = GPTConfig.checkedParameterCount(self),
              count.multipliedReportingOverflow(by: 16).overflow == false,
              count * 16 <= GPTConfig.memoryLimit else {
            throw GPTError.invalidConfig(parameter: "channels/layers/context", value: "\(channels)/\(layers)/\(context)",
                                         fix: "the parameters, gradients and AdamW moments would need more memory than this machine's \(GPTConfig.memoryLimit >> 20) MiB; use fewer channels, layers or a shorter context")
        }
    }

    /// The default text teacher's shape (torch_tiny_gpt.py's defaults): T 128, d 128, 4 heads, 4 layers.
    public static let teacherDefault = try! GPTConfig(context: 128, channels: 128, heads: 4, layers: 4)

    /// Channels per head.
    public var headSize: Int { channels / heads }

    /// Number of parameters (embeddings included; the LM head is tied to `wte`).
    public var parameterCount: Int { GPTConfig.checkedParameterCount(self)! }

    public var description: String {
        "GPT(V \(vocabularySize), T \(context), d \(channels), heads \(heads), layers \(layers), \(parameterCount) parameters)"
    }

    /// The sizes of the parameter tensors in the flat buffer's fixed order, or nil on overflow.
    static func checkedSizes(_ c: GPTConfig) -> [Int]? {
        let (V, T, C, L) = (c.vocabularySize, c.context, c.channels, c.layers)
        func mul(_ xs: Int...) -> Int? {
            var r = 1
            for x in xs { let (p, o) = r.multipliedReportingOverflow(by: x); if o { return nil }; r = p }
            return r
        }
        let parts: [Int?] = [mul(V, C), mul(T, C), mul(L, C), mul(L, C), mul(L, C, 3 * C), mul(L, 3 * C),
                             mul(L, C, C), mul(L, C), mul(L, C), mul(L, C), mul(L, C, 4 * C), mul(L, 4 * C),
                             mul(L, 4 * C, C), mul(L, C), C, C]
        if parts.contains(where: { $0 == nil }) { return nil }
        return parts.map { $0! }
    }

    static func checkedParameterCount(_ c: GPTConfig) -> Int? {
        guard let sizes = checkedSizes(c) else { return nil }
        var total = 0
        for s in sizes { let (t, o) = total.addingReportingOverflow(s); if o { return nil }; total = t }
        return total
    }

    static func nearestDivisor(of n: Int, near k: Int) -> Int {
        var best = 1
        for d in 1...max(1, min(n, 4 * k)) where n % d == 0 && abs(d - k) < abs(best - k) { best = d }
        return best
    }

    /// The config as `__metadata__` strings (GPT-2's names: n_vocab, n_ctx, n_embd, n_head, n_layer).
    public var metadata: [String: String] {
        ["format": "distill-lab-gpt", "n_vocab": "\(vocabularySize)", "n_ctx": "\(context)",
         "n_embd": "\(channels)", "n_head": "\(heads)", "n_layer": "\(layers)"]
    }

    /// Reads a config from `__metadata__` strings.
    /// - Throws: ``GPTError/checkpoint(path:detail:)`` naming the missing or malformed key.
    public init(metadata: [String: String], source: String) throws {
        func int(_ key: String) throws -> Int {
            guard let s = metadata[key] else {
                throw GPTError.checkpoint(path: source, detail: "the __metadata__ has no \"\(key)\"; save the model with GPT.save(to:) so the config is stored")
            }
            guard let v = Int(s) else {
                throw GPTError.checkpoint(path: source, detail: "__metadata__ \"\(key)\" is \"\(s)\", not an integer")
            }
            return v
        }
        try self.init(vocabularySize: int("n_vocab"), context: int("n_ctx"), channels: int("n_embd"),
                      heads: int("n_head"), layers: int("n_layer"))
    }
}

/// Errors of the tiny GPT: each names the problem and the fix.
public enum GPTError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidConfig(parameter: String, value: String, fix: String)
    case invalidBatch(String)
    case promptTooLong(length: Int, context: Int)
    case invalidSampling(parameter: String, value: String, fix: String)
    case diverged(step: Int, loss: Float)
    case checkpoint(path: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidConfig(p, v, fix): return "invalid GPT config: \(p) = \(v); \(fix)"
        case let .invalidBatch(s): return "invalid training batch: \(s)"
        case let .promptTooLong(n, t): return "the prompt has \(n) tokens but the model's context is \(t); shorten the prompt to at most \(t - 1) tokens so at least one can be generated"
        case let .invalidSampling(p, v, fix): return "invalid sampling parameter \(p) = \(v); \(fix)"
        case let .diverged(step, loss): return "training diverged at step \(step): the loss is \(loss); lower the learning rate, raise warmup or tighten gradient clipping"
        case let .checkpoint(path, d): return "cannot load GPT checkpoint \(path): \(d)"
        }
    }
}
