import XCTest
import DistillCore
import DistillNN

/// Loss values against hand-computed references (numpy, float64).
final class LossTests: XCTestCase {
    func testCrossEntropyHandValue() {
        var g = [Float](repeating: 0, count: 3)
        let l = Losses.crossEntropy(logits: [1, 2, 3], labels: [2], rows: 1, classes: 3, gradient: &g, scale: 1)
        XCTAssertEqual(l, 0.40760596, accuracy: 1e-6)  // log(e + e² + e³) − 3
        XCTAssertEqual(g[0], 0.09003057, accuracy: 1e-6)
        XCTAssertEqual(g[2], 0.66524096 - 1, accuracy: 1e-6)
    }

    /// q = [0.7, 0.2, 0.1], s = [1, 0, −1], T = 2, α = 0.5, y = 0.
    /// numpy: pt = q**(1/T)/Σ, ps = softmax(s/T); L = α·T²·KL(pt‖ps) + (1−α)·CE(s, y)
    /// = 0.2075782372236709; ∂L/∂s = α·T·(ps − pt) + (1−α)·(softmax(s) − e_y)
    /// = [−0.18377851, 0.15006933, 0.03370918].
    func testHintonDistillationHandValue() {
        let t: Float = 2, a: Float = 0.5
        var q: [Float] = [0.7, 0.2, 0.1]
        Losses.temper(&q, rows: 1, classes: 3, temperature: t)
        var g = [Float](repeating: 0, count: 3)
        let s: [Float] = [1, 0, -1]
        let soft = Losses.softCrossEntropy(logits: s, targets: q, rows: 1, classes: 3, temperature: t, gradient: &g, scale: a * t * t)
        let kl = soft + Losses.negativeEntropy(q, rows: 1, classes: 3)
        XCTAssertEqual(kl, 0.0018876275, accuracy: 1e-6)
        let ce = Losses.crossEntropy(logits: s, labels: [0], rows: 1, classes: 3, gradient: &g, scale: 1 - a, accumulate: true)
        XCTAssertEqual(ce, 0.40760596, accuracy: 1e-6)
        XCTAssertEqual(Double(a * t * t) * kl + Double(1 - a) * ce, 0.2075782372, accuracy: 1e-6)
        XCTAssertEqual(g[0], -0.18377851, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0.15006933, accuracy: 1e-6)
        XCTAssertEqual(g[2], 0.03370918, accuracy: 1e-6)
    }

    /// Unnormalised targets t = [0.5, 0.3, 0] (a top-2 response), z = [2, −1, 0.5]:
    /// −Σ t·log softmax(z) = 1.0930490373; gradient softmax(z)·Σt − t.
    func testSoftCrossEntropyUnnormalisedTargets() {
        var g = [Float](repeating: 0, count: 3)
        let l = Losses.softCrossEntropy(logits: [2, -1, 0.5], targets: [0.5, 0.3, 0], rows: 1, classes: 3, gradient: &g, scale: 1)
        XCTAssertEqual(l, 1.0930490373, accuracy: 1e-6)
        XCTAssertEqual(g[0], 0.12847763, accuracy: 1e-6)
        XCTAssertEqual(g[1], -0.26870994, accuracy: 1e-6)
        XCTAssertEqual(g[2], 0.14023231, accuracy: 1e-6)
    }

    func testTemperingKeepsZerosAndNormalises() {
        var q: [Float] = [0.64, 0.36, 0, 0, 0, 0]
        Losses.temper(&q, rows: 2, classes: 3, temperature: 2)
        XCTAssertEqual(q[0], 0.8 / 1.4, accuracy: 1e-6)
        XCTAssertEqual(q[1], 0.6 / 1.4, accuracy: 1e-6)
        XCTAssertEqual(q[2], 0)
        XCTAssertEqual(Array(q[3...]), [0, 0, 0])  // an all-zero row stays zero, no NaN
    }
}
