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

/// The experiment: train a teacher on its private split, serve it through an
/// `Oracle` with the configured defenses, let the attacker spend its query
/// budget, and distill students from the responses (soft-label KD and
/// label-only), with an honest-label reference student beside them. With a
/// defense, the same attack also runs against the undefended teacher (same
/// budget, architecture and seed) so the drop is measured, and honest users'
/// cost is measured on the test inputs. Everything is evaluated on the test
/// split, which no model trains or selects on.
public struct Experiment {
    public var settings: ExperimentSettings

    public init(settings: ExperimentSettings) { self.settings = settings }

    /// Runs the experiment; if `directory` is given, writes settings, per-epoch
    /// metrics, results and checkpoints there.
    /// - Throws: `ExperimentError`, `DefenseError`, `DatasetError`, `TrainingError`, I/O errors.
    public func run(directory: RunDirectory? = nil,
                    onEvent: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResult {
        try run(directory: directory, cache: nil, onEvent: onEvent)
    }

    /// Runs the experiment, reusing the normally trained teacher and the
    /// undefended baseline from `cache` when it holds them (and storing them
    /// when it does not). Results are identical to a run without a cache.
    public func run(directory: RunDirectory? = nil, cache: ExperimentCache?,
                    onEvent: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResult {
        // The stages share the callback; it never outlives this call. The ledger notes every
        // stream drawn, for settings.json.
        try StreamLedger.$current.withValue(StreamLedger()) {
            try withoutActuallyEscaping(onEvent) { try perform(directory: directory, cache: cache, onEvent: $0) }
        }
    }

    func perform(directory: RunDirectory?, cache: ExperimentCache?, onEvent: @escaping (ExperimentEvent) -> Void) throws -> ExperimentResult {
        try settings.validate()
        // Every component spec with all its parameters written out: what settings.json,
        // config.yaml and the cache keys record, so a changed default cannot change a rerun.
        let s = try settings.resolved()
        let started = Date()
        let previousThreads = BLAS.threads
        BLAS.threads = s.threads
        defer { BLAS.threads = previousThreads }

        onEvent(.stage("loading \(s.data.source)"))
        let source = try DataSource(parsing: s.data.source, labelColumn: s.data.labelColumn, featureScale: s.data.featureScale)
        let (train, officialTest) = try source.load()
        let splits = try DataSplits.make(train: train, test: officialTest, fractions: s.data.fractions, seed: s.seed)
        // The attack's plan is checked before anything is written or trained.
        try Run(settings: s, splits: splits, directory: nil, metricsLog: nil, onEvent: onEvent).checkAttack()
        let environment = RunEnvironment.current(threads: s.threads, started: started)
        if let dir = directory {
            try dir.writeJSON(RunRecord(settings: s, environment: environment), to: RunFiles.settings)
            try dir.write(Data(dir.renderSettings(s).utf8), to: RunFiles.config)  // rerunnable with --config
        }
        let metricsLog = try directory.map { try JSONLinesWriter(url: $0.file(RunFiles.metrics)) }
        let run = Run(settings: s, splits: splits, directory: directory, metricsLog: metricsLog, onEvent: onEvent)

        // 1. The teacher (normally trained; or nasty, with the normal one as its adversary).
        let normalTeacher = try run.cached(cache?.teacher, cache?.storeTeacher, key: s.teacherCacheKey, what: "teacher",
                                             streams: [.teacherInit, .teacherShuffle]) {
            [try run.trainTeacher()]
        }[0]
        var teacher = normalTeacher.model
        var teacherResult = normalTeacher.result
        if let nasty = s.defense.nastyTeacher {
            let trained = try run.trainNastyTeacher(adversary: normalTeacher.model, settings: nasty)
            teacher = trained.model
            teacherResult = trained.result
        }
        try directory.map { try teacher.save(to: $0.file(RunFiles.model(.teacher)), metadata: ["role": "teacher"]) }
        let teacherTest = teacher.predictions(splits.test.features)

        // 2. The defended oracle, and what the defense costs honest users on test inputs.
        let context = DefenseContext(teacher: teacher, ownerData: splits.teacherTrain, validation: splits.validation,
                                     seed: s.seed, surrogateHidden: s.student.hidden)
        // Owner-side fitting (surrogates, misinformation models) happens once here; every
        // oracle below gets fresh instances of the fitted defenses.
        let fitted = try s.defense.responses.map { try ComponentRegistry.shared.defense($0).fit(context) }
        let defenses = try fitted.map { try $0() }
        var defenseOutcome: DefenseOutcome?
        if !s.defense.isEmpty {
            // A separate oracle with its own defense instances and stream: honest traffic must
            // neither shift the attacker's random draws nor enter the attacker's canary log.
            let benignDefenses = try fitted.map { try $0() }
            let benignOracle = Oracle(teacher: teacher, defenses: benignDefenses,
                                      defenseStream: RandomStream(seed: s.seed, purpose: .benignUsersDefense))
            // "Clean" is the normally trained teacher: a nasty teacher's own answers are its defense.
            let clean = normalTeacher.model.probabilities(splits.test.features)
            let defended = try benignOracle.query(splits.test.features, client: "benign")
            let utility = BenignUtility.measure(clean: clean, defended: defended, labels: splits.test.labels)
            defenseOutcome = DefenseOutcome(responses: s.defense.responses.map(\.description),
                                            nastyTeacher: s.defense.nastyTeacher, benignUtility: utility)
            let pipeline = s.defense.responses.map(\.description).joined(separator: " → ")
            onEvent(.stage(String(format: "defense %@: honest users' accuracy %.4f (clean %.4f), mean L1 %.4f, mean KL %.4f",
                                  pipeline.isEmpty ? "nasty-teacher" : pipeline,
                                  utility.defendedAccuracy, utility.cleanAccuracy, utility.meanL1, utility.meanKL)))
        }
        let oracle = Oracle(teacher: teacher, defenses: defenses, defenseStream: RandomStream(seed: s.seed, purpose: .defense))
        let detector = try s.evaluation.detector.map { try ComponentRegistry.shared.detector($0) }
        if let detector { oracle.monitors.append(detector) }

        // 3. The attack on the (defended) oracle, and the students.
        let attacked = try run.attack(oracle, label: "")
        let distilled = try run.distillStudents(from: attacked.transfer, teacherTest: teacherTest, baseline: false, save: true)
        let students = distilled.map(\.result)

        // 4. The same attack on the undefended teacher: the baseline the defense is judged against.
        var baseline: [ModelResult]?
        var baselineModels: [(model: MLP, result: ModelResult)] = []
        var impact: [String: Double]?
        if !s.defense.isEmpty && s.evaluation.undefendedBaseline {
            let baseTeacher = normalTeacher.model
            let baseOracle = Oracle(teacher: baseTeacher, defenseStream: RandomStream(seed: s.seed, purpose: .defense))
            baselineModels = try run.cached(cache?.baseline, cache?.storeBaseline, key: s.baselineCacheKey, what: "undefended baseline",
                                            streams: [.attack, .defense, .studentInit, .studentShuffle]) {
                let baseTransfer = try run.attack(baseOracle, label: " (undefended baseline)").transfer
                let baseTest = baseTeacher.predictions(splits.test.features)
                return try run.distillStudents(from: baseTransfer, teacherTest: baseTest, baseline: true, save: false)
            }
            let base = baselineModels.map(\.result)
            baseline = base
            var drops: [String: Double] = [:]
            for d in students {
                guard let objective = ModelRole(rawValue: d.role)?.objective else { continue }
                let twin = ModelRole.student(objective, baseline: true).rawValue
                if let b = base.first(where: { $0.role == twin }) { drops[d.role] = b.testAccuracy - d.testAccuracy }
            }
            impact = drops
        }

        // 5. Extraction detection: the attacker's stream, and benign clients' for the false-positive rate.
        var detection: DetectionOutcome?
        if let detector {
            try run.sendBenignTraffic(teacher: teacher, defenses: try fitted.map { try $0() }, detector: detector)
            let attackerReport = detector.report(for: "attacker")
            let benign = detector.reports.filter { $0.client.hasPrefix("benign-") }
            detection = DetectionOutcome(detector: s.evaluation.detector!, attacker: attackerReport, benign: benign,
                                         benignFalsePositiveRate: benign.isEmpty ? nil : Double(benign.filter(\.flagged).count) / Double(benign.count))
            onEvent(.stage("detector: attacker " + (attackerReport.map { $0.flagged ? "flagged after \($0.queriesUntilFlag ?? 0) queries" : "not flagged" } ?? "sent nothing") +
                           ", benign clients flagged \(benign.filter(\.flagged).count)/\(benign.count)"))
        }

        // 6. Ownership: test the students for every canary, and innocent controls for false positives.
        let canaries = defenses.compactMap { $0 as? OwnershipCanary }
        var canaryOutcomes: [CanaryOutcome]?
        if !canaries.isEmpty {
            let controls = try run.trainControls(count: s.evaluation.controls)
            // Reference students never saw the teacher's answers: they are not suspects.
            let suspects = (distilled + baselineModels).filter { ModelRole(rawValue: $0.result.role)?.objective != .reference }
            canaryOutcomes = try canaries.map { try run.verify($0, suspects: suspects, controls: controls) }
            // The owner's evidence, calibrated on all controls, for `distill-lab verify` later.
            // One evidence file per canary (pipeline index + name: two canaries never collide); the first
            // keyed canary's log also keeps its old name, canary-log.json, for existing scripts.
            if let dir = directory {
                var wroteLegacy = false
                for (index, defense) in defenses.enumerated() {
                    guard let canary = defense as? OwnershipCanary else { continue }
                    let data = try canary.evidence().encoded()
                    try dir.write(data, to: RunFiles.canaryEvidence(index: index, name: canary.name))
                    if canary is KeyedCanary, !wroteLegacy { try dir.write(data, to: RunFiles.canaryLog); wroteLegacy = true }
                }
            }
        }

        let result = ExperimentResult(
            dataset: source.name, classes: train.classCount, features: train.featureCount,
            splits: SplitSizes(teacherTrain: splits.teacherTrain.count, validation: splits.validation.count,
                               attackerPool: splits.attackerPool.count, test: splits.test.count),
            seed: s.seed, queryBudget: s.attack.budget, queriesUsed: oracle.queryCounts,
            teacher: teacherResult, students: students, environment: environment,
            seconds: Date().timeIntervalSince(started),
            defense: defenseOutcome, undefendedBaseline: baseline, defensiveImpact: impact, canaries: canaryOutcomes,
            detection: detection,
            attack: AttackSummary(attack: ([s.attack.strategy] + s.attack.counters).map(\.description).joined(separator: " + "),
                                  queriesSpent: attacked.queriesSpent, collected: attacked.collected,
                                  kept: attacked.transfer.count, dropped: attacked.dropped.count, notes: attacked.notes))
        try directory.map { try $0.writeJSON(result, to: RunFiles.results) }
        if let dir = directory, let ledger = StreamLedger.current {
            // settings.json, written before the run, now also says which random streams it drew from.
            try dir.replaceJSON(RunRecord(settings: s, environment: environment, streams: ledger.families), at: RunFiles.settings)
        }
        return result
    }
}

/// One running experiment's shared state and stages.
struct Run {
    let settings: ExperimentSettings
    let splits: DataSplits
    let directory: RunDirectory?
    let metricsLog: JSONLinesWriter?
    let onEvent: (ExperimentEvent) -> Void
    /// Every epoch line this run logged, in order (what a cache stores beside a stage's models).
    let epochLines = EpochLineRecorder()

    var inputSize: Int { splits.teacherTrain.featureCount }
    var classCount: Int { splits.teacherTrain.classCount }

    func logEpoch(_ role: String, _ m: EpochMetrics, _ total: Int) {
        let line = EpochLogLine(model: role, metrics: m)
        try? metricsLog?.append(line)
        epochLines.lines.append(line)
        onEvent(.epoch(model: role, metrics: m, totalEpochs: total))
    }

    /// Trains a teacher-architecture model on the private split, selected on validation.
    func trainTeacher() throws -> (model: MLP, result: ModelResult) {
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
        return (model, result)
    }

    /// The nasty teacher: trained against the frozen normal teacher (its adversary).
    func trainNastyTeacher(adversary: MLP, settings nasty: NastyTeacherSettings) throws -> (model: MLP, result: ModelResult) {
        let s = settings
        let role = "teacher"
        let sizes = [inputSize] + s.teacher.hidden + [classCount]
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
        return (model, result)
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

    /// Benign clients: each sends natural inputs (rows of the test split, in its
    /// own random order) through an oracle with the same defenses, watched by
    /// the same detector.
    func sendBenignTraffic(teacher: MLP, defenses: [ResponseDefense], detector: ExtractionDetector) throws {
        let s = settings
        let oracle = Oracle(teacher: teacher, defenses: defenses, defenseStream: RandomStream(seed: s.seed, purpose: .benignTrafficDefense))
        oracle.monitors = [detector]
        let n = min(s.evaluation.benignQueries, splits.test.count)
        for c in 0..<s.evaluation.benignClients {
            var pick = RandomStream(seed: s.seed, purpose: .benignClient(c))
            let rows = pick.sample(n, from: splits.test.count)
            var start = 0
            while start < n {
                let batch = splits.test.features.gatherRows(rows[start..<min(start + s.attack.queryBatch, n)])
                _ = try oracle.query(batch, client: "benign-\(c + 1)")
                start += batch.rows
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
    func verify(_ canary: OwnershipCanary, suspects: [(model: MLP, result: ModelResult)], controls: [MLP]) throws -> CanaryOutcome {
        let alpha = settings.evaluation.alpha
        let trial = try OwnershipTrial.run(canary: canary, suspects: Dictionary(uniqueKeysWithValues: suspects.map { ($0.result.role, $0.model) }),
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
    func distillStudents(from transfer: TransferSet, teacherTest: [Int32], baseline: Bool, save: Bool) throws -> [(model: MLP, result: ModelResult)] {
        let s = settings
        let sizes = [inputSize] + s.student.hidden + [classCount]
        let role = { (o: ModelRole.Objective) in ModelRole.student(o, baseline: baseline).rawValue }
        var plans: [(role: String, objective: Objective, set: TrainingSet)] = [
            (role(.soft), .distillation(temperature: s.student.temperature, alpha: s.student.alpha),
             TrainingSet(features: transfer.inputs, labels: transfer.responseLabels, softTargets: transfer.responses)),
            (role(.label), .crossEntropy, TrainingSet(features: transfer.inputs, labels: transfer.responseLabels)),
        ]
        // The honest-label reference exists only where the queries are pool rows with true labels.
        if transfer.isFromPool {
            let honestLabels = transfer.poolIndices.map { splits.attackerPool.labels[$0] }
            plans.append((role(.reference), .crossEntropy, TrainingSet(features: transfer.inputs, labels: honestLabels)))
        }
        var results: [(model: MLP, result: ModelResult)] = []
        for plan in plans {
            onEvent(.stage("distilling \(plan.role) \(sizes.map(String.init).joined(separator: "-")) with \(plan.objective.name)"))
            var sInit = RandomStream(seed: s.seed, purpose: .studentInit)
            var sShuffle = RandomStream(seed: s.seed, purpose: .studentShuffle)
            let student = MLP(sizes: sizes, initialization: s.student.initialization, rng: &sInit)
            let report = try Trainer(config: s.student.training, objective: plan.objective)
                .train(student, on: plan.set, validation: nil, shuffle: &sShuffle,
                       onEpoch: { logEpoch(plan.role, $0, s.student.training.epochs) })
            let predictions = student.predictions(splits.test.features)
            let result = ModelResult(
                role: plan.role, architecture: student.architecture, objective: plan.objective.name,
                testAccuracy: Metrics.accuracy(predictions, splits.test.labels),
                fidelity: Metrics.fidelity(student: predictions, teacher: teacherTest),
                validationAccuracy: nil, selection: report.selection, selectedEpoch: report.selectedEpoch,
                epochs: s.student.training.epochs, trainSeconds: report.seconds, trainExamples: plan.set.count)
            results.append((student, result))
            onEvent(.modelDone(result))
            if save { try directory.map { try student.save(to: $0.file(plan.role + ".safetensors"), metadata: ["role": plan.role]) } }
        }
        return results
    }
}

/// settings.json: the resolved settings and the environment they ran in.
public struct RunRecord: Codable, Sendable, Equatable {
    public var settings: ExperimentSettings
    public var environment: RunEnvironment
    /// The random streams the run drew from (`StreamPurpose.family`, catalogue
    /// order); absent while the run is unfinished.
    public var streams: [String]?

    public init(settings: ExperimentSettings, environment: RunEnvironment, streams: [String]? = nil) {
        self.settings = settings; self.environment = environment; self.streams = streams
    }
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
