import XCTest
import DistillCore
import DistillNN

/// The input-gradient pass against central finite differences and a
/// hand-computed one-layer case.
final class InputGradientTests: XCTestCase {
    /// A 2-layer model with random weights and non-zero biases.
    func model(_ sizes: [Int], seed: UInt64) -> MLP {
        var rng = RandomStream(seed: seed, label: "input-gradient")
        let m = MLP(sizes: sizes, initialization: .xavier, rng: &rng)
        for l in m.layers { for j in 0..<l.outputs { m.parameters.storage[l.biasOffset + j] = Float(rng.uniform() * 0.2 - 0.1) } }
        return m
    }

    func inputs(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed, label: "x")
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(rng.uniform()) })
    }

    /// Which hidden ReLUs are active for every row (finite differences across a kink are not derivatives).
    func activePattern(_ m: MLP, _ x: Matrix) -> [Bool] {
        let acts = MLPActivations(for: m, capacity: x.rows)
        m.forward(x.storage, batch: x.rows, activations: acts)
        return acts.outputs.dropLast().flatMap { $0.values.map { $0 > 0 } }
    }

    func testLogitGradientMatchesFiniteDifferences() {
        let m = model([6, 9, 7, 4], seed: 3)
        let x = inputs(5, 6, seed: 4)
        let classes: [Int32] = [0, 3, 1, 2, 3]
        let g = m.logitGradients(x, classes: classes)
        let pattern = activePattern(m, x)
        let h: Float = 1e-2
        var worst: Float = 0
        var nonZero = 0, kinks = 0
        for r in 0..<x.rows {
            for j in 0..<x.cols {
                let saved = x[r, j]
                x[r, j] = saved + h
                let up = m.logits(x)[r, Int(classes[r])]
                let crossedUp = activePattern(m, x) != pattern
                x[r, j] = saved - h
                let down = m.logits(x)[r, Int(classes[r])]
                let crossedDown = activePattern(m, x) != pattern
                x[r, j] = saved
                if crossedUp || crossedDown { kinks += 1; continue }
                let numeric = (up - down) / (2 * h)
                // Relative error with the symmetric floor GradientCheckTests uses.
                worst = max(worst, abs(numeric - g[r, j]) / max(1e-2, abs(numeric) + abs(g[r, j])))
                if abs(g[r, j]) > 1e-4 { nonZero += 1 }
            }
        }
        XCTAssertLessThan(worst, 1e-3, "worst relative error \(worst)")
        XCTAssertLessThan(kinks, x.count / 5, "too many ReLU kinks within ±h to check")
        XCTAssertGreaterThan(nonZero, x.count / 2, "the gradient should not be trivially zero")
    }

    func testCrossEntropyInputGradientMatchesFiniteDifferences() {
        // A general ∂L/∂logits (softmax − onehot) rather than a one-hot row.
        let m = model([5, 8, 3], seed: 8)
        let x = inputs(4, 5, seed: 9)
        let y: [Int32] = [2, 0, 1, 1]
        func loss(_ x: Matrix) -> [Float] {
            let p = m.probabilities(x)
            return (0..<x.rows).map { -logf(p[$0, Int(y[$0])]) }
        }
        let p = m.probabilities(x)
        for r in 0..<x.rows { p[r, Int(y[r])] -= 1 }
        let g = m.inputGradients(x, logitsGradient: p, chunk: 3)  // chunk 3 exercises the chunk boundary
        let h: Float = 1e-2
        for r in 0..<x.rows {
            for j in 0..<x.cols {
                let saved = x[r, j]
                x[r, j] = saved + h; let up = loss(x)[r]
                x[r, j] = saved - h; let down = loss(x)[r]
                x[r, j] = saved
                XCTAssertEqual(g[r, j], (up - down) / (2 * h), accuracy: 2e-3, "row \(r) input \(j)")
            }
        }
    }

    func testOneLayerGradientIsTheWeightColumn() {
        // z = x·W + b, so ∂z_c/∂x = W[:, c] exactly.
        let m = MLP(sizes: [3, 2])
        let w: [Float] = [1, -2, 3, 0.5, -4, 6]  // [in × out]
        m.parameters.storage.update(from: w, count: 6)
        let g = m.logitGradients(Matrix([[0.1, 0.2, 0.3], [1, 1, 1]]), classes: [1, 0])
        XCTAssertEqual(g.rowValues(0), [-2, 0.5, 6])
        XCTAssertEqual(g.rowValues(1), [1, 3, -4])
    }

    func testParameterGradientsAreLeftUntouched() {
        let m = model([4, 5, 3], seed: 1)
        m.gradients.fill(7)
        _ = m.logitGradients(inputs(2, 4, seed: 2), classes: [0, 2])
        XCTAssertTrue(m.gradients.values.allSatisfy { $0 == 7 })
    }
}
