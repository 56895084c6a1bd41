import XCTest
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// Test-only zero-mean noise defense: q = (p + N(0, σ²)) / Σ(p + N(0, σ²)) per row
/// (no clipping, so the perturbation stays zero-mean to first order).
final class ZeroMeanNoiseDefense: ResponseDefense {
    let name = "test-zero-mean-noise"
    let sigma: Double
    init(sigma: Double) { self.sigma = sigma }
    func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        for r in 0..<responses.rows {
            let row = responses.row(r)
            var sum: Float = 0
            for j in 0..<responses.cols { row[j] += Float(rng.normal() * sigma); sum += row[j] }
            for j in 0..<responses.cols { row[j] /= sum }
        }
    }
}

/// Test-only stand-in for keyed wrong answers: an input whose FNV-1a hash
/// falls below `rate` gets a one-hot answer of a keyed class ≠ its top-1.
final class KeyedFlipDefense: ResponseDefense {
    let name = "test-keyed-flip"
    let rate: Double
    init(rate: Double) { self.rate = rate }
    static func hash(_ row: UnsafePointer<Float>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for j in 0..<count {
            var bits = row[j].bitPattern
            for _ in 0..<4 { h = (h ^ UInt64(bits & 0xFF)) &* 0x0000_0100_0000_01B3; bits >>= 8 }
        }
        return h
    }
    func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        for r in 0..<responses.rows {
            let h = KeyedFlipDefense.hash(queries.row(r), queries.cols)
            guard Double(h % 1_000_000) < rate * 1_000_000 else { continue }
            let top = Kernels.argmax(responses.row(r), count: k)
            let wrong = (top + 1 + Int((h >> 32) % UInt64(k - 1))) % k
            for j in 0..<k { responses[r, j] = j == wrong ? 1 : 0 }
        }
    }
}

/// A digits teacher trained once for all attack tests.
final class DigitsAttackFixture {
    let splits: DataSplits
    let teacher: MLP
    let teacherAccuracy: Double
    let studentSizes = [64, 32, 10]
    let studentTraining: TrainingConfig

    static let shared: Result<DigitsAttackFixture, Error> = Result { try DigitsAttackFixture() }

    init() throws {
        let (train, test) = try DataSource.digits.load()
        splits = try DataSplits.make(train: train, test: test, fractions: DataSettings().fractions, seed: 0)
        let sgd = OptimizerConfig(kind: .sgd, learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
        var initStream = RandomStream(seed: 0, purpose: .teacherInit)
        var shuffle = RandomStream(seed: 0, purpose: .teacherShuffle)
        teacher = MLP(sizes: [64, 128, 10], rng: &initStream)
        _ = try Trainer(config: TrainingConfig(epochs: 30, batchSize: 16, optimizer: sgd, selection: .bestValidation),
                        objective: .crossEntropy)
            .train(teacher, on: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
                   validation: ValidationSet(features: splits.validation.features, labels: splits.validation.labels),
                   shuffle: &shuffle)
        teacherAccuracy = Metrics.accuracy(teacher.predictions(splits.test.features), splits.test.labels)
        studentTraining = TrainingConfig(epochs: 40, batchSize: 16, optimizer: sgd, selection: .last)
    }

    func oracle(_ defenses: [ResponseDefense] = [], budget: Int, client: String = "thief", seed: UInt64 = 0) -> Oracle {
        let o = Oracle(teacher: teacher, defenses: defenses, defenseStream: RandomStream(seed: seed, purpose: .defense))
        o.budgets[client] = budget
        return o
    }

    func context(budget: Int, client: String = "thief", outOfDistribution: Dataset? = nil) -> AttackContext {
        AttackContext(pool: splits.attackerPool.features, inputShape: splits.attackerPool.imageShape, budget: budget,
                      queryBatch: 64, client: client, studentSizes: studentSizes, studentTraining: studentTraining,
                      outOfDistribution: outOfDistribution)
    }

    /// Test accuracy of a student distilled (soft cross-entropy) from `transfer`, fixed init and order.
    func studentAccuracy(_ transfer: TransferSet) throws -> Double {
        var initStream = RandomStream(seed: 0, purpose: .studentInit)
        var shuffle = RandomStream(seed: 0, purpose: .studentShuffle)
        let student = MLP(sizes: studentSizes, rng: &initStream)
        var config = studentTraining
        config.epochs = 60
        _ = try Trainer(config: config, objective: .softCrossEntropy).train(
            student, on: TrainingSet(features: transfer.inputs, labels: transfer.responseLabels, softTargets: transfer.responses),
            validation: nil, shuffle: &shuffle)
        return Metrics.accuracy(student.predictions(splits.test.features), splits.test.labels)
    }
}

final class AttackStrategyTests: XCTestCase {
    func fixture() throws -> DigitsAttackFixture { try DigitsAttackFixture.shared.get() }

    func run(_ strategy: String, counters: [String] = [], budget: Int, oracleBudget: Int? = nil,
             defenses: [ResponseDefense] = [], seed: UInt64 = 7) throws -> (AttackOutcome, Oracle) {
        let f = try fixture()
        let oracle = f.oracle(defenses, budget: oracleBudget ?? budget)
        var rng = RandomStream(seed: seed, purpose: .attack)
        let outcome = try Attack(parsing: strategy, counters: counters).run(oracle: oracle, context: f.context(budget: budget), rng: &rng)
        return (outcome, oracle)
    }

    // MARK: Budget, client, determinism

    func testEveryStrategySpendsExactlyTheBudgetUnderTheClientAndIsDeterministic() throws {
        let f = try fixture()
        let budget = 300
        for spec in ["random", "ood:source=noise", "ood:source=noise,blur=1", "jacobian:seed-size=40", "active:rounds=3"] {
            let (a, oracle) = try run(spec, budget: budget)
            XCTAssertEqual(a.queriesSpent, budget, spec)
            XCTAssertEqual(oracle.queryCounts, ["thief": budget], spec)
            XCTAssertEqual(a.transfer.count, budget, spec)
            XCTAssertEqual(a.transfer.responses.rows, budget, spec)
            XCTAssertTrue(a.transfer.inputs.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(spec): inputs leave [0, 1]")
            let (b, _) = try run(spec, budget: budget)
            XCTAssertEqual(a.transfer.inputs.values, b.transfer.inputs.values, "\(spec) is not deterministic")
            XCTAssertEqual(a.transfer.responses.values, b.transfer.responses.values, spec)
            XCTAssertEqual(a.transfer.poolIndices, b.transfer.poolIndices, spec)
            let (c, _) = try run(spec, budget: budget, seed: 8)
            XCTAssertNotEqual(a.transfer.inputs.values, c.transfer.inputs.values, "\(spec) ignores the seed")
            // Pool strategies: valid, distinct indices whose rows are the queried inputs.
            if spec == "random" || spec.hasPrefix("active") {
                XCTAssertTrue(a.transfer.isFromPool)
                XCTAssertEqual(Set(a.transfer.poolIndices).count, budget)
                for (row, i) in a.transfer.poolIndices.enumerated() {
                    XCTAssertTrue(i >= 0 && i < f.splits.attackerPool.count)
                    XCTAssertEqual(a.transfer.inputs.rowValues(row), f.splits.attackerPool.features.rowValues(i))
                }
            } else {
                XCTAssertEqual(a.transfer.poolIndices, [], "\(spec) queries non-pool inputs")
            }
            // Responses are the oracle's undefended answers for those inputs.
            let clean = f.teacher.probabilities(a.transfer.inputs).values
            XCTAssertLessThan(zip(a.transfer.responses.values, clean).map { abs($0 - $1) }.max()!, 1e-6, spec)
        }
    }

    func testRepeatsSpendTheLargestMultipleOfRWithinTheBudget() throws {
        let (a, oracle) = try run("random", counters: ["average-repeats:repeats=3"], budget: 301)
        XCTAssertEqual(a.transfer.count, 100)
        XCTAssertEqual(a.queriesSpent, 300, "⌊301/3⌋·3 queries: one query is left unspent")
        XCTAssertEqual(oracle.queryCounts["thief"], 300)
        XCTAssertEqual(a.notes["average-repeats.repeats"], "3")
    }

    func testJacobianStopsAtRoundsAndSaysWhatWasLeft() throws {
        // seed 40 → 80 → 160 after two rounds: 160 of 300 distinct inputs.
        let (a, oracle) = try run("jacobian:seed-size=40,rounds=2", budget: 300)
        XCTAssertEqual(a.transfer.count, 160)
        XCTAssertEqual(oracle.queryCounts["thief"], 160)
        XCTAssertEqual(a.notes["rounds"], "2")
        XCTAssertEqual(a.notes["unspent"], "140 queries (rounds=2 reached first)")
    }

    func testAttackRefusesWhenTheOracleBudgetIsSmallerBeforeQuerying() throws {
        XCTAssertThrowsError(try run("random", budget: 300, oracleBudget: 200)) { e in
            XCTAssertTrue("\(e)".contains("allows client 'thief' 200 more queries but the attack plans 300"), "\(e)")
        }
    }

    // MARK: Out-of-distribution resize

    func testAreaResizeAveragesBlocks() throws {
        let img = Matrix(rows: 1, cols: 16, values: (0..<16).map(Float.init))
        let out = try ImageResize.resize(img, from: ImageShape(height: 4, width: 4), to: ImageShape(height: 2, width: 2))
        // Means of the 2×2 blocks: (0+1+4+5)/4, (2+3+6+7)/4, (8+9+12+13)/4, (10+11+14+15)/4.
        XCTAssertEqual(out.values, [2.5, 4.5, 10.5, 12.5])
        // 3 → 2 along each axis: output 0 covers [0, 1.5): 2/3 of pixel 0 and 1/3 of pixel 1.
        XCTAssertEqual(ImageResize.axisWeights(from: 3, to: 2, method: .area),
                       [[2.0 / 3, 1.0 / 3, 0], [0, 1.0 / 3, 2.0 / 3]])
        let line = Matrix(rows: 1, cols: 3, values: [0, 3, 6])
        let shrunk = try ImageResize.resize(line, from: ImageShape(height: 1, width: 3), to: ImageShape(height: 1, width: 2))
        XCTAssertEqual(shrunk[0, 0], 1, accuracy: 1e-6)   // 2/3·0 + 1/3·3
        XCTAssertEqual(shrunk[0, 1], 5, accuracy: 1e-6)   // 1/3·3 + 2/3·6
        // Bilinear, half-pixel centres: [0, 1] to 4 samples at u = −0.25→0, 0.25, 0.75, 1.25→1.
        let up = try ImageResize.resize(Matrix(rows: 1, cols: 2, values: [0, 1]), from: ImageShape(height: 1, width: 2),
                                        to: ImageShape(height: 1, width: 4), method: .bilinear)
        XCTAssertEqual(up.values, [0, 0.25, 0.75, 1])
        // A constant image stays constant under both methods (weights sum to one).
        let flat = Matrix(rows: 2, cols: 28 * 28); flat.fill(0.7)
        for m in ImageResize.Method.allCases {
            let r = try ImageResize.resize(flat, from: ImageShape(height: 28, width: 28), to: ImageShape(height: 8, width: 8), method: m)
            XCTAssertEqual(r.cols, 64)
            for v in r.values { XCTAssertEqual(v, 0.7, accuracy: 1e-5, "\(m)") }
        }
    }

    func testResizeAndOutOfDistributionShapeErrors() throws {
        XCTAssertThrowsError(try ImageResize.resize(Matrix(rows: 1, cols: 15), from: ImageShape(height: 4, width: 4),
                                                    to: ImageShape(height: 2, width: 2))) { e in
            XCTAssertTrue("\(e)".contains("rows have 15 features but a 4×4 image has 16 pixels"), "\(e)")
        }
        let f = try fixture()
        // A shapeless 20-feature dataset cannot be resized to the 8×8 teacher input.
        let other = try Dataset(name: "tabular", features: Matrix(rows: 400, cols: 20), labels: [Int32](repeating: 0, count: 400),
                                classNames: ["a"])
        var rng = RandomStream(seed: 0, purpose: .attack)
        XCTAssertThrowsError(try Attack(parsing: "ood:source=fashion-mnist").run(
            oracle: f.oracle(budget: 100), context: f.context(budget: 100, outOfDistribution: other), rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("tabular rows have 20 features but the teacher takes 64"), "\(e)")
            XCTAssertTrue("\(e)".contains("image shape is unknown"), "\(e)")
        }
        // Blurring needs the image shape.
        var ctx = f.context(budget: 100)
        ctx.inputShape = nil
        XCTAssertThrowsError(try Attack(parsing: "ood:blur=1").run(oracle: f.oracle(budget: 100), context: ctx, rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("blur=1.0 needs the input's image shape"), "\(e)")
        }
    }

    func testOutOfDistributionDatasetIsResizedToTheTeacherGeometry() throws {
        let f = try fixture()
        // A 16×16 "other dataset" made of 2×2-constant blocks: the area resize to 8×8 recovers the blocks exactly.
        var rng = RandomStream(seed: 3, label: "blocks")
        let small = Matrix(rows: 50, cols: 64, values: (0..<(50 * 64)).map { _ in Float(rng.int(below: 17)) / 16 })  // few mantissa bits: block means are exact
        let big = Matrix(rows: 50, cols: 256)
        for r in 0..<50 { for y in 0..<16 { for x in 0..<16 { big[r, y * 16 + x] = small[r, (y / 2) * 8 + x / 2] } } }
        let other = try Dataset(name: "blocks", features: big, labels: [Int32](repeating: 0, count: 50), classNames: ["x"],
                                imageShape: ImageShape(height: 16, width: 16))
        var attackRng = RandomStream(seed: 1, purpose: .attack)
        let out = try Attack(parsing: "ood:source=fashion-mnist").run(
            oracle: f.oracle(budget: 20), context: f.context(budget: 20, outOfDistribution: other), rng: &attackRng)
        XCTAssertEqual(out.notes["resize"], "16×16 → 8×8 (area)")
        let smallRows = Set((0..<50).map { small.rowValues($0) })
        for r in 0..<20 { XCTAssertTrue(smallRows.contains(out.transfer.inputs.rowValues(r)), "row \(r) is not a block image") }
    }

    // MARK: Jacobian augmentation

    func testJacobianStepMovesEveryPixelByExactlyLambdaAlongTheGradientSign() throws {
        let f = try fixture()
        var rng = RandomStream(seed: 5, label: "substitute")
        let substitute = MLP(sizes: f.studentSizes, rng: &rng)
        let x = f.splits.attackerPool.features.gatherRows(0..<30)
        let labels = f.teacher.predictions(x)
        let lambda: Float = 0.1
        let augmented = JacobianAugmentationStrategy.augment(x, labels: labels, substitute: substitute, step: lambda)
        let g = substitute.logitGradients(x, classes: labels)
        var exact = 0, clipped = 0
        for i in 0..<x.count {
            let (a, b, s) = (x.storage[i], augmented.storage[i], g.storage[i])
            XCTAssertTrue(b >= 0 && b <= 1)
            let unclipped = a + lambda * (s > 0 ? 1 : s < 0 ? -1 : 0)
            if unclipped >= 0 && unclipped <= 1 {
                XCTAssertEqual(abs(b - a), s == 0 ? 0 : lambda, accuracy: 1e-6, "pixel \(i)")
                XCTAssertEqual((b - a) * s >= 0, true, "pixel \(i) moved against the gradient")
                if s != 0 { exact += 1 }
            } else {
                XCTAssertEqual(b, unclipped < 0 ? 0 : 1, "pixel \(i) not clipped")
                clipped += 1
            }
        }
        XCTAssertGreaterThan(exact, x.count / 3, "most pixels should move by λ (\(clipped) clipped)")
        // The periodic step sign of the paper (τ = 3) and the sheet's constant sign.
        let periodic = JacobianAugmentationStrategy(tau: 3)
        XCTAssertEqual((0..<7).map { periodic.step(round: $0) }, [0.1, 0.1, 0.1, -0.1, -0.1, -0.1, 0.1])
        XCTAssertEqual((0..<4).map { JacobianAugmentationStrategy().step(round: $0) }, [0.1, 0.1, 0.1, 0.1])
    }

    // MARK: Students per strategy

    func testStudentsFromEveryStrategyBeatChanceOnDigits() throws {
        let f = try fixture()
        let budget = 400
        var report: [String] = ["teacher \(String(format: "%.3f", f.teacherAccuracy))"]
        var accuracy: [String: Double] = [:]
        let fashion: Dataset? = try? DataSource.fashionMNIST.load().train
        var specs = ["random", "ood:source=noise", "ood:source=noise,blur=1", "jacobian", "jacobian:tau=3", "active",
                     "active:uncertainty=margin"]
        if fashion != nil { specs.append("ood:source=fashion-mnist") }
        for spec in specs {
            let oracle = f.oracle(budget: budget)
            var rng = RandomStream(seed: 11, purpose: .attack)
            let out = try Attack(parsing: spec).run(oracle: oracle, context: f.context(budget: budget, outOfDistribution: spec.contains("fashion") ? fashion : nil), rng: &rng)
            XCTAssertEqual(out.queriesSpent, budget, spec)
            let acc = try f.studentAccuracy(out.transfer)
            accuracy[spec] = acc
            report.append("\(spec) \(String(format: "%.3f", acc))")
        }
        print("student test accuracy on digits at \(budget) queries:", report.joined(separator: ", "))
        XCTAssertGreaterThan(f.teacherAccuracy, 0.9)
        for spec in ["random", "jacobian", "jacobian:tau=3", "active", "active:uncertainty=margin"] {
            XCTAssertGreaterThan(accuracy[spec]!, 0.6, "\(spec): should beat chance (0.1) clearly")
        }
        XCTAssertGreaterThan(accuracy["ood:source=noise"]!, 0.1, "noise queries should still beat chance")
    }

    // MARK: Active learning

    func testActiveLearningChoosesPointsTheSubstituteIsUnsureAbout() throws {
        let f = try fixture()
        let pool = f.splits.attackerPool.features
        var rng = RandomStream(seed: 2, label: "active-test")
        let seed = rng.sample(40, from: pool.rows)
        let ctx = f.context(budget: 400)
        let substitute = ctx.makeSubstitute(rng: &rng)
        try ctx.trainSubstitute(substitute, inputs: pool.gatherRows(seed), responses: f.teacher.probabilities(pool.gatherRows(seed)), rng: &rng)
        var excluded = [Bool](repeating: false, count: pool.rows)
        for i in seed { excluded[i] = true }
        for measure in ActiveLearningStrategy.Uncertainty.allCases {
            let scores = ActiveLearningStrategy.uncertainty(substitute.probabilities(pool), measure: measure)
            let chosen = ActiveLearningStrategy.mostUncertain(scores, count: 60, excluding: excluded)
            XCTAssertEqual(chosen.count, 60)
            XCTAssertTrue(chosen.allSatisfy { !excluded[$0] })
            XCTAssertEqual(chosen.map { scores[$0] }, chosen.map { scores[$0] }.sorted(by: >))
            let random = rng.sample(pool.rows, from: pool.rows).filter { !excluded[$0] }.prefix(60)
            let entropy = ActiveLearningStrategy.uncertainty(substitute.probabilities(pool), measure: .entropy)
            let chosenMean = chosen.map { entropy[$0] }.reduce(0, +) / 60
            let randomMean = random.map { entropy[$0] }.reduce(0, +) / 60
            print("active (\(measure)): mean substitute entropy chosen \(chosenMean) vs random \(randomMean)")
            XCTAssertGreaterThan(chosenMean, 1.5 * randomMean, "\(measure)")
        }
        // Hand-checked scores: uniform over 2 classes has entropy ln 2 and margin score 1.
        let p = Matrix([[0.5, 0.5, 0], [1, 0, 0], [0.7, 0.2, 0.1]])
        let h = ActiveLearningStrategy.uncertainty(p, measure: .entropy)
        XCTAssertEqual(h[0], log(2), accuracy: 1e-7)
        XCTAssertEqual(h[1], 0)
        let m = ActiveLearningStrategy.uncertainty(p, measure: .margin)
        XCTAssertEqual(m[0], 1); XCTAssertEqual(m[1], 0); XCTAssertEqual(m[2], 0.5, accuracy: 1e-6)
    }

    // MARK: Counters

    func testAveragingRepeatsShrinksZeroMeanNoiseByRootR() throws {
        let f = try fixture()
        let sigma = 0.02, r = 4, distinct = 400
        let noisy = f.oracle([ZeroMeanNoiseDefense(sigma: sigma)], budget: distinct * r, seed: 1)
        var rng = RandomStream(seed: 4, purpose: .attack)
        var ctx = f.context(budget: distinct * r)
        ctx.pool = f.splits.attackerPool.features.gatherRows(0..<distinct)
        let averaged = try Attack(parsing: "random", counters: ["average-repeats:repeats=\(r)"]).run(oracle: noisy, context: ctx, rng: &rng)
        XCTAssertEqual(averaged.transfer.count, distinct)
        XCTAssertEqual(noisy.queryCounts["thief"], distinct * r)
        let inputs = averaged.transfer.inputs
        let single = try f.oracle([ZeroMeanNoiseDefense(sigma: sigma)], budget: distinct, seed: 2).query(inputs, client: "thief")
        let clean = f.teacher.probabilities(inputs)
        func meanL1(_ q: Matrix) -> Double {
            zip(q.values, clean.values).map { Double(abs($0 - $1)) }.reduce(0, +) / Double(q.rows)
        }
        let ratio = meanL1(averaged.transfer.responses) / meanL1(single)
        print("average-repeats r=\(r), σ=\(sigma): mean L1 averaged \(meanL1(averaged.transfer.responses)), single \(meanL1(single)), ratio \(ratio) (1/√r = \(1 / Double(r).squareRoot()))")
        XCTAssertEqual(ratio, 1 / Double(r).squareRoot(), accuracy: 0.05)
    }

    func testArgmaxCounterMakesOneHotResponses() throws {
        let f = try fixture()
        let (a, _) = try run("random", counters: ["argmax"], budget: 100)
        let clean = f.teacher.predictions(a.transfer.inputs)
        for r in 0..<a.transfer.count {
            XCTAssertEqual(a.transfer.responses.rowValues(r), (0..<10).map { $0 == Int(clean[r]) ? 1 : 0 })
        }
    }

    func testEnsembleFilterDropsKeyedWrongAnswers() throws {
        let f = try fixture()
        let budget = f.splits.attackerPool.count
        let (out, _) = try run("random", counters: ["ensemble-filter:members=5"], budget: budget,
                               defenses: [KeyedFlipDefense(rate: 0.05)])
        XCTAssertEqual(out.collected, budget)
        // Which collected rows carry a flipped answer: recompute from the pool rows.
        var rng = RandomStream(seed: 7, purpose: .attack)
        let order = rng.sample(budget, from: budget)
        let collectedInputs = f.splits.attackerPool.features.gatherRows(order)
        let truth = f.teacher.predictions(collectedInputs)
        let flippedOracle = f.oracle([KeyedFlipDefense(rate: 0.05)], budget: budget)
        let answered = try flippedOracle.query(collectedInputs, client: "thief").argmaxRows()
        let flipped = Set((0..<budget).filter { answered[$0] != truth[$0] })
        let dropped = Set(out.dropped)
        let hits = flipped.intersection(dropped).count
        let recall = Double(hits) / Double(flipped.count)
        let precision = Double(hits) / Double(max(dropped.count, 1))
        let cleanKept = Double(budget - flipped.count - (dropped.count - hits)) / Double(budget - flipped.count)
        print("ensemble-filter: \(flipped.count) flipped of \(budget); dropped \(dropped.count); recall \(recall), precision \(precision), clean kept \(cleanKept)")
        XCTAssertGreaterThan(flipped.count, 5)
        XCTAssertEqual(out.transfer.count, budget - dropped.count)
        XCTAssertEqual(out.notes["ensemble-filter.filtered"], "\(dropped.count) of \(budget)")
        XCTAssertGreaterThanOrEqual(recall, 0.7)
        XCTAssertGreaterThanOrEqual(cleanKept, 0.85)
        // In-bag votes defend memorised flips: voting with all members catches fewer of them.
        let (all, _) = try run("random", counters: ["ensemble-filter:members=5,vote=all"], budget: budget,
                               defenses: [KeyedFlipDefense(rate: 0.05)])
        let allRecall = Double(flipped.intersection(Set(all.dropped)).count) / Double(flipped.count)
        print("ensemble-filter vote=all: dropped \(all.dropped.count), recall \(allRecall)")
        XCTAssertLessThan(allRecall, recall)
        // Kept rows keep their pool indices aligned.
        for (row, i) in out.transfer.poolIndices.enumerated() {
            XCTAssertEqual(out.transfer.inputs.rowValues(row), f.splits.attackerPool.features.rowValues(i))
        }
    }

    // MARK: Bad specs

    func testBadSpecsGiveOneClearError() throws {
        func message(_ strategy: String, _ counters: [String] = []) -> String {
            do { _ = try Attack(parsing: strategy, counters: counters); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("jacobain").contains("unknown attack strategy 'jacobain' (did you mean 'jacobian'?)"))
        XCTAssertTrue(message("argmax").contains("'argmax' is a counter"))
        XCTAssertTrue(message("random", ["averge-repeats"]).contains("did you mean 'average-repeats'?"))
        XCTAssertTrue(message("random", ["average-repeats:repeats=1"]).contains("repeats=1 is invalid; expected an integer ≥ 2"))
        XCTAssertTrue(message("jacobian:lambda=0").contains("lambda=0 is invalid; expected a number in (0, 1]"))
        XCTAssertTrue(message("jacobian:lambda=-0.1").contains("lambda=-0.1 is invalid"))
        XCTAssertTrue(message("jacobian:lamda=0.2").contains("has no parameter 'lamda' (did you mean 'lambda'?)"))
        XCTAssertTrue(message("active:uncertainty=entropi").contains("did you mean 'entropy'?"))
        XCTAssertTrue(message("ood:source=imagenet").contains("source=imagenet is invalid"))
        XCTAssertTrue(message("random", ["argmax", "argmax"]).contains("given twice"))
        XCTAssertTrue(message("jacobian:lambda").contains("'lambda' is not key=value"))
        XCTAssertEqual(message("jacobian:lambda=0.05,seed-size=20,tau=3"), "no error")
        // Budget below the seed set: refused before any query.
        let f = try fixture()
        let oracle = f.oracle(budget: 30)
        var rng = RandomStream(seed: 0, purpose: .attack)
        XCTAssertThrowsError(try Attack(parsing: "jacobian:seed-size=50").run(oracle: oracle, context: f.context(budget: 30), rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("budget of 30 queries is smaller than the seed set (50 inputs)"), "\(e)")
        }
        XCTAssertThrowsError(try Attack(parsing: "jacobian:seed-size=20", counters: ["average-repeats:repeats=2"])
            .run(oracle: f.oracle(budget: 30), context: f.context(budget: 30), rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("20 inputs × 2 repeats = 40 queries"), "\(e)")
        }
        XCTAssertEqual(oracle.queryCounts, [:])
        XCTAssertThrowsError(try Attack(parsing: "random").run(oracle: f.oracle(budget: 1000), context: f.context(budget: 1000), rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("lower the budget (attack.budget, --budget) to at most \(f.splits.attackerPool.count)"), "\(e)")
        }
        // Specs round-trip through Codable and description.
        let spec = try AttackSpec(parsing: "jacobian: lambda=0.05 , seed-size=20")
        XCTAssertEqual(spec.description, "jacobian:lambda=0.05,seed-size=20")
        XCTAssertEqual(try JSONDecoder().decode(AttackSpec.self, from: JSONEncoder().encode(spec)), spec)
        XCTAssertEqual(ComponentRegistry.shared.names(.strategy), ["active", "jacobian", "ood", "random"])
        XCTAssertEqual(ComponentRegistry.shared.names(.counter), ["argmax", "average-repeats", "ensemble-filter"])
    }
}
