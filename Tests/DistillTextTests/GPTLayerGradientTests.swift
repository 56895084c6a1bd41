import XCTest
import DistillCore
@testable import DistillText

/// Finite-difference checks: loss = Σ out·R (R random), central differences in Float with the
/// loss accumulated in Double; relative error max|a−n| / max(max|n|, 1e-3).
final class GPTLayerGradientTests: XCTestCase {
    var rng = RandomStream(seed: 7, label: "gradcheck")
    func randn(_ n: Int, _ s: Double = 1) -> [Float] { (0..<n).map { _ in Float(s * rng.normal()) } }

    /// Max relative error between analytic and numeric gradient of `loss` w.r.t. `x` at up to `probes` entries.
    static func check(_ x: inout [Float], analytic: [Float], eps: Float = 1e-2, probes: Int = 40,
                      loss: ([Float]) -> Double) -> Double {
        var worst = 0.0, scale = 1e-3
        let stride = max(1, x.count / probes)
        var numeric: [(Int, Double)] = []
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let old = x[i]
            x[i] = old + eps; let lp = loss(x)
            x[i] = old - eps; let lm = loss(x)
            x[i] = old
            let n = (lp - lm) / Double(2 * eps)
            numeric.append((i, n)); scale = max(scale, abs(n))
        }
        for (i, n) in numeric { worst = max(worst, abs(Double(analytic[i]) - n)) }
        return worst / scale
    }

    func dotR(_ out: [Float], _ r: [Float]) -> Double { zip(out, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

    func testLayerNorm() {
        let (N, C) = (3, 8)
        var x = randn(N * C), w = randn(C), b = randn(C)
        let r = randn(N * C)
        func f(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: N * C), m = [Float](repeating: 0, count: N), s = m
            GPTLayers.layerNormForward(&out, mean: &m, rstd: &s, x, weight: w, bias: b, N: N, C: C)
            return dotR(out, r)
        }
        var out = [Float](repeating: 0, count: N * C), m = [Float](repeating: 0, count: N), s = m
        GPTLayers.layerNormForward(&out, mean: &m, rstd: &s, x, weight: w, bias: b, N: N, C: C)
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C), db = dw
        GPTLayers.layerNormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, mean: m, rstd: s, N: N, C: C)
        XCTAssertLessThan(Self.check(&x, analytic: dx, eps: 1e-3) { f($0, w, b) }, 2e-2)
        XCTAssertLessThan(Self.check(&w, analytic: dw) { f(x, $0, b) }, 1e-2)
        XCTAssertLessThan(Self.check(&b, analytic: db) { f(x, w, $0) }, 1e-2)
        // A deliberately wrong gradient fails the same check.
        var wrong = dx; wrong[0] *= 1.5; wrong[0] += 0.5
        XCTAssertGreaterThan(Self.check(&x, analytic: wrong, eps: 1e-3, probes: N * C) { f($0, w, b) }, 5e-2)
    }

    func testMatmul() {
        let (N, C, OC) = (4, 5, 6)
        var x = randn(N * C), w = randn(C * OC), b = randn(OC)
        let r = randn(N * OC)
        func f(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: N * OC)
            GPTLayers.matmulForward(&out, x, weight: w, bias: b, N: N, C: C, OC: OC)
            return dotR(out, r)
        }
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C * OC), db = [Float](repeating: 0, count: OC)
        GPTLayers.matmulBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, N: N, C: C, OC: OC)
        XCTAssertLessThan(Self.check(&x, analytic: dx) { f($0, w, b) }, 1e-2)
        XCTAssertLessThan(Self.check(&w, analytic: dw) { f(x, $0, b) }, 1e-2)
        XCTAssertLessThan(Self.check(&b, analytic: db) { f(x, w, $0) }, 1e-2)
        var wrongW = dw; wrongW[1] = -wrongW[1] + 1
        XCTAssertGreaterThan(Self.check(&w, analytic: wrongW, probes: C * OC) { f(x, $0, b) }, 5e-2)
    }

    func testAttention() {
        let (B, T, C, NH) = (2, 5, 8, 2)
        var qkv = randn(B * T * 3 * C)
        let r = randn(B * T * C)
        func f(_ q: [Float]) -> Double {
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            GPTLayers.attentionForward(&out, att: &att, qkv: q, B: B, T: T, C: C, NH: NH)
            return dotR(out, r)
        }
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
        GPTLayers.attentionForward(&out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        // Causality: the attention above the diagonal is exactly zero and each row sums to 1.
        for t in 0..<T { XCTAssertEqual(att[t * T ..< t * T + t + 1].reduce(0, +), 1, accuracy: 1e-5); if t + 1 < T { XCTAssertEqual(att[t * T + t + 1], 0) } }
        var dqkv = [Float](repeating: 0, count: qkv.count), scratch = [Float](repeating: 0, count: T * T)
        GPTLayers.attentionBackward(dqkv: &dqkv, dout: r, qkv: qkv, att: att, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        XCTAssertLessThan(Self.check(&qkv, analytic: dqkv, eps: 1e-3, probes: 120) { f($0) }, 2e-2)
        var wrong = dqkv; for i in stride(from: C, to: 2 * C, by: 1) { wrong[i] = 0 }  // drop dK of position 0
        XCTAssertGreaterThan(Self.check(&qkv, analytic: wrong, eps: 1e-3, probes: qkv.count) { f($0) }, 5e-2)
    }

    /// Causal blocks of 2 query rows (over the visible key columns only) give the full products'
    /// result and pass the same gradient check.
    func testAttentionInRowBlocks() {
        let (B, T, C, NH) = (2, 7, 8, 2)
        var qkv = randn(B * T * 3 * C)
        let r = randn(B * T * C)
        func run(_ q: [Float], _ block: Int) -> ([Float], [Float]) {
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            GPTLayers.attentionForward(&out, att: &att, qkv: q, B: B, T: T, C: C, NH: NH, rowBlock: block)
            return (out, att)
        }
        let (full, attFull) = run(qkv, 64), (blocked, att) = run(qkv, 2)
        for i in full.indices { XCTAssertEqual(full[i], blocked[i], accuracy: 1e-5) }
        var dFull = [Float](repeating: 0, count: qkv.count), dBlocked = dFull, scratch = [Float](repeating: 0, count: T * T)
        GPTLayers.attentionBackward(dqkv: &dFull, dout: r, qkv: qkv, att: attFull, scratch: &scratch, B: B, T: T, C: C, NH: NH, rowBlock: 64)
        GPTLayers.attentionBackward(dqkv: &dBlocked, dout: r, qkv: qkv, att: att, scratch: &scratch, B: B, T: T, C: C, NH: NH, rowBlock: 2)
        for i in dFull.indices { XCTAssertEqual(dFull[i], dBlocked[i], accuracy: 1e-5) }
        XCTAssertLessThan(Self.check(&qkv, analytic: dBlocked, eps: 1e-3, probes: 120) { dotR(run($0, 2).0, r) }, 2e-2)
    }

    /// Packed rows (positions restarting at each sequence): the attention never reaches into an
    /// earlier sequence, equals the attention over that sequence alone, and passes the gradient check.
    func testAttentionOverPackedSequences() {
        let (T, C, NH) = (7, 8, 2)
        // One row: a sequence of 3 positions, then one of 4 (in blocks of 2 rows, so a block straddles).
        let positions: [Int32] = [0, 1, 2, 0, 1, 2, 3]
        var qkv = randn(T * 3 * C)
        let r = randn(T * C)
        func run(_ q: [Float], _ T: Int, _ pos: [Int32]?) -> ([Float], [Float]) {
            var out = [Float](repeating: 0, count: T * C), att = [Float](repeating: 0, count: NH * T * T)
            GPTLayers.attentionForward(&out, att: &att, qkv: q, B: 1, T: T, C: C, NH: NH, rowBlock: 2, positions: pos)
            return (out, att)
        }
        let (packed, att) = run(qkv, T, positions)
        for h in 0..<NH {
            for t in 3..<T { for j in 0..<3 { XCTAssertEqual(att[h * T * T + t * T + j], 0, "row \(t) sees the first sequence") } }
        }
        let (first, _) = run(Array(qkv[0 ..< 3 * 3 * C]), 3, nil), (second, _) = run(Array(qkv[3 * 3 * C ..< T * 3 * C]), 4, nil)
        let alone = first + second
        for i in alone.indices { XCTAssertEqual(packed[i], alone[i], accuracy: 1e-6) }
        var dqkv = [Float](repeating: 0, count: qkv.count), scratch = [Float](repeating: 0, count: T * T)
        GPTLayers.attentionBackward(dqkv: &dqkv, dout: r, qkv: qkv, att: att, scratch: &scratch, B: 1, T: T, C: C, NH: NH,
                                    rowBlock: 2, positions: positions)
        XCTAssertLessThan(Self.check(&qkv, analytic: dqkv, eps: 1e-3, probes: 120) { dotR(run($0, T, positions).0, r) }, 2e-2)
        // Without the positions the second sequence's keys get gradient from the first's: not the same.
        var unpacked = [Float](repeating: 0, count: qkv.count)
        let (_, attAll) = run(qkv, T, nil)
        GPTLayers.attentionBackward(dqkv: &unpacked, dout: r, qkv: qkv, att: attAll, scratch: &scratch, B: 1, T: T, C: C, NH: NH, rowBlock: 2)
        XCTAssertGreaterThan(zip(unpacked, dqkv).map { abs($0 - $1) }.max()!, 1e-3)
    }

    func testGELUResidualEncoder() {
        var x = randn(50, 2)
        let r = randn(50)
        func f(_ x: [Float]) -> Double { var o = [Float](repeating: 0, count: 50); GPTLayers.geluForward(&o, x, count: 50); return dotR(o, r) }
        var dx = [Float](repeating: 0, count: 50)
        GPTLayers.geluBackward(dinp: &dx, inp: x, dout: r, count: 50)
        XCTAssertLessThan(Self.check(&x, analytic: dx, eps: 1e-3, probes: 50) { f($0) }, 1e-2)
        // Reference value: gelu_tanh(1) = 0.8411920.
        var one: [Float] = [0]; GPTLayers.geluForward(&one, [1], count: 1); XCTAssertEqual(one[0], 0.841192, accuracy: 1e-5)

        var a = randn(20), b = randn(20)
        let r2 = randn(20)
        func g(_ a: [Float], _ b: [Float]) -> Double { var o = [Float](repeating: 0, count: 20); GPTLayers.residualForward(&o, a, b, count: 20); return dotR(o, r2) }
        var da = [Float](repeating: 0, count: 20), db = da
        GPTLayers.residualBackward(da: &da, db: &db, dout: r2, count: 20)
        XCTAssertLessThan(Self.check(&a, analytic: da) { g($0, b) }, 1e-3)
        XCTAssertLessThan(Self.check(&b, analytic: db) { g(a, $0) }, 1e-3)

        let (B, T, C, V) = (2, 3, 4, 5)
        var wte = randn(V * C), wpe = randn(T * C)
        let tokens: [Int32] = [1, 4, 1, 0, 2, 1], r3 = randn(B * T * C)
        func e(_ wte: [Float], _ wpe: [Float]) -> Double {
            var o = [Float](repeating: 0, count: B * T * C)
            GPTLayers.encoderForward(&o, tokens: tokens, wte: wte, wpe: wpe, B: B, T: T, C: C); return dotR(o, r3)
        }
        var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: T * C)
        GPTLayers.encoderBackward(dwte: &dwte, dwpe: &dwpe, dout: r3, tokens: tokens, B: B, T: T, C: C)
        XCTAssertLessThan(Self.check(&wte, analytic: dwte, probes: V * C) { e($0, wpe) }, 1e-3)
        XCTAssertLessThan(Self.check(&wpe, analytic: dwpe, probes: T * C) { e(wte, $0) }, 1e-3)
    }

    func testCrossEntropyHardSoftAndMask() {
        let (N, V, K) = (4, 7, 3)
        var logits = randn(N * V)
        let targets: [Int32] = [1, 6, 0, 3], mask: [Float] = [1, 0, 1, 0.5]
        let ids: [Int32] = [1, 2, 3, 0, 0, 0, 6, 5, 4, 2, 2, 1]
        let probs: [Float] = [0.5, 0.3, 0.1, 0, 0, 0, 0.7, 0.2, 0.05, 0.4, 0.4, 0.2]  // row 1 has no soft target
        func f(_ l: [Float], _ alpha: Float, _ d: UnsafeMutablePointer<Float>?) -> Float {
            var p = [Float](repeating: 0, count: N * V), losses = [Float](repeating: 0, count: N)
            return GPTLayers.crossEntropyForwardBackward(dlogits: d, probs: &p, losses: &losses, logits: l, targets: targets, mask: mask,
                                                         softIDs: ids, softProbs: probs, softK: K, softWeight: alpha, N: N, V: V)
        }
        for alpha: Float in [0, 0.3, 1] {
            var d = [Float](repeating: 0, count: N * V)
            _ = d.withUnsafeMutableBufferPointer { f(logits, alpha, $0.baseAddress) }
            XCTAssertLessThan(Self.check(&logits, analytic: d, eps: 1e-3, probes: N * V) { Double(f($0, alpha, nil)) }, 1e-2)
        }
        // Reference: hard loss of row 0 alone = logsumexp − logit[target].
        let row = Array(logits[0..<V]).map(Double.init)
        let lse = log(row.map { exp($0) }.reduce(0, +))
        var p = [Float](repeating: 0, count: V), losses: [Float] = [0]
        let l0 = GPTLayers.crossEntropyForwardBackward(dlogits: nil, probs: &p, losses: &losses, logits: logits, targets: targets, mask: nil,
                                                        softIDs: nil, softProbs: nil, softK: 0, softWeight: 0, N: 1, V: V)
        XCTAssertEqual(Double(l0), lse - row[1], accuracy: 1e-5)
    }
}
