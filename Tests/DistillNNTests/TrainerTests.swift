import XCTest
import DistillCore
import DistillNN

/// The training loop on a synthetic, learnable problem.
final class TrainerTests: XCTestCase {
    /// Three Gaussian blobs in 4-D; the label is the blob.
    func blobs(_ n: Int, seed: UInt64) -> (Matrix, [Int32]) {
        var r = RandomStream(seed: seed, label: "blobs")
        let centers: [[Double]] = [[2, 0, 0, 1], [-2, 1, 0, 0], [0, -2, 2, 0]]
        let x = Matrix(rows: n, cols: 4)
        var y = [Int32]()
        for i in 0..<n {
            let c = i % 3
            y.append(Int32(c))
            for j in 0..<4 { x[i, j] = Float(centers[c][j] + r.normal() * 0.8) }
        }
        return (x, y)
    }

    func trainOnce(seed: UInt64, config: TrainingConfig, objective: Objective = .crossEntropy) throws -> (MLP, TrainingReport) {
        var initRNG = RandomStream(seed: seed, purpose: .teacherInit)
        var shuffle = RandomStream(seed: seed, purpose: .teacherShuffle)
        let model = MLP(sizes: [4, 16, 3], rng: &initRNG)
        let (x, y) = blobs(300, seed: 1)
        let (vx, vy) = blobs(90, seed: 2)
        let report = try Trainer(config: config, objective: objective)
            .train(model, on: TrainingSet(features: x, labels: y), validation: ValidationSet(features: vx, labels: vy), shuffle: &shuffle)
        return (model, report)
    }

    func testLearnsSeparableBlobs() throws {
        let (model, report) = try trainOnce(seed: 1, config: TrainingConfig(epochs: 15, batchSize: 32))
        let (tx, ty) = blobs(300, seed: 3)
        let predictions = model.predictions(tx)
        let acc = Double(zip(predictions, ty).filter { $0 == $1 }.count) / 300
        XCTAssertGreaterThan(acc, 0.93)
        XCTAssertLessThan(report.epochs.last!.trainLoss, report.epochs.first!.trainLoss)
    }

    func testSameSeedIsBitIdenticalAndOtherSeedDiffers() throws {
        let c = TrainingConfig(epochs: 3, batchSize: 16, optimizer: OptimizerConfig(kind: .adam, learningRate: 0.01))
        let (a, ra) = try trainOnce(seed: 5, config: c)
        let (b, rb) = try trainOnce(seed: 5, config: c)
        let (other, _) = try trainOnce(seed: 6, config: c)
        XCTAssertEqual(a.parameters.values, b.parameters.values)
        XCTAssertEqual(ra.epochs.map(\.trainLoss), rb.epochs.map(\.trainLoss))
        XCTAssertNotEqual(a.parameters.values, other.parameters.values)
    }

    func testBestValidationSelectsTheBestEpochAndRestoresIt() throws {
        let c = TrainingConfig(epochs: 6, batchSize: 32, optimizer: OptimizerConfig(learningRate: 0.5, momentum: 0.9),
                               schedule: .constant, selection: .bestValidation)
        let (model, report) = try trainOnce(seed: 2, config: c)
        let best = report.epochs.max { ($0.validationAccuracy!, -$0.validationLoss!) < ($1.validationAccuracy!, -$1.validationLoss!) }!
        XCTAssertEqual(report.selectedEpoch, best.epoch)
        let (vx, vy) = blobs(90, seed: 2)
        let (_, acc) = model.evaluate(vx, labels: vy, activations: MLPActivations(for: model, capacity: 64))
        XCTAssertEqual(acc, best.validationAccuracy!, accuracy: 1e-12)
    }

    func testDivergenceStopsWithAClearError() {
        let c = TrainingConfig(epochs: 5, batchSize: 16, optimizer: OptimizerConfig(learningRate: 1e6, momentum: 0.9), schedule: .constant)
        XCTAssertThrowsError(try trainOnce(seed: 1, config: c)) { e in
            guard case .diverged = e as? TrainingError else { return XCTFail("expected divergence, got \(e)") }
            XCTAssertTrue("\(e)".contains("Lower the learning rate"))
        }
    }

    func testAdamAtAHugeLearningRateIsStoppedAsDivergedThoughTheLossStaysFinite() throws {
        // Adam's step is about lr·sign(g): at 1e9 the loss explodes to ~1e29 but stays finite.
        let c = TrainingConfig(epochs: 3, batchSize: 16, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e9), schedule: .constant)
        XCTAssertThrowsError(try trainOnce(seed: 1, config: c)) { e in
            guard case let .diverged(epoch, _, loss)? = e as? TrainingError else { return XCTFail("expected divergence, got \(e)") }
            XCTAssertEqual(epoch, 1)
            XCTAssertTrue(loss.isFinite, "caught by the explosion rule, not the NaN check")
            XCTAssertGreaterThan(loss, TrainingError.divergenceFactor * log(3.0))
            XCTAssertTrue("\(e)".contains("more than 1000× its starting value"), "\(e)")
        }
        // A sane Adam rate on the same data is not flagged.
        XCTAssertNoThrow(try trainOnce(seed: 1, config: TrainingConfig(epochs: 3, batchSize: 16, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-2))))
    }

    func testSoftTargetsRequiredAndLabelsChecked() {
        var initRNG = RandomStream(seed: 1, purpose: .studentInit)
        var shuffle = RandomStream(seed: 1, purpose: .studentShuffle)
        let model = MLP(sizes: [4, 3], rng: &initRNG)
        let (x, y) = blobs(30, seed: 1)
        let t = TrainingConfig(epochs: 1, selection: .last)
        XCTAssertThrowsError(try Trainer(config: t, objective: .softCrossEntropy)
            .train(model, on: TrainingSet(features: x, labels: y), validation: nil, shuffle: &shuffle))
        var bad = y; bad[0] = 7
        XCTAssertThrowsError(try Trainer(config: t, objective: .crossEntropy)
            .train(model, on: TrainingSet(features: x, labels: bad), validation: nil, shuffle: &shuffle)) { e in
            XCTAssertTrue("\(e)".contains("label 7"))
        }
        XCTAssertThrowsError(try Trainer(config: TrainingConfig(epochs: 0), objective: .crossEntropy)
            .train(model, on: TrainingSet(features: x, labels: y), validation: nil, shuffle: &shuffle))
    }

    func testDistillationFromSoftTargetsMatchesTeacher() throws {
        let (teacher, _) = try trainOnce(seed: 3, config: TrainingConfig(epochs: 10, batchSize: 32))
        let (x, _) = blobs(300, seed: 4)
        let q = teacher.probabilities(x)
        var initRNG = RandomStream(seed: 3, purpose: .studentInit)
        var shuffle = RandomStream(seed: 3, purpose: .studentShuffle)
        let student = MLP(sizes: [4, 8, 3], rng: &initRNG)
        _ = try Trainer(config: TrainingConfig(epochs: 15, batchSize: 32, selection: .last), objective: .distillation(temperature: 4, alpha: 1))
            .train(student, on: TrainingSet(features: x, labels: q.argmaxRows(), softTargets: q), validation: nil, shuffle: &shuffle)
        let (tx, _) = blobs(300, seed: 5)
        let agree = zip(student.predictions(tx), teacher.predictions(tx)).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(agree) / 300, 0.95)  // fidelity
    }
}
