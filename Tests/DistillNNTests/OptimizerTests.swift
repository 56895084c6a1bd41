import XCTest
import DistillCore
import DistillNN

final class OptimizerTests: XCTestCase {
    /// Two steps on w = [1, −2] with constant gradient g = [0.5, 1]; the decayed
    /// range is only index 0 (a "weight"), index 1 is a "bias".
    func run(_ c: OptimizerConfig, steps: Int = 2) -> [Float] {
        let opt = Optimizer(c, parameterCount: 2, decayedRanges: [0..<1])
        var w: [Float] = [1, -2]
        for _ in 0..<steps {
            var g: [Float] = [0.5, 1]
            opt.step(parameters: &w, gradients: &g, learningRate: c.learningRate)
        }
        return w
    }

    func testSGDMomentumMatchesHandComputation() {
        // v1 = g, w1 = w − lr·g; v2 = μ·g + g, w2 = w1 − lr·(1+μ)·g.
        let w = run(OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.9))
        XCTAssertEqual(w[0], 1 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, accuracy: 1e-6)
        XCTAssertEqual(w[1], -2 - 0.1 * 1 - 0.1 * 1.9 * 1, accuracy: 1e-6)
    }

    func testNesterovLooksAhead() {
        // update_t = g + μ·v_t: step 1 uses (1+μ)g, step 2 uses (1 + μ(1+μ))g.
        let w = run(OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.5, nesterov: true))
        XCTAssertEqual(w[1], -2 - 0.1 * 1.5 - 0.1 * 1.75, accuracy: 1e-6)
    }

    func testWeightDecayIsL2ForSGDAndSkipsBiases() {
        let w = run(OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0, weightDecay: 0.1), steps: 1)
        XCTAssertEqual(w[0], 1 - 0.1 * (0.5 + 0.1 * 1), accuracy: 1e-6)
        XCTAssertEqual(w[1], -2 - 0.1 * 1, accuracy: 1e-6)  // bias: no decay
    }

    func testAdamFirstStepMovesByLearningRateTimesSign() {
        // With bias correction, m̂ = g and v̂ = g², so the step is lr·g/(|g|+ε).
        let w = run(OptimizerConfig(kind: .adam, learningRate: 0.01), steps: 1)
        XCTAssertEqual(w[0], 1 - 0.01, accuracy: 1e-6)
        XCTAssertEqual(w[1], -2 - 0.01, accuracy: 1e-6)
    }

    func testAdamWDecaysDecoupled() {
        let c = OptimizerConfig(kind: .adamw, learningRate: 0.01, weightDecay: 0.5)
        let w = run(c, steps: 1)
        XCTAssertEqual(w[0], 1 * (1 - 0.01 * 0.5) - 0.01, accuracy: 1e-6)
        XCTAssertEqual(w[1], -2 - 0.01, accuracy: 1e-6)
        // Adam with L2 differs: decay enters the moments.
        let l2 = run(OptimizerConfig(kind: .adam, learningRate: 0.01, weightDecay: 0.5), steps: 1)
        XCTAssertEqual(l2[0], 1 - 0.01, accuracy: 1e-6)  // first Adam step is sign-like either way
    }

    func testSchedules() {
        let cos = LearningRateSchedule.cosine(minFactor: 0.1)
        XCTAssertEqual(cos.rate(base: 1, step: 0, totalSteps: 100, stepsPerEpoch: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(cos.rate(base: 1, step: 50, totalSteps: 100, stepsPerEpoch: 10), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cos.rate(base: 1, step: 100, totalSteps: 100, stepsPerEpoch: 10), 0.1, accuracy: 1e-6)
        let st = LearningRateSchedule.step(everyEpochs: 2, gamma: 0.5)
        XCTAssertEqual(st.rate(base: 1, step: 19, totalSteps: 100, stepsPerEpoch: 10), 1)
        XCTAssertEqual(st.rate(base: 1, step: 20, totalSteps: 100, stepsPerEpoch: 10), 0.5)
        XCTAssertEqual(st.rate(base: 1, step: 45, totalSteps: 100, stepsPerEpoch: 10), 0.25)
    }

    func testInvalidSettingsAreRejectedWithTheValue() {
        XCTAssertThrowsError(try OptimizerConfig(learningRate: -1).validate()) { e in
            XCTAssertTrue("\(e)".contains("learning rate"))
        }
        XCTAssertThrowsError(try OptimizerConfig(kind: .adam, nesterov: true).validate())
        XCTAssertThrowsError(try OptimizerConfig(momentum: 1).validate())
    }
}

/// The vectorised update paths (16-lane SGD, 8-lane C Adam, scalar tails,
/// decayed and undecayed segments) against a plain double-precision reference.
final class OptimizerVectorPathTests: XCTestCase {
    func reference(_ c: OptimizerConfig, w0: [Float], grads: [[Float]], decayed: Range<Int>) -> [Double] {
        var w = w0.map(Double.init), m = [Double](repeating: 0, count: w0.count), s = m
        let lr = Double(c.learningRate), mu = Double(c.momentum), b1 = Double(c.beta1), b2 = Double(c.beta2)
        for (t, g0) in grads.enumerated() {
            for i in 0..<w.count {
                let wd = decayed.contains(i) ? Double(c.weightDecay) : 0
                var g = Double(g0[i])
                switch c.kind {
                case .sgd:
                    g += wd * w[i]
                    m[i] = mu * m[i] + g
                    w[i] -= lr * (c.nesterov ? g + mu * m[i] : m[i])
                case .adam, .adamw:
                    if c.kind == .adam { g += wd * w[i] } else { w[i] *= 1 - lr * wd }
                    m[i] = b1 * m[i] + (1 - b1) * g
                    s[i] = b2 * s[i] + (1 - b2) * g * g
                    let mh = m[i] / (1 - pow(b1, Double(t + 1))), sh = s[i] / (1 - pow(b2, Double(t + 1)))
                    w[i] -= lr * mh / (sh.squareRoot() + Double(c.epsilon))
                }
            }
        }
        return w
    }

    func testAllKindsMatchReferenceOverSIMDBodiesAndTails() {
        let n = 37
        var rng = RandomStream(seed: 8, label: "opt")
        let w0 = (0..<n).map { _ in Float(rng.uniform() * 2 - 1) }
        let grads = (0..<3).map { _ in (0..<n).map { _ in Float(rng.uniform() - 0.5) } }
        let configs = [OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01),
                       OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.05),
                       OptimizerConfig(kind: .adam, learningRate: 0.01, weightDecay: 0.1),
                       OptimizerConfig(kind: .adamw, learningRate: 0.01, weightDecay: 0.1)]
        for c in configs {
            let decayed = 3..<29  // body and tail on both sides of the boundary
            let opt = Optimizer(c, parameterCount: n, decayedRanges: [decayed])
            var w = w0
            for g in grads { var gg = g; opt.step(parameters: &w, gradients: &gg, learningRate: c.learningRate) }
            let expected = reference(c, w0: w0, grads: grads, decayed: decayed)
            for i in 0..<n { XCTAssertEqual(Double(w[i]), expected[i], accuracy: 1e-5, "\(c.kind) nesterov=\(c.nesterov) element \(i)") }
        }
    }
}
