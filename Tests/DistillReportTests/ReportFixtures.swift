import Foundation
import DistillReport

/// Synthetic sweeps with hand-picked numbers shaped like real ones.
enum ReportFixtures {
    static func summary(_ mean: Double, _ std: Double, _ n: Int = 3) -> MetricSummary {
        MetricSummary(mean: mean, std: std, n: n)
    }

    /// A row with the usual metrics, given the two trade-off coordinates and accuracies.
    static func row(_ setting: String, _ defense: String, budget: Int, utilityLost: (Double, Double),
                    impactSoft: (Double, Double), impactLabel: (Double, Double),
                    softAccuracy: (Double, Double), labelAccuracy: (Double, Double),
                    students: [Double] = [], controls: [Double] = []) -> ReportRow {
        var parameters: [String: String] = [:]
        if let colon = setting.firstIndex(of: ":") {
            for pair in setting[setting.index(after: colon)...].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { parameters[String(kv[0])] = String(kv[1]) }
            }
        }
        return ReportRow(setting: setting, defense: defense, parameters: parameters, budget: budget, seeds: 3, metrics: [
            ReportMetric.benignAccuracyLoss: summary(utilityLost.0, utilityLost.1),
            ReportMetric.meanL1Distortion: summary(utilityLost.0 * 4 + 0.01, 0.002),
            ReportMetric.meanKL: summary(utilityLost.0 * 2 + 0.003, 0.001),
            ReportMetric.defensiveImpactSoft: summary(impactSoft.0, impactSoft.1),
            ReportMetric.defensiveImpactLabel: summary(impactLabel.0, impactLabel.1),
            ReportMetric.softStudentAccuracy: summary(softAccuracy.0, softAccuracy.1),
            ReportMetric.labelStudentAccuracy: summary(labelAccuracy.0, labelAccuracy.1),
            ReportMetric.softStudentFidelity: summary(softAccuracy.0 + 0.03, 0.01),
            ReportMetric.labelStudentFidelity: summary(labelAccuracy.0 + 0.03, 0.01),
            ReportMetric.teacherAccuracy: summary(0.955, 0.004),
            ReportMetric.referenceStudentAccuracy: summary(min(0.95, softAccuracy.0 + 0.02), 0.01),
        ], canaryStudentPValues: students, canaryControlPValues: controls)
    }

    /// A defense sweep over three budgets: an undefended baseline, rounding,
    /// reverse sigmoid, top-1 labels only, and a canary defense whose p-values
    /// include a 0 (clamped) and a NaN (skipped).
    static var sweep: Report {
        var rows: [ReportRow] = []
        let budgets = [1000, 5000, 20000]
        for (k, budget) in budgets.enumerated() {
            let grow = Double(k) * 0.04
            rows.append(row("none", "none", budget: budget, utilityLost: (0, 0), impactSoft: (0, 0), impactLabel: (0, 0),
                            softAccuracy: (0.80 + grow, 0.012), labelAccuracy: (0.74 + grow, 0.015)))
            rows.append(row("rounding:decimals=1", "rounding", budget: budget, utilityLost: (0.001, 0.0005),
                            impactSoft: (0.06 + 0.01 * Double(k), 0.008), impactLabel: (0.002, 0.004),
                            softAccuracy: (0.78 + grow, 0.012), labelAccuracy: (0.738 + grow, 0.014)))
            rows.append(row("reverse-sigmoid:beta=0.7", "reverse-sigmoid", budget: budget, utilityLost: (0.012, 0.004),
                            impactSoft: (0.21 - 0.03 * Double(k), 0.03), impactLabel: (0.01, 0.006),
                            softAccuracy: (0.59 + grow * 1.5, 0.03), labelAccuracy: (0.73 + grow, 0.016)))
            rows.append(row("top-k:k=1", "top-k", budget: budget, utilityLost: (0, 0),
                            impactSoft: (0.06, 0.01), impactLabel: (0, 0),
                            softAccuracy: (0.74 + grow, 0.015), labelAccuracy: (0.74 + grow, 0.015)))
        }
        // Canary settings measured at the largest budget only.
        rows.append(row("canary:rate=0.01", "canary", budget: 20000, utilityLost: (0.004, 0.001),
                        impactSoft: (0.005, 0.004), impactLabel: (0.001, 0.003),
                        softAccuracy: (0.875, 0.01), labelAccuracy: (0.82, 0.012),
                        students: [2e-9, 4e-7, 1.3e-5, 0, 3e-8, .nan], controls: [0.41, 0.73, 0.08, 0.55, 0.95, 0.22]))
        rows.append(row("canary:rate=0.001", "canary", budget: 20000, utilityLost: (0.0005, 0.0004),
                        impactSoft: (0.001, 0.002), impactLabel: (0, 0.001),
                        softAccuracy: (0.878, 0.01), labelAccuracy: (0.82, 0.012),
                        students: [0.004, 0.03, 0.0007, 0.12, 0.009, 0.002], controls: [0.64, 0.31, 0.88, 0.047, 0.5, 0.77]))
        rows.append(row("noise:sigma=0.5", "noise", budget: 20000, utilityLost: (0.09, 0.02),
                        impactSoft: (0.15, 0.04), impactLabel: (0.05, 0.02),
                        softAccuracy: (0.73, 0.04), labelAccuracy: (0.77, 0.02)))
        rows.append(row("noise:sigma=2", "noise", budget: 20000, utilityLost: (.nan, 0.02),
                        impactSoft: (0.4, 0.05), impactLabel: (0.2, 0.03),
                        softAccuracy: (0.48, 0.05), labelAccuracy: (0.62, 0.03)))
        return Report(title: "Output perturbations vs distillation (synthetic)", rows: rows, alpha: 0.01,
                      generatedAt: "2025-01-01T00:00:00Z",
                      provenance: ["commit": "0123abc", "command": "distill-lab sweep experiments/perturbations.yaml"],
                      curves: curves(for: ["none", "rounding:decimals=1", "reverse-sigmoid:beta=0.7"], budget: 20000))
    }

    /// Plausible per-epoch curves for `settings`: one teacher shared by all
    /// (validated), students whose loss falls faster for weaker defenses.
    static func curves(for settings: [String], budget: Int, epochs: Int = 12) -> [TrainingCurve] {
        let e = Array(1...epochs)
        var out: [TrainingCurve] = []
        for (k, setting) in settings.enumerated() {
            out.append(TrainingCurve(setting: setting, budget: budget, seed: 0, model: "teacher", epochs: e,
                                     trainLoss: e.map { 2.3 * exp(-0.4 * Double($0)) + 0.05 },
                                     validationAccuracy: e.map { 0.96 - 0.5 * exp(-0.5 * Double($0)) }))
            for (m, model) in ["student-soft", "student-label", "student-reference"].enumerated() {
                let floor = model == "student-reference" ? 0.04 : 0.05 + 0.3 * Double(k) + 0.1 * Double(m)
                out.append(TrainingCurve(setting: setting, budget: budget, seed: 0, model: model, epochs: e,
                                         trainLoss: e.map { 2.2 * exp(-0.35 * Double($0)) + floor }))
            }
        }
        return out
    }

    /// Adaptive attackers and a detector: three query strategies × three
    /// defenses (one budget, three seeds), so the trade-off is drawn per
    /// attacker and the detector's results per strategy. Under `jacobian`,
    /// reverse sigmoid (0.030, 0.12) is dominated by random's rounding-free
    /// reverse sigmoid (0.010, 0.30) but by nothing of its own attacker.
    static var adaptive: Report {
        var rows: [ReportRow] = []
        let strategies = ["random", "jacobian", "ood:source=noise"]
        let defenses: [(setting: String, family: String, cost: Double)] = [
            ("none", "none", 0), ("reverse-sigmoid:beta=1,gamma=0.2", "reverse-sigmoid", 0.010), ("gaussian-noise:sigma=0.3", "gaussian-noise", 0.055),
        ]
        for (s, strategy) in strategies.enumerated() {
            for (d, defense) in defenses.enumerated() {
                let setting = defense.setting + ", attack.strategy=" + strategy
                let impact = d == 0 ? 0 : [[0.30, 0.27], [0.12, 0.20], [0.25, 0.05]][s][d - 1]
                var r = row(setting, defense.family, budget: 400, utilityLost: (defense.cost + (s == 1 && d == 1 ? 0.02 : 0), 0.004),
                            impactSoft: (impact, 0.03), impactLabel: (impact / 4, 0.01),
                            softAccuracy: (0.93 - impact, 0.01), labelAccuracy: (0.92 - impact / 4, 0.01))
                r.parameters["attack.strategy"] = strategy
                r.settingValues = ["defense": defense.setting, "attack.strategy": strategy]
                // PRADA flags Jacobian streams (in 2 of 3 seeds under noise), never random ones; noise inputs in every seed, late.
                let flagged = [0.0, d == 2 ? 2.0 / 3 : 1, 1][s]
                r.metrics[ReportMetric.detectorFlaggedFraction] = summary(flagged, 0.5)
                r.metrics[ReportMetric.detectorBenignFalsePositiveRate] = summary(d == 2 ? 1.0 / 9 : 0, d == 2 ? 0.19 : 0)
                if flagged > 0 {
                    r.metrics[ReportMetric.detectorQueriesToFlag] = summary(s == 1 ? 140 + 20 * Double(d) : 310, 25, Int((flagged * 3).rounded()))
                } else {
                    r.metrics[ReportMetric.detectorQueriesToFlag] = MetricSummary(values: [.nan, .nan, .nan])
                }
                rows.append(r)
            }
        }
        return Report(title: "Adaptive attackers and detection (synthetic)", rows: rows, alpha: 0.05, generatedAt: "2025-01-01T00:00:00Z",
                      provenance: ["command": "distill-lab sweep experiments/adaptive.yaml"], settingColumns: ["defense", "attack.strategy"])
    }
}
