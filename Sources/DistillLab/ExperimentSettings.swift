import Foundation
import DistillNN
import DistillData

/// Where the data comes from and how it is split.
public struct DataSettings: Codable, Sendable, Equatable {
    /// "digits", "fashion-mnist", an IDX folder or a CSV file path.
    public var source: String
    /// CSV only: the label column's name.
    public var labelColumn: String
    /// CSV only: multiplier applied to every feature.
    public var featureScale: Float
    /// Per-feature rescaling fitted on the teacher's training split and applied to
    /// every split (the oracle's input space is the rescaled one); `none` keeps the
    /// features as loaded.
    public var normalize: FeatureNormalization
    /// Fractions of the (train) data for each split; test is ignored when the
    /// source has an official test set.
    public var teacherFraction: Double
    public var validationFraction: Double
    public var poolFraction: Double
    public var testFraction: Double

    public init(source: String = "digits", labelColumn: String = "label", featureScale: Float = 1,
                normalize: FeatureNormalization = .none,
                teacherFraction: Double = 0.45, validationFraction: Double = 0.10,
                poolFraction: Double = 0.25, testFraction: Double = 0.20) {
        self.source = source; self.labelColumn = labelColumn; self.featureScale = featureScale
        self.normalize = normalize
        self.teacherFraction = teacherFraction; self.validationFraction = validationFraction
        self.poolFraction = poolFraction; self.testFraction = testFraction
    }

    enum CodingKeys: String, CodingKey {
        case source, labelColumn, featureScale, normalize, teacherFraction, validationFraction, poolFraction, testFraction
    }

    /// Reads `normalize` as `none` when absent: settings written before it existed.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        labelColumn = try c.decode(String.self, forKey: .labelColumn)
        featureScale = try c.decode(Float.self, forKey: .featureScale)
        normalize = try c.decodeIfPresent(FeatureNormalization.self, forKey: .normalize) ?? .none
        teacherFraction = try c.decode(Double.self, forKey: .teacherFraction)
        validationFraction = try c.decode(Double.self, forKey: .validationFraction)
        poolFraction = try c.decode(Double.self, forKey: .poolFraction)
        testFraction = try c.decode(Double.self, forKey: .testFraction)
    }

    public var fractions: SplitFractions {
        SplitFractions(teacherTrain: teacherFraction, validation: validationFraction, attackerPool: poolFraction, test: testFraction)
    }
}

/// The teacher: architecture and training recipe, or a file to load it from.
public struct TeacherSettings: Codable, Sendable, Equatable {
    /// Hidden layer widths (input and output widths come from the data).
    public var hidden: [Int]
    public var initialization: WeightInitialization
    public var training: TrainingConfig
    /// A trained MLP to serve instead of training one (`teacher.file`, `--teacher`):
    /// a safetensors checkpoint as the lab saves it (`runs/…/teacher.safetensors`),
    /// any widths whose input and output fit the data. Relative paths are read
    /// from the current directory. With a file, `hidden` must be the recipe's or
    /// the file's widths, and `initialization` and `training` are used only by
    /// a nasty teacher (see `ExperimentSettings.checkTeacherFile`).
    public var file: String? = nil
}

/// The attacker's students: one architecture, two objectives (soft and label-only)
/// plus an honest-label reference.
public struct StudentSettings: Codable, Sendable, Equatable {
    public var hidden: [Int]
    public var initialization: WeightInitialization
    public var training: TrainingConfig
    /// KD temperature T for the soft-label student (1 = plain soft cross-entropy).
    public var temperature: Float
    /// Weight of the soft (KD) term; `1 − alpha` weights CE on the responses' argmax.
    public var alpha: Float
}

/// The attacker's query plan.
public struct AttackSettings: Codable, Sendable, Equatable {
    /// Queries the attacker may send (the oracle enforces it).
    public var budget: Int
    /// Queries per oracle call.
    public var queryBatch: Int
    /// How queries are chosen: `random`, `ood:source=noise`, `jacobian`, `active` (see `distill-lab attacks`).
    public var strategy: AttackSpec = AttackSpec(name: "random")
    /// Adaptive counters applied by the attacker: `average-repeats`, `argmax`, `ensemble-filter`.
    public var counters: [AttackSpec] = []
}

/// The owner's defenses.
public struct DefenseSettings: Codable, Sendable, Equatable {
    /// Response transforms and canaries the oracle applies, in this order
    /// (e.g. `gaussian-noise:sigma=0.1` then `rounding:decimals=2`).
    public var responses: [DefenseSpec]
    /// Training-time defense: train the teacher with the nasty-teacher objective.
    public var nastyTeacher: NastyTeacherSettings?

    public init(responses: [DefenseSpec] = [], nastyTeacher: NastyTeacherSettings? = nil) {
        self.responses = responses; self.nastyTeacher = nastyTeacher
    }

    /// Whether any defense is configured.
    public var isEmpty: Bool { responses.isEmpty && nastyTeacher == nil }
}

/// Nasty-teacher objective parameters (Ma et al. 2021).
public struct NastyTeacherSettings: Codable, Sendable, Equatable {
    public var temperature: Float
    public var omega: Float
    public init(temperature: Float = 4, omega: Float = 0.04) { self.temperature = temperature; self.omega = omega }
}

/// How a run is judged beyond the students' accuracy.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    /// With a defense, also run the same attack (budget, architecture, seed)
    /// against the undefended teacher and report the drop.
    public var undefendedBaseline: Bool
    /// Significance level of canary verifications.
    public var alpha: Double
    /// Control models (never distilled from the teacher) for canary
    /// calibration and false-positive rates.
    public var controls: Int
    /// An extraction detector on the oracle, e.g. `prada:delta=0.9` (nil = none).
    public var detector: ComponentSpec?
    /// Benign clients sending natural inputs (drawn from the test split) through
    /// the detector, for its false-positive rate.
    public var benignClients: Int
    /// Queries each benign client sends (capped at the test split's size).
    public var benignQueries: Int

    public init(undefendedBaseline: Bool = true, alpha: Double = 0.01, controls: Int = 6,
                detector: ComponentSpec? = nil, benignClients: Int = 3, benignQueries: Int = 400) {
        self.undefendedBaseline = undefendedBaseline; self.alpha = alpha; self.controls = controls
        self.detector = detector; self.benignClients = benignClients; self.benignQueries = benignQueries
    }

    enum CodingKeys: String, CodingKey { case undefendedBaseline, alpha, controls, detector, benignClients, benignQueries }

    /// Reads `detector` as a spec, or as the PRADA settings object that runs
    /// wrote before detectors were registry components.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        undefendedBaseline = try c.decode(Bool.self, forKey: .undefendedBaseline)
        alpha = try c.decode(Double.self, forKey: .alpha)
        controls = try c.decode(Int.self, forKey: .controls)
        benignClients = try c.decode(Int.self, forKey: .benignClients)
        benignQueries = try c.decode(Int.self, forKey: .benignQueries)
        if let spec = try? c.decodeIfPresent(ComponentSpec.self, forKey: .detector) {
            detector = spec
        } else {
            detector = try c.decodeIfPresent(PradaDetector.Settings.self, forKey: .detector)?.spec
        }
    }
}

/// Everything one experiment needs; saved resolved in every run directory.
public struct ExperimentSettings: Codable, Sendable, Equatable {
    public var seed: UInt64
    /// OpenBLAS threads; results are bit-identical for the same seed and thread count.
    public var threads: Int
    public var data: DataSettings
    public var teacher: TeacherSettings
    public var student: StudentSettings
    public var attack: AttackSettings
    public var defense: DefenseSettings = DefenseSettings()
    public var evaluation: EvaluationSettings = EvaluationSettings()

    /// The default recipe for a data source: the shipped digits (fast, the
    /// `distill-lab train` default) or Fashion-MNIST (784-512-256-10 teacher,
    /// 784-64-10 student, 20,000 queries). Other sources get the digits-style
    /// recipe with the teacher widths of Fashion-MNIST.
    public static func defaults(for source: String = "digits") -> ExperimentSettings {
        let sgd = OptimizerConfig(kind: .sgd, learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
        switch source {
        case "digits":
            return ExperimentSettings(
                seed: 0, threads: 1,
                data: DataSettings(source: source),
                teacher: TeacherSettings(hidden: [256, 128], initialization: .he,
                                         training: TrainingConfig(epochs: 60, batchSize: 16, optimizer: sgd,
                                                                  schedule: .cosine(minFactor: 0), selection: .bestValidation)),
                student: StudentSettings(hidden: [32], initialization: .he,
                                         training: TrainingConfig(epochs: 100, batchSize: 16, optimizer: sgd,
                                                                  schedule: .cosine(minFactor: 0), selection: .last),
                                         temperature: 4, alpha: 1),
                attack: AttackSettings(budget: 400, queryBatch: 100))
        default:
            var s = ExperimentSettings(
                seed: 0, threads: 1,
                data: DataSettings(source: source, teacherFraction: 35.0 / 60, validationFraction: 5.0 / 60,
                                   poolFraction: 20.0 / 60, testFraction: 0.2),
                teacher: TeacherSettings(hidden: [512, 256], initialization: .he,
                                         training: TrainingConfig(epochs: 30, batchSize: 128, optimizer: sgd,
                                                                  schedule: .cosine(minFactor: 0), selection: .bestValidation)),
                student: StudentSettings(hidden: [64], initialization: .he,
                                         training: TrainingConfig(epochs: 30, batchSize: 128, optimizer: sgd,
                                                                  schedule: .cosine(minFactor: 0), selection: .last),
                                         temperature: 4, alpha: 1),
                attack: AttackSettings(budget: 20_000, queryBatch: 1_000))
            s.adapt(to: (try? DataSource(parsing: source))?.outline())
            return s
        }
    }

    /// Fits the recipe's split and budget to a source of the user's: without an
    /// official test set the digits proportions (45 / 10 / 25 / 20 %, a test
    /// split carved out); the budget one query per attacker-pool input, at
    /// most 20,000, and query batches of at most 1,000. Fashion-MNIST's
    /// 60,000 + 10,000 keep the recipe as it is.
    mutating func adapt(to outline: DataSource.Outline?) {
        guard let outline else { return }  // unreadable: loading will say why
        if !outline.hasOfficialTest {
            let d = DataSettings()
            data.teacherFraction = d.teacherFraction; data.validationFraction = d.validationFraction
            data.poolFraction = d.poolFraction; data.testFraction = d.testFraction
        }
        let pool = Int((Double(outline.splitExamples) * data.poolFraction).rounded())
        attack.budget = max(1, min(attack.budget, pool))
        attack.queryBatch = min(attack.queryBatch, attack.budget)
    }

    /// Checks everything that can be checked before loading data; errors name the setting and the fix.
    public func validate() throws {
        func bad(_ s: String) -> ExperimentError { .invalid(s) }
        guard threads >= 1, threads <= 256 else { throw bad("threads must be between 1 and 256, got \(threads)") }
        try Self.checkModelSize(hidden: teacher.hidden, key: "teacher.hidden")  // before any allocation
        try checkTeacherFile()
        try Self.checkModelSize(hidden: student.hidden, key: "student.hidden")
        guard attack.budget > 0 else { throw bad("the query budget must be positive, got \(attack.budget)") }
        guard attack.queryBatch > 0 else { throw bad("the query batch must be positive, got \(attack.queryBatch)") }
        guard student.temperature > 0, student.temperature.isFinite else { throw bad("the KD temperature must be positive, got \(student.temperature)") }
        guard student.alpha >= 0, student.alpha <= 1 else { throw bad("the KD alpha must be in [0, 1], got \(student.alpha)") }
        guard student.training.selection == .last else {
            throw bad("students can only use selection 'last': the attacker has no labelled validation data, only the oracle's answers")
        }
        guard data.featureScale.isFinite, data.featureScale != 0 else {
            throw bad("data.featureScale (--feature-scale) must be finite and non-zero, got \(data.featureScale)")
        }
        // The parts every source splits off its training data; test is checked with the data (an official test set ignores it).
        let parts = [("data.teacherFraction", data.teacherFraction), ("data.validationFraction", data.validationFraction),
                     ("data.poolFraction", data.poolFraction), ("data.testFraction", data.testFraction)]
        for (key, value) in parts where !(value.isFinite && value >= 0 && value <= 1) {
            throw bad("\(key) must be a fraction in [0, 1], got \(value)")
        }
        let trainParts = data.teacherFraction + data.validationFraction + data.poolFraction
        guard trainParts <= 1 + 1e-9 else {
            throw bad("data.teacherFraction \(data.teacherFraction) + data.validationFraction \(data.validationFraction) + data.poolFraction \(data.poolFraction) = \(trainParts), more than 1; lower one of them")
        }
        // The split's own check (no zero part; without an official test set data.testFraction is a
        // part too), run here as well so an error in a file or override names its line, not only
        // "invalid data split" once the data is loaded. Only for data that can be read: the recipe
        // of an unreadable source is not fitted to it (loading says what is wrong with the source).
        if let source = try? DataSource(parsing: data.source), source.outline() != nil {
            do { try data.fractions.validate(hasOfficialTest: source.hasOfficialTest) } catch { throw bad("\(error)") }
        }
        guard evaluation.alpha > 0, evaluation.alpha < 1 else { throw bad("the verification alpha must be in (0, 1), got \(evaluation.alpha)") }
        guard evaluation.controls >= 0, evaluation.controls <= 100 else { throw bad("controls must be between 0 and 100, got \(evaluation.controls)") }
        if let d = evaluation.detector {
            _ = try ComponentRegistry.shared.detector(d)
            guard evaluation.benignClients >= 0, evaluation.benignQueries > 0 else {
                throw bad("benign clients must be ≥ 0 and benign queries > 0, got \(evaluation.benignClients), \(evaluation.benignQueries)")
            }
        }
        if let n = defense.nastyTeacher {
            guard n.temperature > 0, n.omega >= 0 else { throw bad("nasty teacher needs temperature > 0 and omega ≥ 0, got \(n.temperature), \(n.omega)") }
        }
        for spec in defense.responses { _ = try ComponentRegistry.shared.defense(spec) }  // names and values, before any training
        _ = try Attack(strategy: attack.strategy, counters: attack.counters)
        do {
            try teacher.training.validate()
        } catch let e as TrainingError { throw bad("teacher: \(e)") }
        do {
            try student.training.validate()
        } catch let e as TrainingError { throw bad("student: \(e)") }
    }

    /// These settings with every component spec resolved against `registry`:
    /// each parameter written out at its value or default (a secret key left
    /// absent stays absent). What run directories and cache keys record.
    /// - Throws: `ComponentError` for an unknown component or a bad value.
    public func resolved(in registry: ComponentRegistry = .shared) throws -> ExperimentSettings {
        var s = self
        s.defense.responses = try defense.responses.map { try registry.resolvedSpec($0, kind: .defense) }
        s.attack.strategy = try registry.resolvedSpec(attack.strategy, kind: .strategy)
        s.attack.counters = try attack.counters.map { try registry.resolvedSpec($0, kind: .counter) }
        s.evaluation.detector = try evaluation.detector.map { try registry.resolvedSpec($0, kind: .detector) }
        return s
    }
}
