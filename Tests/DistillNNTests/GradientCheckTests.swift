import XCTest
import DistillCore
import DistillNN

/// Finite-difference checks of every layer (dense, ReLU) and every loss,
/// through the MLP's backward pass.
final class GradientCheckTests: XCTestCase {
    enum Case { case ce, soft, kd(Float, Float) }

    /// Batch-mean loss and (optionally) analytic gradients into `model.gradients`.
    func loss(_ model: MLP, _ x: Matrix, _ y: [Int32], _ t: Matrix, _ c: Case, backward: Bool) -> Double {
        let b = x.rows, k = model.classCount
        let acts = MLPActivations(for: model, capacity: b)
        let z = model.forward(x.storage, batch: b, activations: acts)
        let g = acts.logitsGradient.storage
        let inv = 1 / Float(b)
        var l = 0.0
        y.withUnsafeBufferPointer { yp in
            switch c {
            case .ce:
                l = Losses.crossEntropy(logits: z, labels: yp.baseAddress!, rows: b, classes: k, gradient: g, scale: inv)
            case .soft:
                l = Losses.softCrossEntropy(logits: z, targets: t.storage, rows: b, classes: k, gradient: g, scale: inv)
            case let .kd(temp, alpha):
                let tt = t.copy()
                Losses.temper(tt.storage, rows: b, classes: k, temperature: temp)
                l = Double(alpha * temp * temp) * Losses.softCrossEntropy(logits: z, targets: tt.storage, rows: b, classes: k,
                                                                         temperature: temp, gradient: g, scale: alpha * temp * temp * inv)
                l += Double(1 - alpha) * Losses.crossEntropy(logits: z, labels: yp.baseAddress!, rows: b, classes: k,
                                                             gradient: g, scale: (1 - alpha) * inv, accumulate: true)
            }
        }
        if backward { model.backward(x.storage, batch: b, activations: acts) }
        return l / Double(b)
    }

    func check(_ c: Case, sizes: [Int], file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomStream(seed: 11, label: "gradcheck")
        let model = MLP(sizes: sizes, initialization: .xavier, rng: &rng)
        // Non-zero biases so their gradients are exercised away from zero.
        for l in model.layers { for j in 0..<l.outputs { model.parameters.storage[l.biasOffset + j] = Float(rng.uniform() * 0.2 - 0.1) } }
        let b = 5, k = model.classCount
        let x = Matrix(rows: b, cols: sizes[0], values: (0..<(b * sizes[0])).map { _ in Float(rng.uniform() * 2 - 1) })
        let y = (0..<b).map { _ in Int32(rng.int(below: k)) }
        // Probability targets with an exact zero (as top-k responses have) and one unnormalised row.
        var tv = [Float]()
        for r in 0..<b {
            var row = (0..<k).map { _ in Float(rng.uniform() + 0.05) }
            row[0] = r == 1 ? 0 : row[0]
            let s = row.reduce(0, +)
            tv += row.map { $0 / s * (r == 2 ? 0.8 : 1) }
        }
        let t = Matrix(rows: b, cols: k, values: tv)
        _ = loss(model, x, y, t, c, backward: true)
        let analytic = model.gradients.values
        let h: Float = 1e-2
        var worst = 0.0
        for i in 0..<model.parameterCount {
            let p = model.parameters.storage
            let saved = p[i]
            p[i] = saved + h; let lp = loss(model, x, y, t, c, backward: false)
            p[i] = saved - h; let lm = loss(model, x, y, t, c, backward: false)
            p[i] = saved
            let numeric = (lp - lm) / Double(2 * h)
            let err = abs(numeric - Double(analytic[i])) / max(1e-2, abs(numeric) + abs(Double(analytic[i])))
            worst = max(worst, err)
            XCTAssertLessThan(err, 2e-2, "parameter \(i): numeric \(numeric) vs analytic \(analytic[i])", file: file, line: line)
        }
        XCTAssertLessThan(worst, 2e-2, file: file, line: line)
    }

    func testCrossEntropyThroughDenseAndReLU() { check(.ce, sizes: [6, 8, 5, 4]) }
    func testSoftCrossEntropyWithZerosAndUnnormalisedTargets() { check(.soft, sizes: [6, 7, 4]) }
    func testDistillationLossHighTemperature() { check(.kd(4, 0.7), sizes: [6, 7, 4]) }
    func testDistillationLossPureSoftAndPureHard() {
        check(.kd(2, 1), sizes: [5, 4])
        check(.kd(3, 0), sizes: [5, 4])
    }
    func testSingleDenseLayer() { check(.ce, sizes: [9, 3]) }
}
