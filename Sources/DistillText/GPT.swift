import DistillCore
import Foundation

/// One training batch of B sequences of T positions, filled in place (no allocation per step).
///
/// `tokens[b·T + t]` is the input at position t and `targets[b·T + t]` the next token to predict;
/// `mask` weighs each position's loss (0 drops it: completion-only loss); `softIDs`/`softProbs` hold
/// `softK` teacher tokens and probabilities per position for logit KD (renormalised; all-zero = none).
///
/// A row may hold several sequences one after another (packing, so short sequences do not pay for
/// padding): `positions[b·T + t]` is position t's index within its own sequence, so the sequence
/// starts at t − positions[b·T + t]; attention never crosses into an earlier sequence and the
/// position embedding restarts, so a packed row computes what its sequences would alone. Unpacked
/// rows have positions[b·T + t] = t (the initial value).
public final class GPTBatch {
    public let B: Int, T: Int, softK: Int
    public var tokens: [Int32]
    public var positions: [Int32]
    public var targets: [Int32]
    public var mask: [Float]
    public var softIDs: [Int32]
    public var softProbs: [Float]
    /// Weight α of the soft-target cross-entropy on positions that have soft targets (1 − α on the sampled token).
    public var softWeight: Float = 1

    public init(B: Int, T: Int, softK: Int = 0) {
        self.B = B; self.T = T; self.softK = softK
        tokens = Array(repeating: 0, count: B * T)
        positions = (0..<B * T).map { Int32($0 % T) }
        targets = Array(repeating: 0, count: B * T)
        mask = Array(repeating: 1, count: B * T)
        softIDs = Array(repeating: 0, count: B * T * softK)
        softProbs = Array(repeating: 0, count: B * T * softK)
    }
}

/// A tiny GPT-2 (llm.c style): one flat parameter buffer and one gradient buffer with named views in
/// a fixed order, one activation buffer allocated once for a maximum (B, T) and reused.
///
/// Not thread-safe; one model per thread. Results are bit-identical for the same seed and BLAS thread count.
public final class GPT {
    public let config: GPTConfig
    /// Parameter tensor names in buffer order.
    public static let tensorNames = ["wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
                                     "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"]
    /// Element counts and offsets of each tensor, in `tensorNames` order.
    public let tensorSizes: [Int]
    public let tensorOffsets: [Int]
    public let parameterCount: Int
    /// The flat parameters, gradients and AdamW moments.
    public let parameters: UnsafeMutablePointer<Float>
    public let gradients: UnsafeMutablePointer<Float>
    let adamM: UnsafeMutablePointer<Float>
    let adamV: UnsafeMutablePointer<Float>
    /// AdamW steps taken.
    public internal(set) var step = 0

    /// Activation buffer (forward), activation-gradient buffer (backward), sized for (maxB, maxT).
    public private(set) var activations: UnsafeMutablePointer<Float>?
    public private(set) var activationGradients: UnsafeMutablePointer<Float>?
    public private(set) var maxB = 0, maxT = 0
    var activationCapacity = 0, gradientCapacity = 0
    /// The batch of the last forward (what backward differentiates).
    var lastB = 0, lastT = 0
    weak var lastBatch: GPTBatch?

    /// A model with GPT-2's initialisation: weights N(0, 0.02), residual projections (attprojw, fcprojw)
    /// N(0, 0.02/√(2L)), biases 0, LayerNorm weights 1.
    public init(config: GPTConfig, rng: inout RandomStream) {
        self.config = config
        tensorSizes = GPTConfig.checkedSizes(config)!
        var offsets: [Int] = [], o = 0
        for s in tensorSizes { offsets.append(o); o += s }
        tensorOffsets = offsets
        parameterCount = o
        parameters = .allocate(capacity: o); gradients = .allocate(capacity: o)
        adamM = .allocate(capacity: o); adamV = .allocate(capacity: o)
        parameters.initialize(repeating: 0, count: o); gradients.initialize(repeating: 0, count: o)
        adamM.initialize(repeating: 0, count: o); adamV.initialize(repeating: 0, count: o)
        let residualStd = 0.02 / (2 * Double(config.layers)).squareRoot()
        for (i, name) in GPT.tensorNames.enumerated() {
            let p = parameters + tensorOffsets[i]
            switch name {
            case "ln1w", "ln2w", "lnfw": p.update(repeating: 1, count: tensorSizes[i])
            case "wte", "wpe", "qkvw", "fcw":
                for j in 0..<tensorSizes[i] { p[j] = Float(0.02 * rng.normal()) }
            case "attprojw", "fcprojw":
                for j in 0..<tensorSizes[i] { p[j] = Float(residualStd * rng.normal()) }
            default: break
            }
        }
    }

    deinit {
        parameters.deallocate(); gradients.deallocate(); adamM.deallocate(); adamV.deallocate()
        activations?.deallocate(); activationGradients?.deallocate()
    }

    /// The parameter tensor `name` (one of ``tensorNames``).
    public func parameter(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        let i = GPT.tensorNames.firstIndex(of: name)!
        return UnsafeMutableBufferPointer(start: parameters + tensorOffsets[i], count: tensorSizes[i])
    }

    /// The gradient tensor `name`.
    public func gradient(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        let i = GPT.tensorNames.firstIndex(of: name)!
        return UnsafeMutableBufferPointer(start: gradients + tensorOffsets[i], count: tensorSizes[i])
    }

    @inline(__always) func p(_ i: Int) -> UnsafeMutablePointer<Float> { parameters + tensorOffsets[i] }
    @inline(__always) func g(_ i: Int) -> UnsafeMutablePointer<Float> { gradients + tensorOffsets[i] }

    // MARK: activation layout

    /// Pointers into the activation buffers for one (B, T); computed per call, nothing allocated.
    struct Acts {
        var encoded, lnf, lnfMean, lnfRstd, logits, probs, losses, scratch: UnsafeMutablePointer<Float>
        var base: UnsafeMutablePointer<Float>
        var perLayer: Int
        var BT: Int, C: Int, att: Int
        // per-layer offsets
        var oLn1 = 0, oLn1Mean = 0, oLn1Rstd = 0, oQkv = 0, oAtty = 0, oAtt = 0, oRes2 = 0, oLn2 = 0,
            oLn2Mean = 0, oLn2Rstd = 0, oFch = 0, oFchGelu = 0, oRes3 = 0
        func layer(_ l: Int, _ o: Int) -> UnsafeMutablePointer<Float> { base + l * perLayer + o }
    }

    static func activationCount(_ c: GPTConfig, B: Int, T: Int) -> Int {
        let BT = B * T, C = c.channels
        let perLayer = BT * (C * 6 + 3 * C + 8 * C + 4) + B * c.heads * T * T
        return c.layers * perLayer + BT * (2 * C + 3 + 2 * c.vocabularySize) + BT * 4 * C
    }

    static func gradientScratchCount(_ c: GPTConfig, B: Int, T: Int) -> Int {
        let BT = B * T, C = c.channels
        return BT * (3 * C + 3 * C + 8 * C + c.vocabularySize) + T * T
    }

    func acts(B: Int, T: Int) -> Acts {
        let C = config.channels, BT = B * T, L = config.layers
        let base = activations!
        var off = 0
        func take(_ n: Int) -> Int { defer { off += n }; return off }
        var a = Acts(encoded: base, lnf: base, lnfMean: base, lnfRstd: base, logits: base, probs: base,
                     losses: base, scratch: base, base: base, perLayer: 0, BT: BT, C: C, att: B * config.heads * T * T)
        a.oLn1 = take(BT * C); a.oLn1Mean = take(BT); a.oLn1Rstd = take(BT); a.oQkv = take(BT * 3 * C)
        a.oAtty = take(BT * C); a.oAtt = take(a.att); a.oRes2 = take(BT * C); a.oLn2 = take(BT * C)
        a.oLn2Mean = take(BT); a.oLn2Rstd = take(BT); a.oFch = take(BT * 4 * C); a.oFchGelu = take(BT * 4 * C)
        a.oRes3 = take(BT * C)
        a.perLayer = off
        var rest = L * off
        func tail(_ n: Int) -> UnsafeMutablePointer<Float> { defer { rest += n }; return base + rest }
        a.encoded = tail(BT * C); a.lnf = tail(BT * C); a.lnfMean = tail(BT); a.lnfRstd = tail(BT)
        a.logits = tail(BT * config.vocabularySize); a.probs = tail(BT * config.vocabularySize)
        a.losses = tail(BT); a.scratch = tail(BT * C)
        precondition(rest <= activationCapacity)
        return a
    }

    /// Allocates the activation buffers for batches up to B×T (once; later calls within the size reuse them).
    /// - Throws: ``GPTError/invalidBatch(_:)`` if T exceeds the context or the buffers would not fit in memory.
    public func reserve(B: Int, T: Int) throws {
        guard B >= 1, T >= 1 else { throw GPTError.invalidBatch("batch \(B)×\(T) must have at least one sequence and one position") }
        guard T <= config.context else {
            throw GPTError.invalidBatch("sequence length \(T) exceeds the context \(config.context); use at most \(config.context) positions")
        }
        if B <= maxB && T <= maxT { return }
        let nb = max(B, maxB), nt = max(T, maxT)
        let (bt, o1) = nb.multipliedReportingOverflow(by: nt)
        let count = GPT.activationCount(config, B: nb, T: nt), gcount = GPT.gradientScratchCount(config, B: nb, T: nt)
        guard !o1, bt * 4 * config.channels <= Int(Int32.max), (count + gcount) * 4 <= GPTConfig.memoryLimit / 2 else {
            throw GPTError.invalidBatch("batch \(nb)×\(nt) needs \((count + gcount) * 4 >> 20) MiB of activations, more than half this machine's memory; use a smaller batch")
        }
        activations?.deallocate(); activationGradients?.deallocate()
        activations = .allocate(capacity: count); activations!.initialize(repeating: 0, count: count)
        activationGradients = .allocate(capacity: gcount); activationGradients!.initialize(repeating: 0, count: gcount)
        activationCapacity = count; gradientCapacity = gcount
        maxB = nb; maxT = nt
    }

    // MARK: forward / backward

    /// Forward pass over `batch`; returns the masked mean loss and leaves the logits and probabilities in the
    /// activation buffer. Call ``reserve(B:T:)`` first or this reserves on first use.
    /// - Throws: ``GPTError/invalidBatch(_:)`` for token ids outside the vocabulary or an oversized batch.
    @discardableResult
    public func forward(_ batch: GPTBatch) throws -> Float {
        try reserve(B: batch.B, T: batch.T)
        let V = config.vocabularySize
        for t in batch.tokens where t < 0 || Int(t) >= V {
            throw GPTError.invalidBatch("token id \(t) is outside the vocabulary 0..<\(V)")
        }
        for t in batch.targets where t < 0 || Int(t) >= V {
            throw GPTError.invalidBatch("target id \(t) is outside the vocabulary 0..<\(V)")
        }
        for t in batch.softIDs where t < 0 || Int(t) >= V {
            throw GPTError.invalidBatch("soft-target id \(t) is outside the vocabulary 0..<\(V)")
        }
        for i in 0..<batch.B * batch.T {
            let p = batch.positions[i], t = i % batch.T
            guard p == 0 || (t > 0 && p == batch.positions[i - 1] + 1) else {
                throw GPTError.invalidBatch("position \(p) at row \(i / batch.T), column \(t) neither starts a sequence (0) nor follows the previous position; each packed sequence counts 0, 1, 2, …")
            }
        }
        let loss = forwardUnchecked(batch, computeGradient: true)
        lastB = batch.B; lastT = batch.T; lastBatch = batch
        return loss
    }

    /// The logits of position `t` of sequence `b` after the last forward (V floats).
    public func logits(b: Int, t: Int) -> UnsafeBufferPointer<Float> {
        let a = acts(B: lastB, T: lastT)
        return UnsafeBufferPointer(start: a.logits + (b * lastT + t) * config.vocabularySize, count: config.vocabularySize)
    }

    /// Forward; when `computeGradient`, the loss's dlogits are written into the gradient scratch.
    func forwardUnchecked(_ batch: GPTBatch, computeGradient: Bool) -> Float {
        let (B, T, C, L, NH, V) = (batch.B, batch.T, config.channels, config.layers, config.heads, config.vocabularySize)
        let N = B * T
        let a = acts(B: B, T: T)
        return batch.positions.withUnsafeBufferPointer { pb -> Float in
            let pos = pb.baseAddress!
            batch.tokens.withUnsafeBufferPointer { tok in
                GPTLayers.encoderForward(a.encoded, tokens: tok.baseAddress!, wte: p(0), wpe: p(1), B: B, T: T, C: C, positions: pos)
            }
            for l in 0..<L {
                let x = l == 0 ? a.encoded : a.layer(l - 1, a.oRes3)
                let ln1 = a.layer(l, a.oLn1), qkv = a.layer(l, a.oQkv), atty = a.layer(l, a.oAtty)
                let res2 = a.layer(l, a.oRes2), ln2 = a.layer(l, a.oLn2), fch = a.layer(l, a.oFch)
                let fchGelu = a.layer(l, a.oFchGelu), res3 = a.layer(l, a.oRes3)
                GPTLayers.layerNormForward(ln1, mean: a.layer(l, a.oLn1Mean), rstd: a.layer(l, a.oLn1Rstd), x,
                                           weight: p(2) + l * C, bias: p(3) + l * C, N: N, C: C)
                GPTLayers.matmulForward(qkv, ln1, weight: p(4) + l * C * 3 * C, bias: p(5) + l * 3 * C, N: N, C: C, OC: 3 * C)
                GPTLayers.attentionForward(atty, att: a.layer(l, a.oAtt), qkv: qkv, B: B, T: T, C: C, NH: NH, positions: pos)
                GPTLayers.matmulForward(a.scratch, atty, weight: p(6) + l * C * C, bias: p(7) + l * C, N: N, C: C, OC: C)
                GPTLayers.residualForward(res2, x, a.scratch, count: N * C)
                GPTLayers.layerNormForward(ln2, mean: a.layer(l, a.oLn2Mean), rstd: a.layer(l, a.oLn2Rstd), res2,
                                           weight: p(8) + l * C, bias: p(9) + l * C, N: N, C: C)
                GPTLayers.matmulForward(fch, ln2, weight: p(10) + l * C * 4 * C, bias: p(11) + l * 4 * C, N: N, C: C, OC: 4 * C)
                GPTLayers.geluForward(fchGelu, fch, count: N * 4 * C)
                GPTLayers.matmulForward(a.scratch, fchGelu, weight: p(12) + l * 4 * C * C, bias: p(13) + l * C, N: N, C: 4 * C, OC: C)
                GPTLayers.residualForward(res3, res2, a.scratch, count: N * C)
            }
            GPTLayers.layerNormForward(a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, a.layer(L - 1, a.oRes3),
                                       weight: p(14), bias: p(15), N: N, C: C)
            // LM head tied to wte: logits = lnf · wteᵀ.
            BLAS.gemm(.none, .transpose, m: N, n: V, k: C, a: a.lnf, lda: C, b: p(0), ldb: C, beta: 0, c: a.logits, ldc: V)
            let dlogits = computeGradient ? gradScratch(B: B, T: T).dlogits : nil
            return batch.tokens.withUnsafeBufferPointer { _ in
                batch.targets.withUnsafeBufferPointer { tg in
                    batch.mask.withUnsafeBufferPointer { m in
                        batch.softIDs.withUnsafeBufferPointer { si in
                            batch.softProbs.withUnsafeBufferPointer { sp in
                                GPTLayers.crossEntropyForwardBackward(
                                    dlogits: dlogits, probs: a.probs, losses: a.losses, logits: a.logits,
                                    targets: tg.baseAddress!, mask: m.baseAddress, softIDs: batch.softK > 0 ? si.baseAddress : nil,
                                    softProbs: batch.softK > 0 ? sp.baseAddress : nil, softK: batch.softK,
                                    softWeight: batch.softWeight, N: N, V: V)
                            }
                        }
                    }
                }
            }
        }
    }

    struct GradScratch {
        var dres, dln, dqkv, datty, dfch, dfchGelu, dlogits, attScratch: UnsafeMutablePointer<Float>
    }

    func gradScratch(B: Int, T: Int) -> GradScratch {
        let BT = B * T, C = config.channels
        let base = activationGradients!
        var off = 0
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { off += n }; return base + off }
        let s = GradScratch(dres: take(BT * C), dln: take(BT * C), dqkv: take(BT * 3 * C), datty: take(BT * C),
                            dfch: take(BT * 4 * C), dfchGelu: take(BT * 4 * C), dlogits: take(BT * config.vocabularySize),
                            attScratch: take(T * T))
        precondition(off <= gradientCapacity)
        return s
    }

    /// Sets all parameter gradients to zero.
    public func zeroGradients() { gradients.update(repeating: 0, count: parameterCount) }

    /// Backward through the last ``forward(_:)``: ACCUMULATES into the gradient buffer.
    /// - Precondition: ``forward(_:)`` was called on a batch that is still alive.
    public func backward() {
        guard let batch = lastBatch else { preconditionFailure("GPT.backward() needs a preceding forward(_:)") }
        let (B, T, C, L, NH, V) = (lastB, lastT, config.channels, config.layers, config.heads, config.vocabularySize)
        let N = B * T
        let a = acts(B: B, T: T), s = gradScratch(B: B, T: T)
        batch.positions.withUnsafeBufferPointer { pb in
            let pos = pb.baseAddress!
            // LM head: dlnf = dlogits · wte, dwte += dlogitsᵀ · lnf.
            BLAS.gemm(.none, .none, m: N, n: C, k: V, a: s.dlogits, lda: V, b: p(0), ldb: C, beta: 0, c: s.dln, ldc: C)
            BLAS.gemm(.transpose, .none, m: V, n: C, k: N, a: s.dlogits, lda: V, b: a.lnf, ldb: C, beta: 1, c: g(0), ldc: C)
            s.dres.update(repeating: 0, count: N * C)
            GPTLayers.layerNormBackward(dinp: s.dres, dweight: g(14), dbias: g(15), dout: s.dln, inp: a.layer(L - 1, a.oRes3),
                                        weight: p(14), mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
            // s.dres is the gradient of the residual stream; each residual add passes it through unchanged.
            for l in stride(from: L - 1, through: 0, by: -1) {
                let x = l == 0 ? a.encoded : a.layer(l - 1, a.oRes3)
                let ln1 = a.layer(l, a.oLn1), qkv = a.layer(l, a.oQkv), atty = a.layer(l, a.oAtty)
                let res2 = a.layer(l, a.oRes2), ln2 = a.layer(l, a.oLn2), fch = a.layer(l, a.oFch), fchGelu = a.layer(l, a.oFchGelu)
                GPTLayers.matmulBackward(dinp: s.dfchGelu, dweight: g(12) + l * 4 * C * C, dbias: g(13) + l * C, dout: s.dres,
                                         inp: fchGelu, weight: p(12) + l * 4 * C * C, N: N, C: 4 * C, OC: C, overwriteInput: true)
                GPTLayers.geluBackward(dinp: s.dfch, inp: fch, dout: s.dfchGelu, count: N * 4 * C)
                GPTLayers.matmulBackward(dinp: s.dln, dweight: g(10) + l * C * 4 * C, dbias: g(11) + l * 4 * C, dout: s.dfch,
                                         inp: ln2, weight: p(10) + l * C * 4 * C, N: N, C: C, OC: 4 * C, overwriteInput: true)
                GPTLayers.layerNormBackward(dinp: s.dres, dweight: g(8) + l * C, dbias: g(9) + l * C, dout: s.dln, inp: res2,
                                            weight: p(8) + l * C, mean: a.layer(l, a.oLn2Mean), rstd: a.layer(l, a.oLn2Rstd), N: N, C: C)
                GPTLayers.matmulBackward(dinp: s.datty, dweight: g(6) + l * C * C, dbias: g(7) + l * C, dout: s.dres,
                                         inp: atty, weight: p(6) + l * C * C, N: N, C: C, OC: C, overwriteInput: true)
                s.dqkv.update(repeating: 0, count: N * 3 * C)
                GPTLayers.attentionBackward(dqkv: s.dqkv, dout: s.datty, qkv: qkv, att: a.layer(l, a.oAtt),
                                            scratch: s.attScratch, B: B, T: T, C: C, NH: NH, positions: pos)
                GPTLayers.matmulBackward(dinp: s.dln, dweight: g(4) + l * C * 3 * C, dbias: g(5) + l * 3 * C, dout: s.dqkv,
                                         inp: ln1, weight: p(4) + l * C * 3 * C, N: N, C: C, OC: 3 * C, overwriteInput: true)
                GPTLayers.layerNormBackward(dinp: s.dres, dweight: g(2) + l * C, dbias: g(3) + l * C, dout: s.dln, inp: x,
                                            weight: p(2) + l * C, mean: a.layer(l, a.oLn1Mean), rstd: a.layer(l, a.oLn1Rstd), N: N, C: C)
            }
            batch.tokens.withUnsafeBufferPointer { tok in
                GPTLayers.encoderBackward(dwte: g(0), dwpe: g(1), dout: s.dres, tokens: tok.baseAddress!, B: B, T: T, C: C, positions: pos)
            }
        }
    }
}
