import XCTest
import DistillCore
@testable import DistillText

final class GPTModelTests: XCTestCase {
    static func tiny() -> GPTConfig { try! GPTConfig(vocabularySize: 11, context: 6, channels: 8, heads: 2, layers: 2) }

    func testConfigErrors() {
        XCTAssertThrowsError(try GPTConfig(context: 8, channels: 10, heads: 3, layers: 1)) { e in
            XCTAssertTrue("\(e)".contains("heads") && "\(e)".contains("divisible"), "\(e)")
        }
        XCTAssertThrowsError(try GPTConfig(context: 0, channels: 8, heads: 2, layers: 1)) { XCTAssertTrue("\($0)".contains("context")) }
        XCTAssertThrowsError(try GPTConfig(context: 1024, channels: 1 << 20, heads: 1, layers: 100)) { XCTAssertTrue("\($0)".contains("memory")) }
        XCTAssertEqual(GPTConfig.teacherDefault.parameterCount, 256 * 128 + 128 * 128 + 4 * (12 * 128 * 128 + 13 * 128) + 256)
    }

    /// Whole-model finite-difference check over every tensor, with mask and soft targets.
    func testWholeModelGradient() throws {
        var rng = RandomStream(seed: 1, label: "init")
        let cfg = Self.tiny()
        let m = GPT(config: cfg, rng: &rng)
        // Larger weights than GPT-2's init so every path carries signal.
        for i in 0..<m.parameterCount { m.parameters[i] += Float(0.3 * rng.normal()) }
        let batch = GPTBatch(B: 2, T: 5, softK: 2)
        for i in 0..<10 { batch.tokens[i] = Int32(rng.int(below: 11)); batch.targets[i] = Int32(rng.int(below: 11)) }
        batch.mask = [1, 1, 0, 1, 0.5, 1, 1, 1, 0, 1]
        for i in 0..<20 { batch.softIDs[i] = Int32(rng.int(below: 11)); batch.softProbs[i] = i % 5 == 0 ? 0 : Float(rng.uniform()) }
        batch.softWeight = 0.5
        try m.forward(batch); m.zeroGradients(); m.backward()
        let analytic = Array(UnsafeBufferPointer(start: m.gradients, count: m.parameterCount))
        var worst = 0.0
        for (ti, name) in GPT.tensorNames.enumerated() {
            let o = m.tensorOffsets[ti], n = m.tensorSizes[ti]
            var maxN = 1e-3, maxDiff = 0.0
            for j in stride(from: 0, to: n, by: max(1, n / 12)) {
                let old = m.parameters[o + j]
                let eps: Float = 1e-2
                m.parameters[o + j] = old + eps; let lp = Double(try m.forward(batch))
                m.parameters[o + j] = old - eps; let lm = Double(try m.forward(batch))
                m.parameters[o + j] = old
                let num = (lp - lm) / Double(2 * eps)
                maxN = max(maxN, abs(num)); maxDiff = max(maxDiff, abs(num - Double(analytic[o + j])))
            }
            let rel = maxDiff / maxN
            XCTAssertLessThan(rel, 3e-2, name)
            worst = max(worst, rel)
        }
        print("whole-model gradient check: worst relative error \(worst)")
    }

    /// Two sequences packed in one row give the loss and the gradient of the same two sequences in
    /// rows of their own (attention and position embeddings restart at the second).
    func testPackedRowEqualsSeparateRows() throws {
        var rng = RandomStream(seed: 3, label: "init")
        let cfg = try GPTConfig(vocabularySize: 11, context: 8, channels: 8, heads: 2, layers: 2)
        let m = GPT(config: cfg, rng: &rng)
        for i in 0..<m.parameterCount { m.parameters[i] += Float(0.3 * rng.normal()) }
        let a = GPTExample(tokens: [1, 4, 2, 7], lossMask: [0, 1, 0.5, 1])
        let b = GPTExample(tokens: [3, 3, 9, 0, 5], lossMask: [0, 0, 1, 1, 1])
        let packed = GPTBatch(B: 1, T: 8)
        packed.setRow(0, packing: [0, 1], of: [a, b])
        XCTAssertEqual(packed.positions, [0, 1, 2, 0, 1, 2, 3, 4])
        XCTAssertEqual(packed.mask, [1, 0.5, 1, 0, 1, 1, 1, 0])
        let separate = GPTBatch(B: 2, T: 8)
        separate.setRow(0, to: a); separate.setRow(1, to: b)
        let lossPacked = try m.forward(packed); m.zeroGradients(); m.backward()
        let gPacked = Array(UnsafeBufferPointer(start: m.gradients, count: m.parameterCount))
        let lossSeparate = try m.forward(separate); m.zeroGradients(); m.backward()
        let gSeparate = Array(UnsafeBufferPointer(start: m.gradients, count: m.parameterCount))
        XCTAssertEqual(lossPacked, lossSeparate, accuracy: 1e-5)
        let scale = gSeparate.map(abs).max()!
        XCTAssertLessThan(zip(gPacked, gSeparate).map { abs($0 - $1) }.max()! / scale, 1e-4)
        // The same row with positions 0...7 (no packing) is a different computation.
        let joined = GPTBatch(B: 1, T: 8)
        joined.setRow(0, packing: [0, 1], of: [a, b]); joined.positions = (0..<8).map { Int32($0) }
        XCTAssertGreaterThan(abs(try m.forward(joined) - lossSeparate), 1e-4)
        // Positions that neither restart nor count up are one error.
        joined.positions[5] = 4
        XCTAssertThrowsError(try m.forward(joined)) { XCTAssertTrue("\($0)".contains("position"), "\($0)") }
    }

    func makeTrainer(seed: UInt64) throws -> GPTTrainer {
        var rng = RandomStream(seed: seed, label: "init")
        let cfg = try GPTConfig(context: 16, channels: 16, heads: 2, layers: 2)
        let m = GPT(config: cfg, rng: &rng)
        let data = (0..<8).map { i in GPTExample(tokens: (0..<17).map { Int32(97 + (i + $0) % 5) }) }
        var s = GPTOptimizerSettings(); s.totalSteps = 6; s.warmupSteps = 2
        return try GPTTrainer(model: m, examples: data, batchSize: 4, settings: s, rng: RandomStream(seed: seed, label: "batches"))
    }

    func testDeterminismAndNoReallocation() throws {
        let a = try makeTrainer(seed: 3), b = try makeTrainer(seed: 3)
        let acts = a.model.activations, grads = a.model.activationGradients
        try a.train(steps: 5); try b.train(steps: 5)
        XCTAssertEqual(a.model.activations, acts); XCTAssertEqual(a.model.activationGradients, grads)
        let wa = Array(UnsafeBufferPointer(start: a.model.parameters, count: a.model.parameterCount))
        let wb = Array(UnsafeBufferPointer(start: b.model.parameters, count: b.model.parameterCount))
        XCTAssertEqual(wa.map(\.bitPattern), wb.map(\.bitPattern))
        let c = try makeTrainer(seed: 4); try c.train(steps: 5)
        XCTAssertNotEqual(Array(UnsafeBufferPointer(start: c.model.parameters, count: 50)), Array(wa[0..<50]))
    }

    func testDivergenceStops() throws {
        let t = try makeTrainer(seed: 5)
        t.model.parameters[0] = .nan
        t.model.parameters.update(repeating: .infinity, count: 64)
        XCTAssertThrowsError(try t.train(steps: 3)) { e in
            guard case GPTError.diverged = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("diverged"))
        }
    }

    func testLearnsPatternAndGeneratesIt() throws {
        var rng = RandomStream(seed: 11, label: "init")
        let cfg = try GPTConfig(context: 32, channels: 32, heads: 2, layers: 2)
        let m = GPT(config: cfg, rng: &rng)
        let pattern = Array("abcdefgh".utf8).map(Int32.init)
        let data = (0..<16).map { i in GPTExample(tokens: (0..<33).map { pattern[(i + $0) % 8] }) }
        var s = GPTOptimizerSettings(); s.learningRate = 1e-2; s.minLearningRate = 1e-3; s.warmupSteps = 10; s.totalSteps = 150
        let t = try GPTTrainer(model: m, examples: data, batchSize: 8, settings: s, rng: RandomStream(seed: 1, label: "b"))
        let losses = try t.train(steps: 150)
        XCTAssertGreaterThan(losses[0], 5)           // ≈ log 256 = 5.55 at init
        XCTAssertLessThan(losses.suffix(5).max()!, 0.2)
        var g = RandomStream(seed: 0, label: "gen")
        let out = try m.generate(prompt: Array("cde".utf8).map(Int32.init), maxTokens: 12, sampling: GPTSampling(temperature: 0), rng: &g)
        XCTAssertEqual(ByteTokenizer.decode(out.tokens), "fghabcdefgha")
        XCTAssertEqual(try m.generateWithoutCache(prompt: Array("cde".utf8).map(Int32.init), maxTokens: 12), out.tokens)
    }

    func testKVCacheMatchesFullForward() throws {
        var rng = RandomStream(seed: 2, label: "init")
        let cfg = try GPTConfig(context: 12, channels: 16, heads: 4, layers: 2)
        let m = GPT(config: cfg, rng: &rng)
        for i in 0..<m.parameterCount { m.parameters[i] += Float(0.1 * rng.normal()) }
        let seq: [Int32] = [5, 200, 17, 99, 0, 255, 31, 64, 128, 7]
        let batch = GPTBatch(B: 1, T: seq.count); batch.tokens = seq
        try m.forward(batch)
        let cache = GPTKVCache(config: cfg)
        var worst: Float = 0
        for (t, tok) in seq.enumerated() {
            try m.append(tok, to: cache)
            let full = m.logits(b: 0, t: t)
            for j in 0..<256 { worst = max(worst, abs(full[j] - cache.logits[j])) }
        }
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertEqual(try m.logits(after: Array(seq[0..<4])).count, 256)
        var g = RandomStream(seed: 0, label: "g")
        XCTAssertThrowsError(try m.generate(prompt: Array(repeating: 1, count: 12), maxTokens: 1, rng: &g)) { e in
            XCTAssertEqual(e as? GPTError, .promptTooLong(length: 12, context: 12))
        }
        XCTAssertThrowsError(try m.generate(prompt: [1], maxTokens: 1, sampling: GPTSampling(topP: 0), rng: &g)) { XCTAssertTrue("\($0)".contains("top_p")) }
        // Top log-probs: sorted, under the unmodified distribution (logit bias does not change them), sampled tokens honour bias.
        var s = GPTSampling(temperature: 1, topK: 5, topP: 0.9, logitBias: [42: 100], topLogprobs: 3)
        let out = try m.generate(prompt: [1, 2], maxTokens: 4, sampling: s, rng: &g)
        XCTAssertEqual(out.tokens, [42, 42, 42, 42])
        let ref = try m.logits(after: [1, 2]), mx = ref.max()!
        let lse = mx + log(ref.map { exp($0 - mx) }.reduce(0, +))
        let best = ref.indices.max { ref[$0] < ref[$1] }!
        XCTAssertEqual(out.topLogprobs[0][0].token, Int32(best))
        XCTAssertEqual(out.topLogprobs[0][0].logprob, ref[best] - lse, accuracy: 1e-4)
        XCTAssertEqual(out.logprobs[0], ref[42] - lse, accuracy: 1e-4)
        s.stopSequences = [[42, 42]]
        let stopped = try m.generate(prompt: [1, 2], maxTokens: 6, sampling: s, rng: &g)
        XCTAssertEqual(stopped.tokens, []); XCTAssertEqual(stopped.finishReason, .stop)
    }

    /// Past the attention's row blocks (64 rows) and in a batch of several sequences of different lengths:
    /// the training forward's logits equal the KV cache's, position by position.
    func testKVCacheMatchesBatchedForwardPastTheRowBlocks() throws {
        var rng = RandomStream(seed: 3, label: "init")
        let cfg = try GPTConfig(context: 256, channels: 32, heads: 4, layers: 2)
        let m = GPT(config: cfg, rng: &rng)
        for i in 0..<m.parameterCount { m.parameters[i] += Float(0.05 * rng.normal()) }
        let T = 160, B = 3
        let batch = GPTBatch(B: B, T: T)
        for i in 0..<(B * T) { batch.tokens[i] = Int32(rng.int(below: 256)) }
        try m.forward(batch)
        var worst: Float = 0
        for b in 0..<B {
            let cache = GPTKVCache(config: cfg)
            for t in 0..<T {
                try m.append(batch.tokens[b * T + t], to: cache)
                let full = m.logits(b: b, t: t)
                for j in 0..<256 { worst = max(worst, abs(full[j] - cache.logits[j])) }
            }
        }
        XCTAssertLessThan(worst, 1e-4)
    }
}
