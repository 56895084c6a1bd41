import Foundation
import DistillNN

/// One trained model's outcome on the test split.
public struct ModelResult: Codable, Sendable, Equatable {
    /// "teacher", "student-soft", "student-label", "student-reference".
    public var role: String
    public var architecture: String
    public var objective: String
    /// Top-1 accuracy on the test split.
    public var testAccuracy: Double
    /// Agreement with the teacher's top-1 on the test split (students only).
    public var fidelity: Double?
    public var validationAccuracy: Double?
    /// "last" or "best-validation", and the 1-based epoch it picked.
    public var selection: ModelSelection
    public var selectedEpoch: Int
    public var epochs: Int
    public var trainSeconds: Double
    /// Examples the model was trained on.
    public var trainExamples: Int
}

/// The sizes of the deterministic splits.
public struct SplitSizes: Codable, Sendable, Equatable {
    public var teacherTrain: Int
    public var validation: Int
    public var attackerPool: Int
    public var test: Int
}

/// What the run ran on: needed to reproduce it bit for bit.
public struct RunEnvironment: Codable, Sendable, Equatable {
    public var version: String
    public var blasCore: String
    public var blasThreads: Int
    /// How the kernels were chosen: "best", "pinned" (`DISTILL_LAB_BLAS=pinned`) or
    /// the user's `OPENBLAS_CORETYPE=…` (absent in files from before it was recorded).
    public var blasMode: String?
    public var gitCommit: String?
    public var hostCPU: String
    public var startedAt: String
}

/// Everything one `distill-lab train` run reports (written as results.json).
public struct ExperimentResult: Codable, Sendable, Equatable {
    public var dataset: String
    public var classes: Int
    public var features: Int
    public var splits: SplitSizes
    public var seed: UInt64
    public var queryBudget: Int
    /// Queries the oracle answered, per client.
    public var queriesUsed: [String: Int]
    public var teacher: ModelResult
    /// Soft-label (KD) student, label-only student and honest-label reference student.
    public var students: [ModelResult]
    public var environment: RunEnvironment
    public var seconds: Double
    /// The defense and what it costs honest users (nil without a defense).
    public var defense: DefenseOutcome?
    /// The same students from the same attack on the undefended teacher.
    public var undefendedBaseline: [ModelResult]?
    /// Defensive impact per student role: undefended minus defended test accuracy.
    public var defensiveImpact: [String: Double]?
    /// Ownership verification of every canary in the pipeline.
    public var canaries: [CanaryOutcome]?
    /// What the attack did (strategy, counters, queries, filtered rows).
    public var attack: AttackSummary?
    /// The extraction detector's verdicts (nil without a detector).
    public var detection: DetectionOutcome?
    /// Settings that probably spoil the run, each with its fix, as printed on
    /// standard error (nil when there is none).
    public var warnings: [String]?

    public init(dataset: String, classes: Int, features: Int, splits: SplitSizes, seed: UInt64, queryBudget: Int,
                queriesUsed: [String: Int], teacher: ModelResult, students: [ModelResult], environment: RunEnvironment,
                seconds: Double, defense: DefenseOutcome? = nil, undefendedBaseline: [ModelResult]? = nil,
                defensiveImpact: [String: Double]? = nil, canaries: [CanaryOutcome]? = nil, detection: DetectionOutcome? = nil,
                attack: AttackSummary? = nil, warnings: [String]? = nil) {
        self.dataset = dataset; self.classes = classes; self.features = features; self.splits = splits
        self.seed = seed; self.queryBudget = queryBudget; self.queriesUsed = queriesUsed; self.teacher = teacher
        self.students = students; self.environment = environment; self.seconds = seconds; self.defense = defense
        self.undefendedBaseline = undefendedBaseline; self.defensiveImpact = defensiveImpact
        self.canaries = canaries; self.attack = attack; self.detection = detection; self.warnings = warnings
    }

    public func student(_ role: String) -> ModelResult? { students.first { $0.role == role } }
}

/// The configured defense and its cost to honest users.
public struct DefenseOutcome: Codable, Sendable, Equatable {
    /// The response pipeline, in order, as specs.
    public var responses: [String]
    public var nastyTeacher: NastyTeacherSettings?
    public var benignUtility: BenignUtility
}

/// One canary's verification: the suspects (students distilled from the
/// defended oracle, and from the undefended baseline) and held-out innocent
/// controls, whose flag rate is the false-positive rate.
public struct CanaryOutcome: Codable, Sendable, Equatable {
    public var canary: String
    public var alpha: Double
    /// Verdict per suspect role ("student-soft", "baseline-soft", …).
    public var suspects: [String: OwnershipVerification]
    /// Each control verified against a calibration on the other controls (leave-one-out).
    public var controls: [OwnershipVerification]
    /// Controls trained; suspects are verified against a calibration on all of them.
    public var calibrationControls: Int
    public var falsePositiveRate: Double
}

/// PRADA's verdicts on the attacker's stream and on benign clients' streams.
public struct DetectionOutcome: Codable, Sendable, Equatable {
    /// The detector, every parameter written out (`prada:delta=0.9,…`).
    public var detector: ComponentSpec
    public var attacker: DetectionReport?
    public var benign: [DetectionReport]
    /// Fraction of benign clients flagged (nil without benign clients).
    public var benignFalsePositiveRate: Double?

    public init(detector: ComponentSpec, attacker: DetectionReport?, benign: [DetectionReport], benignFalsePositiveRate: Double?) {
        self.detector = detector; self.attacker = attacker; self.benign = benign; self.benignFalsePositiveRate = benignFalsePositiveRate
    }

    enum CodingKeys: String, CodingKey { case detector, settings, attacker, benign, benignFalsePositiveRate }

    /// Also reads results written before detectors were components (`settings`: PRADA's knobs).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let spec = try c.decodeIfPresent(ComponentSpec.self, forKey: .detector) {
            detector = spec
        } else {
            detector = try c.decode(PradaDetector.Settings.self, forKey: .settings).spec
        }
        attacker = try c.decodeIfPresent(DetectionReport.self, forKey: .attacker)
        benign = try c.decode([DetectionReport].self, forKey: .benign)
        benignFalsePositiveRate = try c.decodeIfPresent(Double.self, forKey: .benignFalsePositiveRate)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detector, forKey: .detector)
        try c.encodeIfPresent(attacker, forKey: .attacker)
        try c.encode(benign, forKey: .benign)
        try c.encodeIfPresent(benignFalsePositiveRate, forKey: .benignFalsePositiveRate)
    }
}

/// The attack as it ran against the (defended) oracle.
public struct AttackSummary: Codable, Sendable, Equatable {
    /// Strategy and counters, e.g. "jacobian:lambda=0.1 + ensemble-filter".
    public var attack: String
    public var queriesSpent: Int
    /// Responses collected, and kept after counters (ensemble-filter drops some).
    public var collected: Int
    public var kept: Int
    public var dropped: Int
    public var notes: [String: String]
}

/// Library version recorded in run directories.
public enum DistillLabVersion {
    public static let current = "0.1.0"
}
