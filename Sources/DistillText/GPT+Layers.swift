import CKernels
import DistillCore
import Foundation

/// The GPT's layers as forward/backward pairs over raw buffers (llm.c style).
/// Shapes: N rows (B·T positions), C channels. Backward functions ACCUMULATE into
/// parameter gradients and, unless noted, into input gradients.
public enum GPTLayers {
    // MARK: encoder

    /// out[n] = wte[token[n]] + wpe[position[n]], position[n] = n mod T when `positions` is nil
    /// (a packed row restarts its positions at each sequence: see ``GPTBatch/positions``).
    public static func encoderForward(_ out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                                      wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int,
                                      positions: UnsafePointer<Int32>? = nil) {
        for b in 0..<B {
            for t in 0..<T {
                let o = out + (b * T + t) * C
                let e = wte + Int(tokens[b * T + t]) * C, p = wpe + Int(positions?[b * T + t] ?? Int32(t)) * C
                for i in 0..<C { o[i] = e[i] + p[i] }
            }
        }
    }

    public static func encoderBackward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>,
                                       dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, B: Int, T: Int, C: Int,
                                       positions: UnsafePointer<Int32>? = nil) {
        for b in 0..<B {
            for t in 0..<T {
                let d = dout + (b * T + t) * C
                let e = dwte + Int(tokens[b * T + t]) * C, p = dwpe + Int(positions?[b * T + t] ?? Int32(t)) * C
                for i in 0..<C { e[i] += d[i]; p[i] += d[i] }
            }
        }
    }

    // MARK: layernorm

    /// out = (x − mean)·rstd·w + b per row, eps 1e-5; saves mean and rstd for backward.
    public static func layerNormForward(_ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                        rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, N: Int, C: Int) {
        distill_layernorm_forward(out, mean, rstd, inp, weight, bias, N, C)
    }

    public static func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                         dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                         inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int) {
        distill_layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C)
    }

    // MARK: matmul (weights stored [in × out], HF Conv1D layout)

    /// out[N×OC] = inp[N×C] · W[C×OC] + bias (bias optional).
    public static func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int) {
        if let bias {
            for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
        }
        BLAS.gemm(.none, .none, m: N, n: OC, k: C, a: inp, lda: C, b: weight, ldb: OC,
                  beta: bias == nil ? 0 : 1, c: out, ldc: OC)
    }

    /// dinp (overwritten if `overwriteInput`, else accumulated) = dout·Wᵀ; dW += inpᵀ·dout; dbias += Σ rows.
    public static func matmulBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                      dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                      inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      N: Int, C: Int, OC: Int, overwriteInput: Bool = false) {
        BLAS.gemm(.none, .transpose, m: N, n: C, k: OC, a: dout, lda: OC, b: weight, ldb: OC,
                  beta: overwriteInput ? 0 : 1, c: dinp, ldc: C)
        BLAS.gemm(.transpose, .none, m: C, n: OC, k: N, a: inp, lda: C, b: dout, ldb: OC, beta: 1, c: dweight, ldc: OC)
        if let dbias { distill_add_rows(dbias, dout, N, OC) }
    }

    // MARK: attention

    /// Causal multi-head attention. qkv is [B·T × 3C] (q | k | v); att is [B·NH × T × T]
    /// (post-softmax, saved for backward); out is [B·T × C]. Per batch×head and block of `rowBlock`
    /// query rows, QKᵀ and AV by sgemm over only the key columns the block can see (the causal mask
    /// makes the rest zero): at T = 256 and blocks of 64 that is 5/8 of the full products' work.
    ///
    /// With `positions` (packed rows), position t of row b sees only keys t − positions[b·T + t] ... t:
    /// its own sequence, so a packed row computes what its sequences would alone.
    /// - Precondition: 0 ≤ positions[b·T + t] ≤ t.
    public static func attentionForward(_ out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                                        qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int, rowBlock: Int = 64,
                                        positions: UnsafePointer<Int32>? = nil) {
        let hs = C / NH, C3 = 3 * C
        let scale = 1 / Float(hs).squareRoot()
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let a = att + (b * NH + h) * T * T
                for r0 in stride(from: 0, to: T, by: rowBlock) {
                    let r1 = min(T, r0 + rowBlock)
                    BLAS.gemm(.none, .transpose, m: r1 - r0, n: r1, k: hs, alpha: scale, a: q + r0 * C3, lda: C3, b: k, ldb: C3,
                              beta: 0, c: a + r0 * T, ldc: T)
                    // Row t: softmax over columns s...t (s = its sequence's start, 0 unpacked); zeros the rest of
                    // the row (also the columns ≥ r1 not computed).
                    for t in r0..<r1 {
                        let s = t - Int(positions?[b * T + t] ?? Int32(t))
                        if s > 0 { (a + t * T).update(repeating: 0, count: s) }
                        distill_softmax_row(a + t * T + s, t + 1 - s, T - s)
                    }
                    BLAS.gemm(.none, .none, m: r1 - r0, n: hs, k: r1, a: a + r0 * T, lda: T, b: v, ldb: C3, beta: 0,
                              c: out + (b * T + r0) * C + h * hs, ldc: C)
                }
            }
        }
    }

    /// Softmax over row[0..<count]; row[count..<width] set to 0 (the causal mask).
    @inline(__always)
    static func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
        distill_softmax_row(row, count, width)
    }

    /// dqkv += ∂/∂qkv. `scratch` holds T×T floats (the gradient of one head's scores). Blocks of
    /// `rowBlock` query rows, over the visible key columns only, as in ``attentionForward``.
    public static func attentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                         qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                                         scratch: UnsafeMutablePointer<Float>, B: Int, T: Int, C: Int, NH: Int, rowBlock: Int = 64,
                                         positions: UnsafePointer<Int32>? = nil) {
        let hs = C / NH, C3 = 3 * C
        let scale = 1 / Float(hs).squareRoot()
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
                let a = att + (b * NH + h) * T * T
                let dy = dout + b * T * C + h * hs
                for r0 in stride(from: 0, to: T, by: rowBlock) {
                    let r1 = min(T, r0 + rowBlock), m = r1 - r0
                    let ab = a + r0 * T, sb = scratch + r0 * T
                    // dA = dY·Vᵀ, dV += Aᵀ·dY
                    BLAS.gemm(.none, .transpose, m: m, n: r1, k: hs, a: dy + r0 * C, lda: C, b: v, ldb: C3, beta: 0, c: sb, ldc: T)
                    BLAS.gemm(.transpose, .none, m: r1, n: hs, k: m, a: ab, lda: T, b: dy + r0 * C, ldb: C, beta: 1, c: dv, ldc: C3)
                    // softmax backward in place: dS = A ⊙ (dA − Σ A·dA) over the visible columns s...t of each row
                    for t in r0..<r1 {
                        let row = scratch + t * T
                        let s = t - Int(positions?[b * T + t] ?? Int32(t))
                        distill_softmax_row_backward(a + t * T + s, row + s, t + 1 - s)
                        if s > 0 { row.update(repeating: 0, count: s) }  // masked: dS is zero there
                        for j in (t + 1)..<max(t + 1, r1) { row[j] = 0 }
                    }
                    // dQ += scale·dS·K, dK += scale·dSᵀ·Q
                    BLAS.gemm(.none, .none, m: m, n: hs, k: r1, alpha: scale, a: sb, lda: T, b: k, ldb: C3, beta: 1, c: dq + r0 * C3, ldc: C3)
                    BLAS.gemm(.transpose, .none, m: r1, n: hs, k: m, alpha: scale, a: sb, lda: T, b: q + r0 * C3, ldb: C3, beta: 1, c: dk, ldc: C3)
                }
            }
        }
    }

    // MARK: GELU (tanh approximation)

    static let geluScale: Float = (2 / Float.pi).squareRoot()

    public static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int) {
        distill_gelu_forward(out, inp, count)
    }

    /// dinp (overwritten) = gelu'(inp) · dout.
    public static func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                    dout: UnsafePointer<Float>, count: Int) {
        distill_gelu_backward(dinp, inp, dout, count)
    }

    // MARK: residual

    /// out = a + b.
    public static func residualForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                       _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// da += dout, db += dout. (In the model the residual stream's gradient lives in one
    /// buffer, so this is the identity there and is not called.)
    public static func residualBackward(da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
                                        dout: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { da[i] += dout[i]; db[i] += dout[i] }
    }

    // MARK: softmax cross-entropy (hard and soft targets, loss mask)

    /// For each of N rows of logits [N×V]: probs = softmax; the row's loss is
    /// (1−α)·(−log p[target]) + α·(−Σ q_j log p_j) over the renormalised soft targets q (α = 0 when
    /// the row has none); the total is Σ w_n·loss_n / Σ w_n with w the mask (all 1 if nil).
    /// Writes dlogits = w_n/Σw · (p − target distribution) (overwrites) and returns the mean loss.
    /// Soft targets: `k` ids and probabilities per row; a row whose probabilities sum to 0 has none.
    public static func crossEntropyForwardBackward(dlogits: UnsafeMutablePointer<Float>?, probs: UnsafeMutablePointer<Float>,
                                                   losses: UnsafeMutablePointer<Float>,
                                                   logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                                   mask: UnsafePointer<Float>?, softIDs: UnsafePointer<Int32>?,
                                                   softProbs: UnsafePointer<Float>?, softK: Int, softWeight: Float,
                                                   N: Int, V: Int) -> Float {
        var wsum: Double = 0
        for n in 0..<N { wsum += Double(mask?[n] ?? 1) }
        let invW: Float = wsum > 0 ? Float(1 / wsum) : 0
        var total: Double = 0
        for n in 0..<N {
            let l = logits + n * V, p = probs + n * V
            let logZ = distill_softmax_logz(p, l, V)
            let w = mask?[n] ?? 1
            var qsum: Float = 0
            if let softProbs, softK > 0 { for j in 0..<softK { qsum += softProbs[n * softK + j] } }
            let alpha: Float = qsum > 0 ? softWeight : 0
            var loss: Float = 0
            let y = Int(targets[n])
            if alpha < 1 { loss += (1 - alpha) * (logZ - l[y]) }
            if alpha > 0, let softIDs, let softProbs {
                for j in 0..<softK {
                    let q = softProbs[n * softK + j] / qsum
                    if q > 0 { loss += alpha * q * (logZ - l[Int(softIDs[n * softK + j])]) }
                }
            }
            losses[n] = loss
            total += Double(w * loss)
            if let dlogits {
                let d = dlogits + n * V
                let s = w * invW
                for j in 0..<V { d[j] = s * p[j] }
                if alpha < 1 { d[y] -= s * (1 - alpha) }
                if alpha > 0, let softIDs, let softProbs {
                    for j in 0..<softK {
                        let q = softProbs[n * softK + j] / qsum
                        d[Int(softIDs[n * softK + j])] -= s * alpha * q
                    }
                }
            }
        }
        return Float(total) * invW
    }
}
