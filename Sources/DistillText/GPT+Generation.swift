import DistillCore
import Foundation

/// Sampling parameters of ``GPT/generate(prompt:maxTokens:sampling:rng:)``.
public struct GPTSampling: Sendable {
    /// 0 means greedy.
    public var temperature: Float = 1
    /// Keep only the k most likely tokens (0 = all).
    public var topK = 0
    /// Nucleus: keep the smallest set of tokens whose probability reaches topP (1 = all).
    public var topP: Float = 1
    /// Generation stops when the output ends with one of these (the stop sequence is not returned).
    public var stopSequences: [[Int32]] = []
    /// Added to the logits before sampling (not to the reported log-probs).
    public var logitBias: [Int32: Float] = [:]
    /// Report this many top log-probs per generated token (0 = none), under the unmodified distribution.
    public var topLogprobs = 0
    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, stopSequences: [[Int32]] = [],
                logitBias: [Int32: Float] = [:], topLogprobs: Int = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
        self.stopSequences = stopSequences; self.logitBias = logitBias; self.topLogprobs = topLogprobs
    }
}

/// What ``GPT/generate(prompt:maxTokens:sampling:rng:)`` returns.
public struct GPTGeneration: Sendable {
    public enum FinishReason: String, Sendable { case stop, length }
    public var tokens: [Int32]
    /// Log-prob of each generated token under the unmodified model distribution.
    public var logprobs: [Float]
    /// Per generated token, the `topLogprobs` most likely (token, log-prob) pairs, best first.
    public var topLogprobs: [[(token: Int32, logprob: Float)]]
    public var finishReason: FinishReason
}

/// Per-sequence inference state: K and V of every layer for positions so far (batch 1).
public final class GPTKVCache {
    let config: GPTConfig
    public private(set) var length = 0
    let keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>
    let x: UnsafeMutablePointer<Float>, ln: UnsafeMutablePointer<Float>, qkv: UnsafeMutablePointer<Float>
    let y: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>
    let tmp: UnsafeMutablePointer<Float>
    /// The logits after the last appended token.
    public let logits: UnsafeMutablePointer<Float>

    public init(config: GPTConfig) {
        self.config = config
        let (L, T, C) = (config.layers, config.context, config.channels)
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p
        }
        keys = alloc(L * T * C); values = alloc(L * T * C)
        x = alloc(C); ln = alloc(C); qkv = alloc(3 * C); y = alloc(C); h = alloc(8 * C); scores = alloc(T); tmp = alloc(C)
        logits = alloc(config.vocabularySize)
    }
    deinit { [keys, values, x, ln, qkv, y, h, scores, tmp, logits].forEach { $0.deallocate() } }
    public func reset() { length = 0 }
    func advance() { length += 1 }
}

extension GPT {
    /// Appends `token` at the cache's next position and computes that position's logits (in `cache.logits`).
    /// - Throws: ``GPTError/promptTooLong(length:context:)`` when the context is full.
    public func append(_ token: Int32, to cache: GPTKVCache) throws {
        let (T, C, L, NH, V) = (config.context, config.channels, config.layers, config.heads, config.vocabularySize)
        guard cache.length < T else { throw GPTError.promptTooLong(length: cache.length + 1, context: T) }
        guard token >= 0, Int(token) < V else {
            throw GPTError.invalidBatch("token id \(token) is outside the vocabulary 0..<\(V)")
        }
        let pos = cache.length, hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        var mean: Float = 0, rstd: Float = 0
        GPTLayers.encoderForward(cache.x, tokens: [token], wte: p(0), wpe: p(1) + pos * C, B: 1, T: 1, C: C)
        for l in 0..<L {
            GPTLayers.layerNormForward(cache.ln, mean: &mean, rstd: &rstd, cache.x, weight: p(2) + l * C, bias: p(3) + l * C, N: 1, C: C)
            GPTLayers.matmulForward(cache.qkv, cache.ln, weight: p(4) + l * C * 3 * C, bias: p(5) + l * 3 * C, N: 1, C: C, OC: 3 * C)
            let kc = cache.keys + l * T * C, vc = cache.values + l * T * C
            (kc + pos * C).update(from: cache.qkv + C, count: C)
            (vc + pos * C).update(from: cache.qkv + 2 * C, count: C)
            for hd in 0..<NH {
                // scores = K[0...pos]·q, softmax, y = Vᵀ·att (BLAS gemv).
                BLAS.gemv(.none, rows: pos + 1, cols: hs, alpha: scale, a: kc + hd * hs, lda: C, x: cache.qkv + hd * hs, y: cache.scores)
                GPTLayers.causalSoftmaxRow(cache.scores, count: pos + 1, width: pos + 1)
                BLAS.gemv(.transpose, rows: pos + 1, cols: hs, a: vc + hd * hs, lda: C, x: cache.scores, y: cache.y + hd * hs)
            }
            GPTLayers.matmulForward(cache.tmp, cache.y, weight: p(6) + l * C * C, bias: p(7) + l * C, N: 1, C: C, OC: C)
            for i in 0..<C { cache.x[i] += cache.tmp[i] }
            GPTLayers.layerNormForward(cache.ln, mean: &mean, rstd: &rstd, cache.x, weight: p(8) + l * C, bias: p(9) + l * C, N: 1, C: C)
            GPTLayers.matmulForward(cache.h, cache.ln, weight: p(10) + l * C * 4 * C, bias: p(11) + l * 4 * C, N: 1, C: C, OC: 4 * C)
            GPTLayers.geluForward(cache.h + 4 * C, cache.h, count: 4 * C)
            GPTLayers.matmulForward(cache.tmp, cache.h + 4 * C, weight: p(12) + l * 4 * C * C, bias: p(13) + l * C, N: 1, C: 4 * C, OC: C)
            for i in 0..<C { cache.x[i] += cache.tmp[i] }
        }
        GPTLayers.layerNormForward(cache.ln, mean: &mean, rstd: &rstd, cache.x, weight: p(14), bias: p(15), N: 1, C: C)
        BLAS.gemv(.none, rows: V, cols: C, a: p(0), lda: C, x: cache.ln, y: cache.logits)
        cache.advance()
    }

    /// The full logit vector at the last position of `tokens` (a fresh KV cache; for logit-extraction studies).
    /// - Throws: ``GPTError/promptTooLong(length:context:)`` if `tokens` exceed the context.
    public func logits(after tokens: [Int32]) throws -> [Float] {
        guard !tokens.isEmpty else { throw GPTError.invalidBatch("logits(after:) needs at least one token") }
        guard tokens.count <= config.context else { throw GPTError.promptTooLong(length: tokens.count, context: config.context) }
        let cache = GPTKVCache(config: config)
        for t in tokens { try append(t, to: cache) }
        return Array(UnsafeBufferPointer(start: cache.logits, count: config.vocabularySize))
    }

    /// Generates up to `maxTokens` tokens after `prompt` with a KV cache.
    /// - Throws: ``GPTError/promptTooLong(length:context:)`` when the prompt leaves no room in the context,
    ///   ``GPTError/invalidSampling(parameter:value:fix:)`` for impossible sampling parameters.
    public func generate(prompt: [Int32], maxTokens: Int, sampling: GPTSampling = GPTSampling(),
                         rng: inout RandomStream) throws -> GPTGeneration {
        let V = config.vocabularySize
        guard sampling.temperature >= 0, sampling.temperature.isFinite else {
            throw GPTError.invalidSampling(parameter: "temperature", value: "\(sampling.temperature)", fix: "use a finite value >= 0 (0 is greedy)")
        }
        guard sampling.topK >= 0 else { throw GPTError.invalidSampling(parameter: "top_k", value: "\(sampling.topK)", fix: "use 0 (all tokens) or a positive count") }
        guard sampling.topP > 0, sampling.topP <= 1 else { throw GPTError.invalidSampling(parameter: "top_p", value: "\(sampling.topP)", fix: "use a value in (0, 1]") }
        guard sampling.topLogprobs >= 0, sampling.topLogprobs <= V else {
            throw GPTError.invalidSampling(parameter: "top_logprobs", value: "\(sampling.topLogprobs)", fix: "use 0...\(V)")
        }
        guard maxTokens >= 0 else { throw GPTError.invalidSampling(parameter: "max_tokens", value: "\(maxTokens)", fix: "use a count >= 0") }
        for (id, b) in sampling.logitBias where id < 0 || Int(id) >= V || !b.isFinite {
            throw GPTError.invalidSampling(parameter: "logit_bias[\(id)]", value: "\(b)", fix: "use token ids in 0..<\(V) and finite biases")
        }
        guard !prompt.isEmpty else { throw GPTError.invalidSampling(parameter: "prompt", value: "empty", fix: "give at least one token") }
        guard prompt.count < config.context else { throw GPTError.promptTooLong(length: prompt.count, context: config.context) }
        let cache = GPTKVCache(config: config)
        for t in prompt { try append(t, to: cache) }
        var out = GPTGeneration(tokens: [], logprobs: [], topLogprobs: [], finishReason: .length)
        var logp = [Float](repeating: 0, count: V), work = [Float](repeating: 0, count: V)
        var index = Array(0..<V)
        while out.tokens.count < maxTokens {
            let l = UnsafeBufferPointer(start: cache.logits, count: V)
            var mx = -Float.infinity
            for v in l where v > mx { mx = v }
            var s: Float = 0
            for v in l { s += expf(v - mx) }
            let logZ = mx + logf(s)
            for j in 0..<V { logp[j] = l[j] - logZ }
            // Sampling distribution: bias, temperature, top-k, top-p.
            for j in 0..<V { work[j] = l[j] + (sampling.logitBias[Int32(j)] ?? 0) }
            let next: Int
            if sampling.temperature == 0 {
                next = work.indices.max { work[$0] < work[$1] || (work[$0] == work[$1] && $0 > $1) }!
            } else {
                index.sort { work[$0] > work[$1] || (work[$0] == work[$1] && $0 < $1) }
                var keep = sampling.topK > 0 ? min(sampling.topK, V) : V
                let m = work[index[0]]
                var probs = index[0..<keep].map { expf((work[$0] - m) / sampling.temperature) }
                let total = probs.reduce(0, +)
                if sampling.topP < 1 {
                    var c: Float = 0
                    for (i, q) in probs.enumerated() { c += q / total; if c >= sampling.topP { keep = i + 1; break } }
                    probs = Array(probs[0..<keep])
                }
                let z = probs.reduce(0, +)
                var u = Float(rng.uniform()) * z, pick = keep - 1
                for (i, q) in probs.enumerated() { u -= q; if u < 0 { pick = i; break } }
                next = index[pick]
            }
            out.tokens.append(Int32(next)); out.logprobs.append(logp[next])
            if sampling.topLogprobs > 0 {
                let top = (0..<V).sorted { logp[$0] > logp[$1] || (logp[$0] == logp[$1] && $0 < $1) }.prefix(sampling.topLogprobs)
                out.topLogprobs.append(top.map { (Int32($0), logp[$0]) })
            }
            if let stop = sampling.stopSequences.first(where: { !$0.isEmpty && out.tokens.count >= $0.count && Array(out.tokens.suffix($0.count)) == $0 }) {
                out.tokens.removeLast(stop.count); out.logprobs.removeLast(stop.count)
                if sampling.topLogprobs > 0 { out.topLogprobs.removeLast(stop.count) }
                out.finishReason = .stop
                return out
            }
            if cache.length >= config.context || out.tokens.count >= maxTokens { break }
            try append(Int32(next), to: cache)
        }
        return out
    }

    /// Generation without the KV cache: a full forward over the whole prefix for every token (greedy);
    /// kept to time the cache and to check it.
    public func generateWithoutCache(prompt: [Int32], maxTokens: Int) throws -> [Int32] {
        guard prompt.count < config.context else { throw GPTError.promptTooLong(length: prompt.count, context: config.context) }
        var seq = prompt, out: [Int32] = []
        while out.count < maxTokens && seq.count <= config.context {
            let batch = GPTBatch(B: 1, T: seq.count)
            batch.tokens = seq
            try forward(batch)
            let l = logits(b: 0, t: seq.count - 1)
            let next = Int32(l.indices.max { l[$0] < l[$1] || (l[$0] == l[$1] && $0 > $1) }!)
            out.append(next); seq.append(next)
        }
        return out
    }
}
