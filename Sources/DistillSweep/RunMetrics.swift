import Foundation
import DistillLab
import DistillReport

/// The per-run numbers a sweep summarises, keyed by `ReportMetric` keys (plus
/// a few of its own). NaN = the run does not have the metric (e.g. no canary).
/// Without any defense the costs and impacts are 0 by definition, so the
/// undefended setting sits at the origin of the trade-off plot.
public enum RunMetrics {
    public static let teacherAccuracy = ReportMetric.teacherAccuracy
    public static let referenceStudentAccuracy = ReportMetric.referenceStudentAccuracy
    public static let detectorBenignFalsePositiveRate = ReportMetric.detectorBenignFalsePositiveRate
    public static let canaryPValueSoft = "canary_p_soft"
    public static let canaryPValueLabel = "canary_p_label"

    /// Every metric of one run, in column order (`ReportMetric.ordered`).
    public static func values(_ r: ExperimentResult, settings: ExperimentSettings) -> [(key: String, value: Double)] {
        let undefended = settings.defense.isEmpty
        let none = Double.nan
        let utility = r.defense?.benignUtility
        func costOrZero(_ v: Double?) -> Double { v ?? (undefended ? 0 : none) }
        var m: [String: Double] = [
            ReportMetric.benignAccuracyLoss: costOrZero(utility?.accuracyLoss),
            ReportMetric.meanL1Distortion: costOrZero(utility?.meanL1),
            ReportMetric.meanKL: costOrZero(utility?.meanKL),
            ReportMetric.meanTotalVariation: costOrZero(utility.map { $0.meanTotalVariation ?? 0.5 * $0.meanL1 }),
            ReportMetric.meanJensenShannon: costOrZero(utility?.meanJensenShannon),
            ReportMetric.softStudentAccuracy: r.student("student-soft")?.testAccuracy ?? none,
            ReportMetric.labelStudentAccuracy: r.student("student-label")?.testAccuracy ?? none,
            ReportMetric.softStudentFidelity: r.student("student-soft")?.fidelity ?? none,
            ReportMetric.labelStudentFidelity: r.student("student-label")?.fidelity ?? none,
            ReportMetric.defensiveImpactSoft: costOrZero(r.defensiveImpact?["student-soft"]),
            ReportMetric.defensiveImpactLabel: costOrZero(r.defensiveImpact?["student-label"]),
            teacherAccuracy: r.teacher.testAccuracy,
            referenceStudentAccuracy: r.student("student-reference")?.testAccuracy ?? none,
        ]
        if let canaries = r.canaries, !canaries.isEmpty {
            let verdicts = canaries.flatMap { c in c.suspects.filter { $0.key.hasPrefix("student-") }.map(\.value) }
            m[ReportMetric.canaryDetectionRate] = verdicts.isEmpty ? none : Double(verdicts.filter(\.flagged).count) / Double(verdicts.count)
            m[ReportMetric.canaryFalsePositiveRate] = canaries.map(\.falsePositiveRate).reduce(0, +) / Double(canaries.count)
            m[canaryPValueSoft] = canaries[0].suspects["student-soft"]?.pValue ?? none
            m[canaryPValueLabel] = canaries[0].suspects["student-label"]?.pValue ?? none
        }
        if let d = r.detection {
            m[ReportMetric.detectorFlaggedFraction] = d.attacker.map { $0.flagged ? 1 : 0 } ?? none
            m[ReportMetric.detectorQueriesToFlag] = d.attacker?.queriesUntilFlag.map(Double.init) ?? none
            m[detectorBenignFalsePositiveRate] = d.benignFalsePositiveRate ?? none
        }
        return ReportMetric.ordered(m.keys).map { ($0, m[$0]!) }
    }

    /// p-values of the canaries on the attacker's students (suspects `student-*`).
    static func studentPValues(_ r: ExperimentResult) -> [Double] {
        (r.canaries ?? []).flatMap { c in c.suspects.filter { $0.key.hasPrefix("student-") }.sorted { $0.key < $1.key }.compactMap(\.value.pValue) }
    }

    /// p-values of the canaries on innocent controls.
    static func controlPValues(_ r: ExperimentResult) -> [Double] {
        (r.canaries ?? []).flatMap { $0.controls.compactMap(\.pValue) }
    }
}
