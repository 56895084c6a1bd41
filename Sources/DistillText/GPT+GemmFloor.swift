import DistillCore

extension GPT {
    /// Exactly the sgemm calls of one ``trainStep(_:settings:)`` at (B, T), same shapes, strides and
    /// buffers, with no other work: the step's sgemm-only floor (for `distill-lab bench`). The
    /// buffers' contents become meaningless; call ``zeroGradients()`` and reload weights before training.
    /// - Precondition: ``reserve(B:T:)`` was called for (B, T).
    public func sgemmOnlyStep(B: Int, T: Int) {
        precondition(B <= maxB && T <= maxT, "reserve(B:T:) first")
        let (C, L, NH, V) = (config.channels, config.layers, config.heads, config.vocabularySize)
        let N = B * T, hs = C / NH, C3 = 3 * C
        let a = acts(B: B, T: T), s = gradScratch(B: B, T: T)
        func mm(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ C: Int, _ OC: Int) {
            BLAS.gemm(.none, .none, m: N, n: OC, k: C, a: inp, lda: C, b: w, ldb: OC, beta: 1, c: out, ldc: OC)
        }
        func mmBack(_ dinp: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                    _ inp: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ C: Int, _ OC: Int) {
            BLAS.gemm(.none, .transpose, m: N, n: C, k: OC, a: dout, lda: OC, b: w, ldb: OC, beta: 0, c: dinp, ldc: C)
            BLAS.gemm(.transpose, .none, m: C, n: OC, k: N, a: inp, lda: C, b: dout, ldb: OC, beta: 1, c: dw, ldc: OC)
        }
        let scale = 1 / Float(hs).squareRoot(), rowBlock = 64  // as GPTLayers' attention
        for l in 0..<L {
            let ln1 = a.layer(l, a.oLn1), qkv = a.layer(l, a.oQkv), atty = a.layer(l, a.oAtty), att = a.layer(l, a.oAtt)
            mm(qkv, ln1, p(4) + l * C * C3, C, C3)
            for b in 0..<B { for h in 0..<NH {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C, at = att + (b * NH + h) * T * T
                for r0 in stride(from: 0, to: T, by: rowBlock) {
                    let r1 = min(T, r0 + rowBlock)
                    BLAS.gemm(.none, .transpose, m: r1 - r0, n: r1, k: hs, alpha: scale, a: q + r0 * C3, lda: C3, b: k, ldb: C3, beta: 0, c: at + r0 * T, ldc: T)
                    BLAS.gemm(.none, .none, m: r1 - r0, n: hs, k: r1, a: at + r0 * T, lda: T, b: v, ldb: C3, beta: 0, c: atty + (b * T + r0) * C + h * hs, ldc: C)
                }
            } }
            mm(a.scratch, atty, p(6) + l * C * C, C, C)
            mm(a.layer(l, a.oFch), a.layer(l, a.oLn2), p(10) + l * C * 4 * C, C, 4 * C)
            mm(a.scratch, a.layer(l, a.oFchGelu), p(12) + l * 4 * C * C, 4 * C, C)
        }
        BLAS.gemm(.none, .transpose, m: N, n: V, k: C, a: a.lnf, lda: C, b: p(0), ldb: C, beta: 0, c: a.logits, ldc: V)
        BLAS.gemm(.none, .none, m: N, n: C, k: V, a: s.dlogits, lda: V, b: p(0), ldb: C, beta: 0, c: s.dln, ldc: C)
        BLAS.gemm(.transpose, .none, m: V, n: C, k: N, a: s.dlogits, lda: V, b: a.lnf, ldb: C, beta: 1, c: g(0), ldc: C)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let qkv = a.layer(l, a.oQkv), att = a.layer(l, a.oAtt)
            mmBack(s.dfchGelu, g(12) + l * 4 * C * C, s.dres, a.layer(l, a.oFchGelu), p(12) + l * 4 * C * C, 4 * C, C)
            mmBack(s.dln, g(10) + l * C * 4 * C, s.dfch, a.layer(l, a.oLn2), p(10) + l * C * 4 * C, C, 4 * C)
            mmBack(s.datty, g(6) + l * C * C, s.dres, a.layer(l, a.oAtty), p(6) + l * C * C, C, C)
            for b in 0..<B { for h in 0..<NH {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let dq = s.dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
                let at = att + (b * NH + h) * T * T, dy = s.datty + b * T * C + h * hs
                for r0 in stride(from: 0, to: T, by: rowBlock) {
                    let r1 = min(T, r0 + rowBlock), m = r1 - r0, ab = at + r0 * T, sb = s.attScratch + r0 * T
                    BLAS.gemm(.none, .transpose, m: m, n: r1, k: hs, a: dy + r0 * C, lda: C, b: v, ldb: C3, beta: 0, c: sb, ldc: T)
                    BLAS.gemm(.transpose, .none, m: r1, n: hs, k: m, a: ab, lda: T, b: dy + r0 * C, ldb: C, beta: 1, c: dv, ldc: C3)
                    BLAS.gemm(.none, .none, m: m, n: hs, k: r1, alpha: scale, a: sb, lda: T, b: k, ldb: C3, beta: 1, c: dq + r0 * C3, ldc: C3)
                    BLAS.gemm(.transpose, .none, m: r1, n: hs, k: m, alpha: scale, a: sb, lda: T, b: q + r0 * C3, ldb: C3, beta: 1, c: dk, ldc: C3)
                }
            } }
            mmBack(s.dln, g(4) + l * C * C3, s.dqkv, a.layer(l, a.oLn1), p(4) + l * C * C3, C, C3)
        }
    }
}
