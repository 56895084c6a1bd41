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

    /// A well-known metric: its key, a short column label and what it means.
    public struct Info: Sendable, Equatable {
        public let key: String
        public let label: String
        public let meaning: String
    }

    /// Well-known metrics in table order.
    public static let wellKnown: [Info] = [
        Info(key: benignAccuracyLoss, label: "benign acc. loss", meaning: "honest users' top-1 accuracy lost (clean − defended)"),
        Info(key: meanL1Distortion, label: "mean L1", meaning: "mean L1 distance of defended from clean responses"),
        Info(key: meanKL, label: "mean KL", meaning: "mean KL(clean ‖ defended) of responses"),
        Info(key: softStudentAccuracy, label: "soft student acc.", meaning: "test accuracy of the soft-label student"),
        Info(key: labelStudentAccuracy, label: "label student acc.", meaning: "test accuracy of the label-only student"),
        Info(key: softStudentFidelity, label: "soft fidelity", meaning: "soft-label student's top-1 agreement with the teacher"),
        Info(key: labelStudentFidelity, label: "label fidelity", meaning: "label-only student's top-1 agreement with the teacher"),
        Info(key: defensiveImpactSoft, label: "impact (soft)", meaning: "soft-label student accuracy lost (undefended − defended)"),
        Info(key: defensiveImpactLabel, label: "impact (label)", meaning: "label-only student accuracy lost (undefended − defended)"),
        Info(key: canaryDetectionRate, label: "canary detection", meaning: "fraction of suspect students flagged at α"),
        Info(key: canaryFalsePositiveRate, label: "canary FPR", meaning: "fraction of innocent controls flagged at α"),
        Info(key: detectorFlaggedFraction, label: "detector flagged", meaning: "fraction of attack streams the detector flags"),
        Info(key: detectorQueriesToFlag, label: "queries to flag", meaning: "queries before the detector's alarm"),
    ]

    /// The column label for `key`: the well-known label, or the key itself.
    public static func label(for key: String) -> String {
        wellKnown.first { $0.key == key }?.label ?? key
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
