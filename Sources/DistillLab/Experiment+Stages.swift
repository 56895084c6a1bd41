import Foundation
import DistillCore
import DistillNN
import DistillData

/// A model the run trained, with its role and outcome.
struct TrainedModel {
    let role: ModelRole
    let model: MLP
    let result: ModelResult
}

/// The data of a run: the source's name and shape, and its splits (normalised
/// when the settings ask for it: every later stage, the oracle included, sees
/// only the normalised features).
struct RunData {
    let source: DataSource
    let name: String
    let classes: Int
    let features: Int
    let splits: DataSplits
    /// What `data.normalize` fitted on the teacher's training split (nil for `none`).
    let normalizer: FeatureNormalizer?

    static func load(_ s: ExperimentSettings, onEvent: (ExperimentEvent) -> Void) throws -> RunData {
        onEvent(.stage("loading \(QuotedInput.bounded(s.data.source))"))
        let source = try DataSource(parsing: s.data.source, labelColumn: s.data.labelColumn, featureScale: s.data.featureScale)
        let (train, officialTest) = try source.load()
        let raw = try DataSplits.make(train: train, test: officialTest, fractions: s.data.fractions, seed: s.seed)
        // After splitting, so only the teacher's rows shape the parameters.
        let (splits, normalizer) = raw.normalized(s.data.normalize)
        if let normalizer {
            onEvent(.stage("normalised every split (\(normalizer.method.rawValue)) with parameters fitted on the teacher's \(normalizer.fittedRows) training rows"))
        }
        return RunData(source: source, name: source.name, classes: train.classCount, features: train.featureCount, splits: splits, normalizer: normalizer)
    }
}

// The stages of `Experiment.perform`, in order. Each takes what earlier ones made
// and returns a typed value; none writes the run folder.
extension Run {
    /// Stage 1: the normally trained teacher, and the one the oracle serves
    /// (a nasty teacher trained against the normal one, or the normal one).
    struct Teachers {
        let normal: TrainedModel
        let served: TrainedModel
        /// The served teacher's test-split predictions (what fidelity compares against).
        let servedTest: [Int32]
    }

    func trainTeachers(cache: ExperimentCache?) throws -> Teachers {
        let s = settings
        // A loaded teacher bypasses the teacher cache: it is neither trained nor keyed by the recipe.
        let normal = try loadedTeacher.map(served) ?? cached(cache?.teacher, cache?.storeTeacher, key: s.teacherCacheKey, what: "teacher",
                                                             streams: [.teacherInit, .teacherShuffle]) {
            [try trainTeacher()]
        }[0]
        let served = try s.defense.nastyTeacher.map { try trainNastyTeacher(adversary: normal.model, settings: $0) } ?? normal
        return Teachers(normal: normal, served: served, servedTest: served.model.predictions(splits.test.features))
    }

    /// Stage 2: the fitted defenses, the attacker's oracle and its detector, and
    /// what the defense costs honest users on the test inputs.
    struct Defended {
        /// One maker per response defense, fitted once: each oracle gets fresh instances.
        let fitted: [DefenseMaker]
        /// The attacker's oracle (its defense instances are the ones whose canaries are verified).
        let oracle: Oracle
        let defenses: [ResponseDefense]
        let detector: ExtractionDetector?
        let outcome: DefenseOutcome?
    }

    func defend(_ teachers: Teachers) throws -> Defended {
        let s = settings
        let context = DefenseContext(teacher: teachers.served.model, ownerData: splits.teacherTrain, validation: splits.validation,
                                     seed: s.seed, surrogateHidden: s.student.hidden)
        // Owner-side fitting (surrogates, misinformation models) happens once here.
        let fitted = try s.defense.responses.map { try ComponentRegistry.shared.defense($0).fit(context) }
        let defenses = try fitted.map { try $0() }
        var outcome: DefenseOutcome?
        if !s.defense.isEmpty {
            // A separate oracle with its own defense instances and stream: honest traffic must
            // neither shift the attacker's random draws nor enter the attacker's canary log.
            let benignOracle = Oracle(teacher: teachers.served.model, defenses: try fitted.map { try $0() },
                                      defenseStream: RandomStream(seed: s.seed, purpose: .benignUsersDefense))
            // "Clean" is the normally trained teacher: a nasty teacher's own answers are its defense.
            let clean = teachers.normal.model.probabilities(splits.test.features)
            let defended = try benignOracle.query(splits.test.features, client: "benign")
            let utility = BenignUtility.measure(clean: clean, defended: defended, labels: splits.test.labels)
            outcome = DefenseOutcome(responses: s.defense.responses.map(\.description),
                                     nastyTeacher: s.defense.nastyTeacher, benignUtility: utility)
            let pipeline = s.defense.responses.map(\.description).joined(separator: " → ")
            onEvent(.stage(String(format: "defense %@: honest users' accuracy %.4f (clean %.4f), mean L1 %.4f, mean KL %.4f",
                                  pipeline.isEmpty ? "nasty-teacher" : pipeline,
                                  utility.defendedAccuracy, utility.cleanAccuracy, utility.meanL1, utility.meanKL)))
        }
        let oracle = Oracle(teacher: teachers.served.model, defenses: defenses, defenseStream: RandomStream(seed: s.seed, purpose: .defense))
        let detector = try s.evaluation.detector.map { try ComponentRegistry.shared.detector($0) }
        if let detector { oracle.monitors.append(detector) }
        return Defended(fitted: fitted, oracle: oracle, defenses: defenses, detector: detector, outcome: outcome)
    }

    /// Stage 3: the attack on the defended oracle and the students distilled from it.
    struct Attacked {
        let outcome: AttackOutcome
        let students: [TrainedModel]
    }

    func attackDefended(_ defended: Defended, teachers: Teachers) throws -> Attacked {
        let outcome = try attack(defended.oracle, label: "")
        let students = try distillStudents(from: outcome.transfer, teacherTest: teachers.servedTest, baseline: false)
        return Attacked(outcome: outcome, students: students)
    }

    /// Stage 4: the same attack on the undefended teacher (same budget, students
    /// and seed), the baseline the defense is judged against; nil without a
    /// defense or when the settings skip it.
    struct Baseline {
        let students: [TrainedModel]
        /// Per defended student role: baseline minus defended test accuracy.
        let impact: [String: Double]
    }

    func attackUndefended(_ teachers: Teachers, students: [TrainedModel], cache: ExperimentCache?) throws -> Baseline? {
        let s = settings
        guard !s.defense.isEmpty && s.evaluation.undefendedBaseline else { return nil }
        let baseTeacher = teachers.normal.model
        let baseOracle = Oracle(teacher: baseTeacher, defenseStream: RandomStream(seed: s.seed, purpose: .defense))
        let key = s.baselineCacheKey(teacherFileSHA256: loadedTeacher?.file.sha256)
        let base = try cached(cache?.baseline, cache?.storeBaseline, key: key, what: "undefended baseline",
                              streams: [.attack, .defense, .studentInit, .studentShuffle]) {
            let transfer = try attack(baseOracle, label: " (undefended baseline)").transfer
            return try distillStudents(from: transfer, teacherTest: baseTeacher.predictions(splits.test.features), baseline: true)
        }
        var impact: [String: Double] = [:]
        for d in students {
            guard let objective = d.role.objective else { continue }
            let twin = ModelRole.student(objective, baseline: true)
            if let b = base.first(where: { $0.role == twin }) { impact[d.role.rawValue] = b.result.testAccuracy - d.result.testAccuracy }
        }
        return Baseline(students: base, impact: impact)
    }

    /// Stage 5: extraction detection on the attacker's stream, and on benign
    /// clients' for the false-positive rate; nil without a detector.
    func detect(_ defended: Defended, teachers: Teachers) throws -> DetectionOutcome? {
        guard let detector = defended.detector, let spec = settings.evaluation.detector else { return nil }
        try sendBenignTraffic(teacher: teachers.served.model, defenses: try defended.fitted.map { try $0() }, detector: detector)
        let attacker = detector.report(for: "attacker")
        let benign = detector.reports.filter { $0.client.hasPrefix("benign-") }
        let flagged = benign.filter(\.flagged).count
        onEvent(.stage("detector: attacker " + (attacker.map { $0.flagged ? "flagged after \($0.queriesUntilFlag ?? 0) queries" : "not flagged" } ?? "sent nothing") +
                       ", benign clients flagged \(flagged)/\(benign.count)"))
        return DetectionOutcome(detector: spec, attacker: attacker, benign: benign,
                                benignFalsePositiveRate: benign.isEmpty ? nil : Double(flagged) / Double(benign.count))
    }

    /// Stage 6: every canary of the attacker's oracle tested on the students
    /// (innocent controls give its false-positive rate), and the owner's
    /// evidence for `distill-lab verify`; nil without a canary.
    struct Ownership {
        let outcomes: [CanaryOutcome]
        /// Run-folder file name and contents of each canary's evidence.
        let evidence: [(name: String, data: Data)]
    }

    func verifyOwnership(_ defended: Defended, suspects candidates: [TrainedModel]) throws -> Ownership? {
        let canaries = defended.defenses.enumerated().compactMap { i, d in (d as? OwnershipCanary).map { (index: i, canary: $0) } }
        guard !canaries.isEmpty else { return nil }
        let controls = try trainControls(count: settings.evaluation.controls)
        // Reference students never saw the teacher's answers: they are not suspects.
        let suspects = candidates.filter { $0.role.objective != .reference }
        let outcomes = try canaries.map { try verify($0.canary, suspects: suspects, controls: controls) }
        // Evidence after verification: it holds the calibration on all controls. One file per
        // canary (pipeline index + name: two canaries never collide); the first keyed canary's
        // also keeps its old name, canary-log.json, for existing scripts.
        var evidence: [(name: String, data: Data)] = []
        var wroteLegacy = false
        for (index, canary) in canaries {
            let data = try canary.evidence().encoded()
            evidence.append((RunFiles.canaryEvidence(index: index, name: canary.name), data))
            if canary is KeyedCanary, !wroteLegacy { evidence.append((RunFiles.canaryLog, data)); wroteLegacy = true }
        }
        return Ownership(outcomes: outcomes, evidence: evidence)
    }
}
