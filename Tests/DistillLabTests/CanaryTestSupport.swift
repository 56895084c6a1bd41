import XCTest
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// A small digits world shared by the canary tests: a teacher, its owner's
/// data, the attacker's pool and independently trained control models.
/// Built once per test process (training takes a few seconds).
final class CanaryWorld {
    static let shared: CanaryWorld = try! CanaryWorld(source: "digits")

    let splits: DataSplits
    let teacher: MLP
    /// Innocent models: the student architecture trained on the owner's
    /// private split with TRUE labels, each from its own seed.
    let controls: [MLP]
    let studentHidden: [Int]
    let studentTraining: TrainingConfig
    let queryBatch: Int

    /// - Parameter source: "digits" (the tests) or "fashion-mnist" (the
    ///   opt-in measurement), with `ExperimentSettings.defaults(for:)`'s recipe.
    init(source: String, controlCount: Int = 6) throws {
        let s = ExperimentSettings.defaults(for: source)
        let (train, test) = try DataSource(parsing: source).load()
        splits = try DataSplits.make(train: train, test: test, fractions: s.data.fractions, seed: 0)
        let d = train.featureCount, k = train.classCount
        studentHidden = s.student.hidden
        studentTraining = s.student.training
        queryBatch = s.attack.queryBatch
        var initStream = RandomStream(seed: 0, purpose: .teacherInit)
        var shuffle = RandomStream(seed: 0, purpose: .teacherShuffle)
        teacher = MLP(sizes: [d] + s.teacher.hidden + [k], rng: &initStream)
        _ = try Trainer(config: s.teacher.training, objective: .crossEntropy).train(
            teacher, on: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
            validation: ValidationSet(features: splits.validation.features, labels: splits.validation.labels), shuffle: &shuffle)
        var cs: [MLP] = []
        for i in 0..<controlCount {
            var ci = RandomStream(seed: UInt64(100 + i), label: "control")
            var cshuffle = RandomStream(seed: UInt64(200 + i), label: "control")
            let m = MLP(sizes: [d] + studentHidden + [k], rng: &ci)
            _ = try Trainer(config: studentTraining, objective: .crossEntropy).train(
                m, on: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
                validation: nil, shuffle: &cshuffle)
            cs.append(m)
        }
        controls = cs
    }

    var context: DefenseContext {
        DefenseContext(teacher: teacher, ownerData: splits.teacherTrain, validation: splits.validation, seed: 0)
    }

    /// The whole attacker pool answered by an oracle running `defenses`.
    func steal(with defenses: [ResponseDefense], budget: Int? = nil) throws -> (inputs: Matrix, responses: Matrix) {
        let oracle = Oracle(teacher: teacher, defenses: defenses, defenseStream: RandomStream(seed: 0, purpose: .defense))
        let pool = budget.map { splits.attackerPool.features.gatherRows(0..<min($0, splits.attackerPool.count)) }
            ?? splits.attackerPool.features
        let responses = Matrix(rows: pool.rows, cols: teacher.classCount)
        var start = 0
        while start < pool.rows {  // batches of 100, like the attacker
            let rows = min(queryBatch, pool.rows - start)
            let batch = pool.gatherRows(start..<(start + rows))
            let answer = try oracle.query(batch, client: "thief")
            (responses.storage + start * responses.cols).update(from: answer.storage, count: answer.count)
            start += rows
        }
        return (pool, responses)
    }

    /// A student distilled from (inputs, responses): soft cross-entropy on
    /// the responses, or cross-entropy on their argmax (label-only).
    func distill(_ inputs: Matrix, _ responses: Matrix, soft: Bool, hidden: [Int]? = nil, seed: UInt64 = 7,
                 epochs: Int? = nil) throws -> MLP {
        var si = RandomStream(seed: seed, purpose: .studentInit)
        var ss = RandomStream(seed: seed, purpose: .studentShuffle)
        let student = MLP(sizes: [inputs.cols] + (hidden ?? studentHidden) + [responses.cols], rng: &si)
        var config = studentTraining
        if let epochs { config.epochs = epochs }
        _ = try Trainer(config: config, objective: soft ? .softCrossEntropy : .crossEntropy).train(
            student, on: TrainingSet(features: inputs, labels: responses.argmaxRows(), softTargets: soft ? responses : nil),
            validation: nil, shuffle: &ss)
        return student
    }
}
