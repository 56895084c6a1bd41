import Foundation
import DistillCore
import DistillNN
import DistillData

/// One running experiment's shared state and stages.
struct Run {
    let settings: ExperimentSettings
    let splits: DataSplits
    /// The run folder's one writer (nil for a run without a folder).
    let writer: RunWriter?
    let onEvent: (ExperimentEvent) -> Void
    /// The teacher read from `teacher.file`, served instead of a trained one (nil: train it).
    var loadedTeacher: LoadedTeacher? = nil
    /// Every epoch line this run logged, in order (what a cache stores beside a stage's models).
    let epochLines = EpochLineRecorder()

    var inputSize: Int { splits.teacherTrain.featureCount }
    var classCount: Int { splits.teacherTrain.classCount }

    func logEpoch(_ role: String, _ m: EpochMetrics, _ total: Int) {
        let line = EpochLogLine(model: role, metrics: m)
        writer?.append(line)
        epochLines.lines.append(line)
        onEvent(.epoch(model: role, metrics: m, totalEpochs: total))
    }

    /// Trains a teacher-architecture model on the private split, selected on validation.
    func trainTeacher() throws -> TrainedModel {
        let s = settings
        let role = ModelRole.teacher.rawValue, objective = Objective.crossEntropy
        let sizes = [inputSize] + s.teacher.hidden + [classCount]
        onEvent(.stage("training \(role) \(sizes.map(String.init).joined(separator: "-")) on \(splits.teacherTrain.count) examples with \(objective.name)"))
        var initStream = RandomStream(seed: s.seed, purpose: .teacherInit)
        var shuffle = RandomStream(seed: s.seed, purpose: .teacherShuffle)
        let model = MLP(sizes: sizes, initialization: s.teacher.initialization, rng: &initStream)
        let report = try Trainer(config: s.teacher.training, objective: objective).train(
            model, on: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
            validation: ValidationSet(features: splits.validation.features, labels: splits.validation.labels),
            shuffle: &shuffle, onEpoch: { logEpoch(role, $0, s.teacher.training.epochs) })
        let result = ModelResult(
            role: role, architecture: model.architecture, objective: objective.name,
            testAccuracy: Metrics.accuracy(model.predictions(splits.test.features), splits.test.labels), fidelity: nil,
            validationAccuracy: report.selectedValidationAccuracy, selection: report.selection,
            selectedEpoch: report.selectedEpoch, epochs: s.teacher.training.epochs,
            trainSeconds: report.seconds, trainExamples: splits.teacherTrain.count)
        onEvent(.modelDone(result))
        return TrainedModel(role: .teacher, model: model, result: result)
    }

    /// The nasty teacher: trained against the frozen normal teacher (its adversary).
    func trainNastyTeacher(adversary: MLP, settings nasty: NastyTeacherSettings) throws -> TrainedModel {
        let s = settings
        let role = ModelRole.teacher.rawValue
        // The architecture of the teacher it replaces: a loaded teacher's widths, not teacher.hidden.
        let sizes = [inputSize] + (loadedTeacher?.file.hidden ?? s.teacher.hidden) + [classCount]
        onEvent(.stage("training nasty teacher \(sizes.map(String.init).joined(separator: "-")) against the normal teacher (τ = \(nasty.temperature), ω = \(nasty.omega))"))
        // Its own initialisation stream, so the nasty teacher is not a warm copy of its adversary.
        var initStream = RandomStream(seed: s.seed, purpose: .nastyTeacherInit)
        var shuffle = RandomStream(seed: s.seed, purpose: .teacherShuffle)
        let model = MLP(sizes: sizes, initialization: s.teacher.initialization, rng: &initStream)
        // Selection is always the last epoch: validation accuracy peaks before the
        // objective has made the teacher's soft outputs nasty, so best-validation would undo the defense.
        var config = s.teacher.training
        config.selection = .last
        let report = try NastyTeacher.train(
            teacher: model, adversary: adversary,
            data: TrainingSet(features: splits.teacherTrain.features, labels: splits.teacherTrain.labels),
            validation: ValidationSet(features: splits.validation.features, labels: splits.validation.labels),
            config: config, temperature: nasty.temperature, omega: nasty.omega, shuffle: &shuffle,
            onEpoch: { logEpoch("nasty-teacher", $0, s.teacher.training.epochs) })
        let result = ModelResult(
            role: role, architecture: model.architecture,
            objective: "nasty(T=\(nasty.temperature), omega=\(nasty.omega))",
            testAccuracy: Metrics.accuracy(model.predictions(splits.test.features), splits.test.labels), fidelity: nil,
            validationAccuracy: report.selectedValidationAccuracy, selection: report.selection,
            selectedEpoch: report.selectedEpoch, epochs: s.teacher.training.epochs,
            trainSeconds: report.seconds, trainExamples: splits.teacherTrain.count)
        onEvent(.modelDone(result))
        return TrainedModel(role: .teacher, model: model, result: result)
    }

    /// Runs the configured attack (strategy and counters) against `oracle` within the budget.
    /// The attacker's pool, budget and student, not yet connected to an oracle.
    var attackContext: AttackContext {
        let s = settings
        return AttackContext(pool: splits.attackerPool.features, inputShape: splits.attackerPool.imageShape,
                             budget: s.attack.budget, queryBatch: s.attack.queryBatch,
                             studentSizes: [inputSize] + s.student.hidden + [classCount],
                             studentTraining: s.student.training, studentInitialization: s.student.initialization)
    }

    /// Fails before any training when the attack cannot run on these splits.
    func checkAttack() throws {
        try Attack(strategy: settings.attack.strategy, counters: settings.attack.counters).check(attackContext, classCount: classCount)
    }

    func attack(_ oracle: Oracle, label: String) throws -> AttackOutcome {
        let s = settings
        let attack = try Attack(strategy: s.attack.strategy, counters: s.attack.counters)
        let context = attackContext
        oracle.budgets[context.client] = s.attack.budget
        onEvent(.stage("attacker (\(attack.description)) querying the oracle\(label): budget \(s.attack.budget), pool of \(splits.attackerPool.count)"))
        var attackStream = RandomStream(seed: s.seed, purpose: .attack)
        return try attack.run(oracle: oracle, context: context, rng: &attackStream)
    }

    /// Benign clients: each sends its own natural inputs through an oracle with
    /// the same defenses, watched by the same detector. The inputs are the
    /// rows no attacker holds (test, validation and the owner's training
    /// split) in one random order, cut into disjoint slices of
    /// min(benignQueries, rows / clients): no two clients send the same input,
    /// so their false-positive rate counts independent streams.
    func sendBenignTraffic(teacher: MLP, defenses: [ResponseDefense], detector: ExtractionDetector) throws {
        let s = settings
        let oracle = Oracle(teacher: teacher, defenses: defenses, defenseStream: RandomStream(seed: s.seed, purpose: .benignTrafficDefense))
        oracle.monitors = [detector]
        let sources = [splits.test.features, splits.validation.features, splits.teacherTrain.features]
        let total = sources.map(\.rows).reduce(0, +)
        let clients = s.evaluation.benignClients
        guard clients > 0 else { return }
        let n = min(s.evaluation.benignQueries, total / clients)
        guard n > 0 else {
            throw ExperimentError.invalid("\(clients) benign clients need at least one natural input each, but only \(total) rows lie outside the attacker's pool; lower evaluation.benignClients")
        }
        var order = RandomStream(seed: s.seed, purpose: .benignInputs)
        let rows = order.sample(clients * n, from: total)
        // Row r of the concatenation, as (source, row), without copying the splits.
        func locate(_ r: Int) -> (Int, Int) {
            var r = r
            for (i, m) in sources.enumerated() { if r < m.rows { return (i, r) }; r -= m.rows }
            preconditionFailure("row beyond the natural inputs")
        }
        let width = splits.test.featureCount
        for c in 0..<clients {
            var start = c * n
            while start < (c + 1) * n {
                let count = min(s.attack.queryBatch, (c + 1) * n - start)
                // A fresh matrix per query: monitors may keep what they were sent.
                let part = Matrix(rows: count, cols: width)
                for i in 0..<count {
                    let (source, row) = locate(rows[start + i])
                    part.row(i).update(from: sources[source].row(row), count: width)
                }
                _ = try oracle.query(part, client: "benign-\(c + 1)")
                start += count
            }
        }
    }

    /// Innocent models for canary calibration and false-positive rates: the
    /// student architecture trained on the true labels of a random half of the
    /// attacker's pool, each with its own initialisation and shuffle (never
    /// distilled from the teacher).
    func trainControls(count: Int) throws -> [MLP] {
        let s = settings
        guard count >= 4 else {
            throw ExperimentError.invalid("canary verification needs at least 4 control models (leave-one-out calibration needs 3 per held-out control); set controls ≥ 4")
        }
        let sizes = [inputSize] + s.student.hidden + [classCount]
        var controls: [MLP] = []
        for i in 0..<count {
            onEvent(.stage("training control model \(i + 1)/\(count) \(sizes.map(String.init).joined(separator: "-")) on true labels"))
            var pick = RandomStream(seed: s.seed, purpose: .controlData(i))
            let rows = pick.sample(splits.attackerPool.count / 2, from: splits.attackerPool.count)
            let data = splits.attackerPool.subset(rows)
            var initStream = RandomStream(seed: s.seed, purpose: .controlInit(i))
            var shuffle = RandomStream(seed: s.seed, purpose: .controlShuffle(i))
            let model = MLP(sizes: sizes, initialization: s.student.initialization, rng: &initStream)
            _ = try Trainer(config: s.student.training, objective: .crossEntropy)
                .train(model, on: TrainingSet(features: data.features, labels: data.labels), validation: nil, shuffle: &shuffle)
            controls.append(model)
        }
        return controls
    }

    /// Verifies the suspects against `canary` calibrated on all controls, and
    /// each control against a calibration on the others (leave-one-out), whose
    /// flag rate is the false-positive rate.
    func verify(_ canary: OwnershipCanary, suspects: [TrainedModel], controls: [MLP]) throws -> CanaryOutcome {
        let alpha = settings.evaluation.alpha
        let trial = try OwnershipTrial.run(canary: canary, suspects: Dictionary(uniqueKeysWithValues: suspects.map { ($0.role.rawValue, $0.model) }),
                                           controls: controls, alpha: alpha)
        let outcome = CanaryOutcome(canary: canary.name, alpha: alpha, suspects: trial.suspects, controls: trial.controls,
                                    calibrationControls: controls.count, falsePositiveRate: trial.falsePositiveRate)
        let soft = trial.suspects[ModelRole.studentSoft.rawValue]
        onEvent(.stage("canary \(canary.name): soft student \(soft.map { $0.flagged ? "flagged" : "not flagged" } ?? "—")" +
                       (soft?.pValue.map { String(format: " (p = %.3g)", $0) } ?? "") +
                       String(format: ", false positives on controls %.2f", outcome.falsePositiveRate)))
        return outcome
    }

    /// The three students of one attack: same architecture, initial weights and batch order.
    func distillStudents(from transfer: TransferSet, teacherTest: [Int32], baseline: Bool) throws -> [TrainedModel] {
        let s = settings
        let sizes = [inputSize] + s.student.hidden + [classCount]
        let role = { (o: ModelRole.Objective) in ModelRole.student(o, baseline: baseline) }
        var plans: [(role: ModelRole, objective: Objective, set: TrainingSet)] = [
            (role(.soft), .distillation(temperature: s.student.temperature, alpha: s.student.alpha),
             TrainingSet(features: transfer.inputs, labels: transfer.responseLabels, softTargets: transfer.responses)),
            (role(.label), .crossEntropy, TrainingSet(features: transfer.inputs, labels: transfer.responseLabels)),
        ]
        // The honest-label reference exists only where the queries are pool rows with true labels.
        if transfer.isFromPool {
            let honestLabels = transfer.poolIndices.map { splits.attackerPool.labels[$0] }
            plans.append((role(.reference), .crossEntropy, TrainingSet(features: transfer.inputs, labels: honestLabels)))
        }
        var results: [TrainedModel] = []
        for plan in plans {
            onEvent(.stage("distilling \(plan.role) \(sizes.map(String.init).joined(separator: "-")) with \(plan.objective.name)"))
            var sInit = RandomStream(seed: s.seed, purpose: .studentInit)
            var sShuffle = RandomStream(seed: s.seed, purpose: .studentShuffle)
            let student = MLP(sizes: sizes, initialization: s.student.initialization, rng: &sInit)
            let report = try Trainer(config: s.student.training, objective: plan.objective)
                .train(student, on: plan.set, validation: nil, shuffle: &sShuffle,
                       onEpoch: { logEpoch(plan.role.rawValue, $0, s.student.training.epochs) })
            let predictions = student.predictions(splits.test.features)
            let result = ModelResult(
                role: plan.role.rawValue, architecture: student.architecture, objective: plan.objective.name,
                testAccuracy: Metrics.accuracy(predictions, splits.test.labels),
                fidelity: Metrics.fidelity(student: predictions, teacher: teacherTest),
                validationAccuracy: nil, selection: report.selection, selectedEpoch: report.selectedEpoch,
                epochs: s.student.training.epochs, trainSeconds: report.seconds, trainExamples: plan.set.count)
            results.append(TrainedModel(role: plan.role, model: student, result: result))
            onEvent(.modelDone(result))
        }
        return results
    }
}
