import Foundation
import DistillStats

/// One metric of one sweep setting summarised over seeds: mean ± sample
/// standard deviation of `n` runs.
///
/// `std` is NaN when `n < 2` (a single seed has no spread); renderers then show
/// the mean alone and draw no error bar. Non-finite values survive JSON only
/// through `Report.encodeJSON()`, whose encoder writes them as strings.
public struct MetricSummary: Codable, Sendable, Equatable {
    public var mean: Double
    /// Sample (n − 1) standard deviation; NaN when n < 2.
    public var std: Double
    /// Runs (seeds) the summary is over.
    public var n: Int

    public init(mean: Double, std: Double, n: Int) {
        self.mean = mean; self.std = std; self.n = n
    }

    /// Summarises per-seed values: mean and sample standard deviation.
    /// NaN values (a run that did not produce the metric) are dropped first,
    /// so `n` counts the runs that did.
    ///
    /// - Complexity: O(n).
    public init(values: [Double]) {
        let finite = values.filter { !$0.isNaN }
        self.init(mean: Descriptive.mean(finite), std: Descriptive.sampleStandardDeviation(finite), n: finite.count)
    }

    /// The standard deviation to draw as an error bar: 0 when undefined.
    var spread: Double { std.isFinite ? std : 0 }
}

/// Metric keys a sweep writes into `ReportRow.metrics`. The dictionary is open:
/// any other key is shown too (after these, alphabetically, under its key), so
/// a new metric needs no code change here. All accuracies and losses are
/// fractions in [0, 1] measured on the test split.
public enum ReportMetric {
    /// Honest users' top-1 accuracy lost to the defense: clean − defended.
    public static let benignAccuracyLoss = "benign_accuracy_loss"
    /// Mean ‖q − p‖₁ between defended and clean responses on test inputs.
    public static let meanL1Distortion = "mean_l1_distortion"
    /// Mean KL(p ‖ q) of defended responses q from clean responses p.
    public static let meanKL = "mean_kl"
    /// Mean total variation ½‖q − p‖₁ of defended from clean responses, in [0, 1].
    public static let meanTotalVariation = "mean_total_variation"
    /// Mean Jensen–Shannon divergence of defended and clean responses (nats, ≤ ln 2).
    public static let meanJensenShannon = "mean_js"
    /// Test accuracy of the student distilled from soft responses.
    public static let softStudentAccuracy = "soft_student_accuracy"
    /// Test accuracy of the student trained on top-1 labels only.
    public static let labelStudentAccuracy = "label_student_accuracy"
    /// Top-1 agreement of the soft-label student with the teacher.
    public static let softStudentFidelity = "soft_student_fidelity"
    /// Top-1 agreement of the label-only student with the teacher.
    public static let labelStudentFidelity = "label_student_fidelity"
    /// Undefended minus defended soft-student accuracy (student accuracy lost).
    public static let defensiveImpactSoft = "defensive_impact_soft"
    /// Undefended minus defended label-only-student accuracy.
    public static let defensiveImpactLabel = "defensive_impact_label"
    /// Fraction of suspect students a canary flags at α (detection power).
    public static let canaryDetectionRate = "canary_detection_rate"
    /// Fraction of innocent controls a canary flags at α (false-positive rate).
    public static let canaryFalsePositiveRate = "canary_false_positive_rate"
    /// Fraction of attack query streams a detector flags.
    public static let detectorFlaggedFraction = "detector_flagged_fraction"
    /// Queries an attack stream issues before the detector's alarm.
    public static let detectorQueriesToFlag = "detector_queries_to_flag"
    /// Fraction of benign clients the detector flags (its false-positive rate).
    public static let detectorBenignFalsePositiveRate = "detector_benign_fpr"
    /// The teacher's test accuracy (the budget plot's ceiling).
    public static let teacherAccuracy = "teacher_accuracy"
    /// Test accuracy of the student trained on the attacker's inputs with their true labels.
    public static let referenceStudentAccuracy = "reference_student_accuracy"

    /// A well-known metric: its key, a short column label and what it means.
    public struct Info: Sendable, Equatable {
        public let key: String
        public let label: String
        public let meaning: String
    }

    /// Well-known metrics in table order. Accuracies, fidelities and rates are
    /// fractions in [0, 1]; "lost" and "impact" are positive when the defense
    /// hurts (undefended − defended).
    public static let wellKnown: [Info] = [
        Info(key: teacherAccuracy, label: "teacher accuracy", meaning: "the teacher's top-1 accuracy on the test split (fraction)"),
        Info(key: referenceStudentAccuracy, label: "reference accuracy", meaning: "accuracy of a student trained on the attacker's inputs with their true labels (fraction)"),
        Info(key: benignAccuracyLoss, label: "benign accuracy lost", meaning: "honest users' top-1 accuracy, clean − defended (fraction; > 0 = the defense costs users)"),
        Info(key: meanTotalVariation, label: "total variation", meaning: "mean ½‖defended − clean‖₁ per response, in [0, 1]; compares across defense families"),
        Info(key: meanJensenShannon, label: "Jensen–Shannon (nats)", meaning: "mean JS divergence of defended and clean responses, in [0, ln 2 ≈ 0.693]; finite when classes are zeroed"),
        Info(key: meanL1Distortion, label: "L1 distance", meaning: "mean ‖defended − clean‖₁ per response, in [0, 2]"),
        Info(key: meanKL, label: "KL clean→defended (nats)", meaning: "mean KL(clean ‖ defended) with defended probabilities floored at 1e-12, so zeroed classes add up to 27.6 nats each"),
        Info(key: softStudentAccuracy, label: "soft-student accuracy", meaning: "test accuracy of the student distilled from the probabilities (fraction)"),
        Info(key: labelStudentAccuracy, label: "label-student accuracy", meaning: "test accuracy of the student trained on top-1 labels only (fraction)"),
        Info(key: softStudentFidelity, label: "soft-student fidelity", meaning: "share of test inputs where the soft student's top-1 equals the teacher's"),
        Info(key: labelStudentFidelity, label: "label-student fidelity", meaning: "share of test inputs where the label-only student's top-1 equals the teacher's"),
        Info(key: defensiveImpactSoft, label: "defensive impact, soft", meaning: "soft-student accuracy without − with the defense (fraction; > 0 = the defense hurts the thief)"),
        Info(key: defensiveImpactLabel, label: "defensive impact, label", meaning: "label-student accuracy without − with the defense (fraction; > 0 = the defense hurts the thief)"),
        Info(key: canaryDetectionRate, label: "students flagged", meaning: "share of stolen students the canary test flags at α (detection power)"),
        Info(key: canaryFalsePositiveRate, label: "controls flagged", meaning: "share of innocent control models flagged at α (false-positive rate)"),
        Info(key: "canary_p_soft", label: "canary p, soft student", meaning: "the first canary's p-value on the soft student (small = copied)"),
        Info(key: "canary_p_label", label: "canary p, label student", meaning: "the first canary's p-value on the label-only student (small = copied)"),
        Info(key: detectorFlaggedFraction, label: "attack streams flagged", meaning: "share of attack query streams the detector flags"),
        Info(key: detectorQueriesToFlag, label: "queries to flag", meaning: "queries the attacker sent before the detector's alarm (count)"),
        Info(key: detectorBenignFalsePositiveRate, label: "benign clients flagged", meaning: "share of honest clients the detector flags (false-positive rate)"),
    ]

    /// The column label for `key`: the well-known label, or the key in words
    /// ("my_metric" → "my metric"), never raw snake_case.
    public static func label(for key: String) -> String {
        wellKnown.first { $0.key == key }?.label ?? key.replacingOccurrences(of: "_", with: " ")
    }

    /// What `key` means, or a note that the metric is not catalogued (never the label again).
    public static func meaning(for key: String) -> String {
        wellKnown.first { $0.key == key }?.meaning ?? "uncatalogued metric, machine name \(key)"
    }

    /// `keys` in table order: well-known ones in catalogue order, then the
    /// rest alphabetically.
    ///
    /// - Complexity: O(k log k + k·w) for k keys and w well-known metrics.
    public static func ordered<S: Sequence>(_ keys: S) -> [String] where S.Element == String {
        let present = Set(keys)
        let known = wellKnown.map(\.key).filter { present.contains($0) }
        let knownSet = Set(known)
        return known + present.filter { !knownSet.contains($0) }.sorted()
    }
}
