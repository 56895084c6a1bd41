import Foundation
import DistillCore
import DistillNN
import DistillData

/// Progress of a running experiment, for terminals and logs.
public enum ExperimentEvent {
    case stage(String)
    /// An epoch of `model` ("teacher", "student-soft", …) finished.
    case epoch(model: String, metrics: EpochMetrics, totalEpochs: Int)
    case modelDone(ModelResult)
}

/// The foundation experiment: train a teacher on its private split, serve it
/// through an `Oracle`, let a random-pool attacker spend its query budget, and
/// distill students from the responses (soft-label KD and label-only), with an
/// honest-label reference student beside them. Everything is evaluated on the
/// test split, which no model trains or selects on.
public struct Experiment {
    public var settings: ExperimentSettings

    public init(settings: ExperimentSettings) { self.settings = settings }

    /// Runs the experiment; if `directory` is given, writes settings, per-epoch
    /// metrics, results and checkpoints there.
    /// - Throws: `ExperimentError`, `DatasetError`, `TrainingError`, I/O errors.
    public func run(directory: RunDirectory? = nil,
                    onEvent: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResult {
        let s = settings
        try s.validate()
        let started = Date()
        let previousThreads = BLAS.threads
        BLAS.threads = s.threads
        defer { BLAS.threads = previousThreads }

        onEvent(.stage("loading \(s.data.source)"))
        let source = try DataSource(parsing: s.data.source, labelColumn: s.data.labelColumn, featureScale: s.data.featureScale)
        let (train, officialTest) = try source.load()
        let splits = try DataSplits.make(train: train, test: officialTest, fractions: s.data.fractions, seed: s.seed)
        guard s.attack.budget <= splits.attackerPool.count else {
            throw ExperimentError.budgetExceedsPool(budget: s.attack.budget, pool: splits.attackerPool.count)
        }
        let d = train.featureCount, k = train.classCount
        let environment = RunEnvironment.current(threads: s.threads, started: started)
        if let dir = directory {
            try dir.writeJSON(RunRecord(settings: s, environment: environment), to: "settings.json")
        }
        let metricsLog = try directory.map { try JSONLinesWriter(url: $0.file("metrics.jsonl")) }
        func logEpoch(_ role: String, _ m: EpochMetrics, _ total: Int) {
            try? metricsLog?.append(EpochLogLine(model: role, metrics: m))
            onEvent(.epoch(model: role, metrics: m, totalEpochs: total))
        }

        // 1. Teacher on its private split, selected on validation.
        onEvent(.stage("training teacher \(([d] + s.teacher.hidden + [k]).map(String.init).joined(separator: "-")) on \(splits.teacherTrain.count) examples"))
        var initStream = RandomStream(seed: s.seed, purpose: .teacherInit)
        var shuffle = RandomStream(seed: s.seed, purpose: .teacherShuffle)
        let teacher = MLP(sizes: [d] + s.teacher.hidden + [k], initialization: s.teacher.initialization, rng: &initStream)
        let teacherReport = try Trainer(config: s.teacher.training, objective: .crossEntropy).train(
            teacher, on: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
            validation: ValidationSet(features: splits.validation.features, labels: splits.validation.labels),
            shuffle: &shuffle, onEpoch: { logEpoch("teacher", $0, s.teacher.training.epochs) })
        let teacherTest = teacher.predictions(splits.test.features)
        let teacherResult = ModelResult(
            role: "teacher", architecture: teacher.architecture, objective: Objective.crossEntropy.name,
            testAccuracy: Metrics.accuracy(teacherTest, splits.test.labels), fidelity: nil,
            validationAccuracy: teacherReport.selectedValidationAccuracy, selection: teacherReport.selection,
            selectedEpoch: teacherReport.selectedEpoch, epochs: s.teacher.training.epochs,
            trainSeconds: teacherReport.seconds, trainExamples: splits.teacherTrain.count)
        onEvent(.modelDone(teacherResult))
        try directory.map { try teacher.save(to: $0.file("teacher.safetensors"), metadata: ["role": "teacher"]) }

        // 2. The oracle is the attacker's only access to the teacher.
        let oracle = Oracle(teacher: teacher, defenses: [], defenseStream: RandomStream(seed: s.seed, purpose: .defense))
        let attacker = RandomPoolAttacker(budget: s.attack.budget, batchSize: s.attack.queryBatch)
        oracle.budgets[attacker.client] = s.attack.budget
        onEvent(.stage("attacker querying the oracle: \(s.attack.budget) queries from a pool of \(splits.attackerPool.count)"))
        var attackStream = RandomStream(seed: s.seed, purpose: .attack)
        let transfer = try attacker.collect(from: oracle, pool: splits.attackerPool.features, rng: &attackStream)

        // 3. Students: same architecture, same initial weights and batch order.
        let studentSizes = [d] + s.student.hidden + [k]
        let honestLabels = transfer.poolIndices.map { splits.attackerPool.labels[$0] }
        let plans: [(role: String, objective: Objective, set: TrainingSet)] = [
            ("student-soft", .distillation(temperature: s.student.temperature, alpha: s.student.alpha),
             TrainingSet(features: transfer.inputs, labels: transfer.responseLabels, softTargets: transfer.responses)),
            ("student-label", .crossEntropy, TrainingSet(features: transfer.inputs, labels: transfer.responseLabels)),
            ("student-reference", .crossEntropy, TrainingSet(features: transfer.inputs, labels: honestLabels)),
        ]
        var studentResults: [ModelResult] = []
        for plan in plans {
            onEvent(.stage("distilling \(plan.role) \(studentSizes.map(String.init).joined(separator: "-")) with \(plan.objective.name)"))
            var sInit = RandomStream(seed: s.seed, purpose: .studentInit)
            var sShuffle = RandomStream(seed: s.seed, purpose: .studentShuffle)
            let student = MLP(sizes: studentSizes, initialization: s.student.initialization, rng: &sInit)
            let report = try Trainer(config: s.student.training, objective: plan.objective)
                .train(student, on: plan.set, validation: nil, shuffle: &sShuffle, onEpoch: { logEpoch(plan.role, $0, s.student.training.epochs) })
            let predictions = student.predictions(splits.test.features)
            let result = ModelResult(
                role: plan.role, architecture: student.architecture, objective: plan.objective.name,
                testAccuracy: Metrics.accuracy(predictions, splits.test.labels),
                fidelity: Metrics.fidelity(student: predictions, teacher: teacherTest),
                validationAccuracy: nil, selection: report.selection, selectedEpoch: report.selectedEpoch,
                epochs: s.student.training.epochs, trainSeconds: report.seconds, trainExamples: plan.set.count)
            studentResults.append(result)
            onEvent(.modelDone(result))
            try directory.map { try student.save(to: $0.file("\(plan.role).safetensors"), metadata: ["role": plan.role]) }
        }

        let result = ExperimentResult(
            dataset: source.name, classes: k, features: d,
            splits: SplitSizes(teacherTrain: splits.teacherTrain.count, validation: splits.validation.count,
                               attackerPool: splits.attackerPool.count, test: splits.test.count),
            seed: s.seed, queryBudget: s.attack.budget, queriesUsed: oracle.queryCounts,
            teacher: teacherResult, students: studentResults, environment: environment,
            seconds: Date().timeIntervalSince(started))
        try directory.map { try $0.writeJSON(result, to: "results.json") }
        return result
    }
}

/// settings.json: the resolved settings and the environment they ran in.
public struct RunRecord: Codable, Sendable, Equatable {
    public var settings: ExperimentSettings
    public var environment: RunEnvironment
}

/// One line of metrics.jsonl.
public struct EpochLogLine: Codable, Sendable, Equatable {
    public var model: String
    public var metrics: EpochMetrics
}

extension RunEnvironment {
    /// The environment of this process now.
    public static func current(threads: Int, started: Date = Date()) -> RunEnvironment {
        let formatter = ISO8601DateFormatter()
        return RunEnvironment(version: DistillLabVersion.current, blasCore: BLAS.coreName, blasThreads: threads,
                              gitCommit: gitCommit(), hostCPU: cpuModel(), startedAt: formatter.string(from: started))
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown" } ?? "unknown"
    }

    /// The commit of the checkout the data folder lives in, if any (read from .git, no subprocess).
    static func gitCommit() -> String? {
        guard let data = try? DataDirectory.locate() else { return nil }
        let git = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent(".git")
        guard let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        if let sha = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
            return sha.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Packed refs.
        guard let packed = try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8) else { return nil }
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(40)) }
    }
}
