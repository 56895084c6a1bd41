import XCTest
import DistillCore
import DistillNN

/// The nasty teacher's loss CE(z, y) − ω·T²·KL(softmax(z/T) ‖ q): hand values (numpy, float64) and gradients.
final class NastyLossTests: XCTestCase {
    /// z = [1, 0, −1], adversary logits a = [0.5, 1, 0], T = 2 → q = softmax(a/T) = [0.32649584, 0.41922895, 0.25427521].
    /// KL(softmax(z/T) ‖ q) = 0.0689287071, ∂KL/∂z = (1/T)·p⊙(log p − log q − KL) = [0.0937342517, −0.0583457596, −0.0353884921].
    func testTemperedKLHandValue() {
        let q: [Float] = [0.3264958358, 0.4192289516, 0.2542752126]
        var g = [Float](repeating: 0, count: 3)
        let kl = Losses.temperedKL(logits: [1, 0, -1], targets: q, rows: 1, classes: 3, temperature: 2, gradient: &g, scale: 1)
        XCTAssertEqual(kl, 0.0689287071, accuracy: 1e-6)
        XCTAssertEqual(g[0], 0.0937342517, accuracy: 1e-6)
        XCTAssertEqual(g[1], -0.0583457596, accuracy: 1e-6)
        XCTAssertEqual(g[2], -0.0353884921, accuracy: 1e-6)
    }

    /// Same inputs, y = 0, ω = 0.5: L = CE − ω·T²·KL = 0.2697485503,
    /// ∂L/∂z = [−0.5222275476, 0.3614199903, 0.1608075573].
    func testNastyHandValue() {
        let q: [Float] = [0.3264958358, 0.4192289516, 0.2542752126]
        var g = [Float](repeating: 0, count: 3)
        let l = Losses.nasty(logits: [1, 0, -1], labels: [0], adversary: q, rows: 1, classes: 3,
                             temperature: 2, omega: 0.5, gradient: &g, scale: 1)
        XCTAssertEqual(l, 0.2697485503, accuracy: 1e-6)
        XCTAssertEqual(g[0], -0.5222275476, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0.3614199903, accuracy: 1e-6)
        XCTAssertEqual(g[2], 0.1608075573, accuracy: 1e-6)
    }

    func testKLIsZeroAgainstItselfWithZeroGradient() {
        var q: [Float] = [2, -1, 0.5, 3]
        Kernels.softmaxRows(q, &q, rows: 1, cols: 4, temperature: 4)
        var g = [Float](repeating: 1, count: 4)
        let kl = Losses.temperedKL(logits: [2, -1, 0.5, 3], targets: q, rows: 1, classes: 4, temperature: 4, gradient: &g, scale: 1)
        XCTAssertEqual(kl, 0, accuracy: 1e-6)
        for v in g { XCTAssertEqual(v, 0, accuracy: 1e-6) }
    }

    func testGradientsMatchFiniteDifferences() {
        let rows = 4, k = 5
        var rng = RandomStream(seed: 9, label: "nasty-targets")
        let a = Matrix(rows: rows, cols: k, values: (0..<(rows * k)).map { _ in Float(rng.normal() * 3) })
        let q = a.softmaxRows(temperature: 4)
        let labels: [Int32] = [1, 4, 0, 1]
        for t: Float in [1, 4] {
            let klWorst = finiteDifferenceWorstError(rows: rows, classes: k, seed: 10) { z, g in
                Losses.temperedKL(logits: z, targets: q.storage, rows: rows, classes: k, temperature: t, gradient: g, scale: 1)
            }
            XCTAssertLessThan(klWorst, 5e-3, "KL at T=\(t)")
            let nastyWorst = finiteDifferenceWorstError(rows: rows, classes: k, seed: 11) { z, g in
                Losses.nasty(logits: z, labels: labels, adversary: q.storage, rows: rows, classes: k,
                             temperature: t, omega: 0.3, gradient: g, scale: 1)
            }
            XCTAssertLessThan(nastyWorst, 5e-3, "nasty at T=\(t)")
        }
    }

    func testZeroTargetGivesLargeFiniteKL() {
        var g = [Float](repeating: 0, count: 2)
        let kl = Losses.temperedKL(logits: [0, 0], targets: [1, 0], rows: 1, classes: 2, temperature: 1, gradient: &g, scale: 1)
        XCTAssertTrue(kl.isFinite)
        XCTAssertGreaterThan(kl, 40)  // 0.5·(−log 2 + 87.3) + 0.5·(−log 2) ≈ 43
        XCTAssertTrue(g.allSatisfy(\.isFinite))
    }

    func testObjectiveNeedsAdversaryTargetsAndRejectsBadSettings() throws {
        let nasty = Objective.nasty(temperature: 4, omega: 0.04)
        XCTAssertTrue(nasty.needsSoftTargets)
        XCTAssertEqual(nasty.name, "nasty(T=4.0, omega=0.04)")
        var rng = RandomStream(seed: 1, label: "x")
        let model = MLP(sizes: [2, 3], rng: &rng)
        let x = Matrix([[0, 1], [1, 0]])
        let set = TrainingSet(features: x, labels: [0, 1], softTargets: Matrix([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]]))
        let config = TrainingConfig(epochs: 1, batchSize: 2, selection: .last)
        XCTAssertThrowsError(try Trainer(config: config, objective: .nasty(temperature: 0, omega: 0.04))
            .train(model, on: set, validation: nil, shuffle: &rng)) { e in
            XCTAssertTrue("\(e)".contains("temperature must be positive"), "\(e)")
        }
        XCTAssertThrowsError(try Trainer(config: config, objective: nasty)
            .train(model, on: TrainingSet(features: x, labels: [0, 1]), validation: nil, shuffle: &rng)) { e in
            XCTAssertTrue("\(e)".contains("needs probability targets"), "\(e)")
        }
    }
}
