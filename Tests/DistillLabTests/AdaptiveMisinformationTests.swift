import XCTest
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// The shipped digits split deterministically for the defense tests.
enum DigitsFixture {
    struct Split { let train: Dataset; let validation: Dataset; let test: Dataset }
    static func split(seed: UInt64 = 0) throws -> Split {
        let all = try DataSource.digits.load().train
        var rng = RandomStream(seed: seed, label: "digits-defense-tests")
        let order = rng.permutation(all.count)
        return Split(train: all.subset(Array(order[0..<1000])), validation: all.subset(Array(order[1000..<1200])),
                     test: all.subset(Array(order[1200...])))
    }

    /// A normally trained digits model (cross-entropy, Adam).
    static func trainedModel(_ sizes: [Int], on data: Dataset, seed: UInt64, epochs: Int = 30) throws -> MLP {
        var initStream = RandomStream(seed: seed, purpose: .teacherInit)
        let model = MLP(sizes: sizes, rng: &initStream)
        var shuffle = RandomStream(seed: seed, purpose: .teacherShuffle)
        _ = try Trainer(config: config(epochs: epochs), objective: .crossEntropy)
            .train(model, on: TrainingSet(features: data.features, labels: data.labels), validation: nil, shuffle: &shuffle)
        return model
    }

    static func config(epochs: Int) -> TrainingConfig {
        TrainingConfig(epochs: epochs, batchSize: 32, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-3),
                       schedule: .cosine(minFactor: 0), selection: .last)
    }

    static func accuracy(_ model: MLP, _ data: Dataset) -> Double {
        Metrics.accuracy(model.predictions(data.features), data.labels)
    }
}

/// Adaptive misinformation: the switch h, the blend, the misinformation model.
final class AdaptiveMisinformationTests: XCTestCase {
    func testMisinformationWeightHandValues() {
        let h = AdaptiveMisinformation.misinformationWeight
        XCTAssertEqual(h(0.99, 0.99, 1e4), 0.5, accuracy: 1e-12)
        XCTAssertEqual(h(0.9905, 0.99, 1e4), 0.0066928509242848554, accuracy: 1e-9)  // σ(−5)
        XCTAssertEqual(h(0.7, 0.5, 10), 0.11920292202211755, accuracy: 1e-12)        // σ(−2)
        XCTAssertEqual(h(0.2, 0.99, 1e4), 1)                                           // σ(7900), no overflow
        XCTAssertEqual(h(1, 0, 1e4), 0)                                                // σ(−10⁴), no NaN
    }

    /// A misinformation model whose softmax is [0.1, 0.2, 0.7] for every input.
    func constantModel() -> MLP {
        let m = MLP(sizes: [2, 3])
        let b = m.layers[0].biasOffset
        for (j, v) in [0.1, 0.2, 0.7].enumerated() { m.parameters.storage[b + j] = Float(log(v)) }
        return m
    }

    func testBlendMatchesHandComputedWeights() throws {
        let am = try AdaptiveMisinformation(misinformationModel: constantModel(), threshold: 0.5, sharpness: 10)
        let p = Matrix([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
        am.apply(toCopyOf: p, queries: Matrix(rows: 2, cols: 2)) { q in
            let m = [0.1, 0.2, 0.7]
            for (r, h) in [(0, 0.11920292202211755), (1, 0.7310585786300049)] {  // σ(10·(0.5−0.7)), σ(10·(0.5−0.4))
                for j in 0..<3 { XCTAssertEqual(Double(q[r, j]), (1 - h) * Double(p[r, j]) + h * m[j], accuracy: 1e-6) }
            }
        }
    }

    func testConfidentAnswersStayAndUnsureAnswersBecomeMisinformation() throws {
        let am = try AdaptiveMisinformation(misinformationModel: constantModel())  // τ = 0.99, ν = 10⁴
        XCTAssertEqual(am.threshold, 0.99); XCTAssertEqual(am.sharpness, 1e4)
        let p = Matrix([[0.9995, 0.0003, 0.0002], [0.6, 0.3, 0.1], [0.34, 0.33, 0.33]])
        am.apply(toCopyOf: p, queries: Matrix(rows: 3, cols: 2)) { q in
            for j in 0..<3 { XCTAssertEqual(q[0, j], p[0, j], accuracy: 1e-4) }  // h = σ(−9.5) ≈ 7.5e-5
            for r in 1...2 { XCTAssertEqual(q.rowValues(r), [0.1, 0.2, 0.7], accuracy: 1e-6) }
        }
    }

    func testResponsesStayDistributions() throws {
        let m = PoisoningFixtures.model([5, 7, 6], seed: 30)
        let n = 300
        let p = PoisoningFixtures.responses(n, 6, seed: 31)
        for (tau, nu) in [(0.99, 1e4), (0.6, 10), (0.3, 1)] {
            let am = try AdaptiveMisinformation(misinformationModel: m, threshold: tau, sharpness: nu)
            am.apply(toCopyOf: p, queries: PoisoningFixtures.inputs(n, 5, seed: 32)) { q in
                for r in 0..<n {
                    XCTAssertEqual(q.rowValues(r).map(Double.init).reduce(0, +), 1, accuracy: 1e-5)
                    XCTAssertTrue(q.rowValues(r).allSatisfy { $0 >= 0 })
                }
            }
        }
    }

    /// Trained with −log(1 − softmax(m(x))_y) on the owner's digits, the
    /// misinformation model puts little mass on the true class of held-out digits.
    func testMisinformationModelAvoidsTheTrueClassOnDigits() throws {
        let digits = try DigitsFixture.split()
        let teacher = try DigitsFixture.trainedModel([64, 64, 10], on: digits.train, seed: 1, epochs: 100)
        let context = DefenseContext(teacher: teacher, ownerData: digits.train, validation: digits.validation, seed: 3,
                                     surrogateHidden: [32])
        let am = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: "adaptive-misinformation:model=surrogate"),
                                                        context: context) as? AdaptiveMisinformation)
        XCTAssertEqual(am.misinformationModel.sizes, [64, 32, 10])
        let probs = am.misinformationModel.probabilities(digits.test.features)
        let trueMass = (0..<digits.test.count).map { Double(probs[$0, Int(digits.test.labels[$0])]) }.reduce(0, +) / Double(digits.test.count)
        let misAccuracy = DigitsFixture.accuracy(am.misinformationModel, digits.test)
        XCTAssertLessThan(trueMass, 0.05)  // chance is 0.1
        XCTAssertLessThan(misAccuracy, 0.02)

        // Honest users: confident answers pass unchanged; report the benign cost at τ = 0.99.
        let p = teacher.probabilities(digits.test.features)
        var rng = RandomStream(seed: 0, purpose: .defense)
        let q = p.copy()
        try am.apply(to: q, queries: digits.test.features, rng: &rng)
        var replaced = 0
        for r in 0..<q.rows {
            let top = p.rowValues(r).max()!
            if top >= 0.995 { for j in 0..<10 { XCTAssertEqual(q[r, j], p[r, j], accuracy: 1e-3) } }
            if top < 0.985 { replaced += 1; XCTAssertEqual(q.rowValues(r), probs.rowValues(r).map { $0 }, accuracy: 1e-5) }
        }
        let teacherAccuracy = Metrics.accuracy(p.argmaxRows(), digits.test.labels)
        let defendedAccuracy = Metrics.accuracy(q.argmaxRows(), digits.test.labels)
        XCTAssertLessThanOrEqual(defendedAccuracy, teacherAccuracy)
        print("adaptive-misinformation on digits: misinformation model true-class mass \(trueMass), accuracy \(misAccuracy); "
              + "teacher test accuracy \(teacherAccuracy), defended \(defendedAccuracy), rows replaced \(replaced)/\(q.rows)")
    }

    func testRegistryDefaultsDeterminismAndBadParameters() throws {
        let d = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: "adaptive-misinformation"))
        XCTAssertFalse(d.argmaxPreserving); XCTAssertFalse(d.randomized)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: d.parameters.map { ($0.name, $0.defaultValue ?? "") }),
                       ["tau": "0.99", "nu": "10000", "model": "teacher", "epochs": "10"])
        let spec = try DefenseSpec(parsing: "adaptive-misinformation:epochs=3")
        let a = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(spec, context: try PoisoningFixtures.context(seed: 5)) as? AdaptiveMisinformation)
        let b = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(spec, context: try PoisoningFixtures.context(seed: 5)) as? AdaptiveMisinformation)
        let c = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(spec, context: try PoisoningFixtures.context(seed: 6)) as? AdaptiveMisinformation)
        XCTAssertEqual(a.misinformationModel.sizes, [6, 10, 3])  // the teacher's widths by default
        XCTAssertEqual(a.misinformationModel.parameters.values, b.misinformationModel.parameters.values)
        XCTAssertNotEqual(a.misinformationModel.parameters.values, c.misinformationModel.parameters.values)

        func error(_ text: String) -> ComponentError? {
            do { _ = try ComponentRegistry.shared.resolve(DefenseSpec(parsing: text), kind: .defense); return nil } catch { return error as? ComponentError }
        }
        XCTAssertEqual(error("adaptive-misinformation:tau=1.5"),
                       .invalidValue(kind: .defense, component: "adaptive-misinformation", parameter: "tau", value: "1.5", expected: "a number in [0, 1]"))
        XCTAssertEqual(error("adaptive-misinformation:nu=0"),
                       .invalidValue(kind: .defense, component: "adaptive-misinformation", parameter: "nu", value: "0", expected: "a positive number"))
        XCTAssertEqual(error("adaptive-misinformation:model=big"),
                       .invalidValue(kind: .defense, component: "adaptive-misinformation", parameter: "model", value: "big", expected: "one of teacher, surrogate"))
        XCTAssertEqual(error("adaptive-misinformation:epochs=0"),
                       .invalidValue(kind: .defense, component: "adaptive-misinformation", parameter: "epochs", value: "0", expected: "a positive integer"))
        XCTAssertThrowsError(try AdaptiveMisinformation(misinformationModel: constantModel(), threshold: -0.1))
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
