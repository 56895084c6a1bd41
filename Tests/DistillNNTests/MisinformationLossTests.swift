import XCTest
import DistillCore
import DistillNN

/// Checks a loss's gradient against central differences of the loss itself
/// at random logits; returns the worst relative error.
func finiteDifferenceWorstError(rows: Int, classes k: Int, seed: UInt64,
                                loss: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double) -> Double {
    var rng = RandomStream(seed: seed, label: "loss-fd")
    var z = (0..<(rows * k)).map { _ in Float(rng.normal() * 2) }
    var g = [Float](repeating: 0, count: rows * k)
    var scratch = g
    _ = z.withUnsafeBufferPointer { zp in g.withUnsafeMutableBufferPointer { loss(zp.baseAddress!, $0.baseAddress!) } }
    let h: Float = 1e-2
    var worst = 0.0
    for i in 0..<z.count {
        let saved = z[i]
        z[i] = saved + h
        let lp = z.withUnsafeBufferPointer { zp in scratch.withUnsafeMutableBufferPointer { loss(zp.baseAddress!, $0.baseAddress!) } }
        z[i] = saved - h
        let lm = z.withUnsafeBufferPointer { zp in scratch.withUnsafeMutableBufferPointer { loss(zp.baseAddress!, $0.baseAddress!) } }
        z[i] = saved
        let numeric = (lp - lm) / Double(2 * h)
        worst = max(worst, abs(numeric - Double(g[i])) / max(1e-2, abs(numeric) + abs(Double(g[i]))))
    }
    return worst
}

/// Adaptive misinformation's loss −log(1 − softmax(z)_y): hand values (numpy, float64) and gradients.
final class MisinformationLossTests: XCTestCase {
    /// z = [1, 2, 3]: s = [0.0900306, 0.2447285, 0.6652410].
    /// y = 2: L = −log(1 − s₂) = 1.0943442769; ∂L/∂z = [−s₀s₂/(1−s₂), −s₁s₂/(1−s₂), s₂].
    func testHandValuesForTrueClassOnTopAndAtTheBottom() {
        var g = [Float](repeating: 0, count: 3)
        var l = Losses.misinformation(logits: [1, 2, 3], labels: [2], rows: 1, classes: 3, gradient: &g, scale: 1)
        XCTAssertEqual(l, 1.0943442769, accuracy: 1e-6)
        XCTAssertEqual(g[0], -0.1789108482, accuracy: 1e-6)
        XCTAssertEqual(g[1], -0.4863301076, accuracy: 1e-6)
        XCTAssertEqual(g[2], 0.6652409558, accuracy: 1e-6)
        // y = 0: L = 0.0943442769, gradient [0.0900305732, −0.0242129503, −0.0658176229].
        l = Losses.misinformation(logits: [1, 2, 3], labels: [0], rows: 1, classes: 3, gradient: &g, scale: 1)
        XCTAssertEqual(l, 0.0943442769, accuracy: 1e-6)
        XCTAssertEqual(g[0], 0.0900305732, accuracy: 1e-6)
        XCTAssertEqual(g[1], -0.0242129503, accuracy: 1e-6)
        XCTAssertEqual(g[2], -0.0658176229, accuracy: 1e-6)
    }

    /// When the true class has nearly all the mass, 1 − s_y underflows in float;
    /// the log-sum-exp form stays exact: L = logsumexp(z) − logsumexp(z without y) ≈ 40.
    func testStableWhenTrueClassHasAllTheMass() {
        var g = [Float](repeating: 0, count: 2)
        let l = Losses.misinformation(logits: [40, 0], labels: [0], rows: 1, classes: 2, gradient: &g, scale: 1)
        XCTAssertEqual(l, 40, accuracy: 1e-4)
        XCTAssertEqual(g[0], 1, accuracy: 1e-6)
        XCTAssertEqual(g[1], -1, accuracy: 1e-6)
    }

    func testGradientMatchesFiniteDifferences() {
        let rows = 4, k = 6
        let labels: [Int32] = [0, 5, 2, 2]
        let worst = finiteDifferenceWorstError(rows: rows, classes: k, seed: 3) { z, g in
            Losses.misinformation(logits: z, labels: labels, rows: rows, classes: k, gradient: g, scale: 1)
        }
        XCTAssertLessThan(worst, 5e-3)
    }

    func testScaleAndAccumulate() {
        var g: [Float] = [10, 10, 10]
        _ = Losses.misinformation(logits: [1, 2, 3], labels: [2], rows: 1, classes: 3, gradient: &g, scale: 0.5, accumulate: true)
        XCTAssertEqual(g[2], 10 + 0.5 * 0.6652409558, accuracy: 1e-5)
        XCTAssertEqual(g[0], 10 - 0.5 * 0.1789108482, accuracy: 1e-5)
    }

    func testObjectiveUsesLabelsOnly() {
        XCTAssertFalse(Objective.misinformation.needsSoftTargets)
        XCTAssertEqual(Objective.misinformation.name, "misinformation")
    }

    /// Trained with the misinformation objective, a model moves mass off the
    /// true class (the trainer wires the new case to the new loss).
    func testTrainingMovesMassOffTheTrueClass() throws {
        var rng = RandomStream(seed: 5, label: "mis-train")
        let n = 200, d = 4, k = 3
        let x = Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(rng.uniform()) })
        let y = (0..<n).map { i in Int32(Kernels.argmax(x.row(i), count: k)) }
        let model = MLP(sizes: [d, 16, k], rng: &rng)
        func meanTrueMass() -> Double {
            let p = model.probabilities(x)
            return (0..<n).map { Double(p[$0, Int(y[$0])]) }.reduce(0, +) / Double(n)
        }
        let before = meanTrueMass()
        var shuffle = RandomStream(seed: 6, label: "mis-shuffle")
        let report = try Trainer(config: TrainingConfig(epochs: 20, batchSize: 20, optimizer: OptimizerConfig(kind: .adam, learningRate: 0.01),
                                                        selection: .last), objective: .misinformation)
            .train(model, on: TrainingSet(features: x, labels: y), validation: nil, shuffle: &shuffle)
        XCTAssertLessThan(meanTrueMass(), 0.1)
        XCTAssertGreaterThan(before, 0.2)
        XCTAssertLessThan(report.epochs.last!.trainLoss, report.epochs.first!.trainLoss)
    }
}
