import Foundation
import DistillLab

/// The compact results table `train` prints.
enum ResultTable {
    static func describe(_ v: OwnershipVerification) -> String {
        var parts = [v.flagged ? "FLAGGED" : "not flagged"]
        if let m = v.matches, let n = v.trials { parts.append("\(m)/\(n) canaries") }
        parts.append(String(format: "statistic %.4g", v.statistic))
        if let p = v.pValue { parts.append(String(format: "p = %.3g", p)) }
        if let t = v.threshold { parts.append(String(format: "threshold %.4g", t)) }
        return parts.joined(separator: ", ")
    }

    static func render(_ r: ExperimentResult, runDirectory: String?) -> String {
        var lines: [String] = []
        lines.append("distill-lab train: \(r.dataset), seed \(r.seed), BLAS \(r.environment.blasCore) × \(r.environment.blasThreads) thread\(r.environment.blasThreads == 1 ? "" : "s"), \(String(format: "%.1f", r.seconds)) s")
        lines.append("splits: teacher \(r.splits.teacherTrain) · validation \(r.splits.validation) · attacker pool \(r.splits.attackerPool) · test \(r.splits.test)")
        let used = r.queriesUsed.values.reduce(0, +)
        lines.append("oracle: \(used) queries answered (budget \(r.queryBudget))")
        lines.append("")
        let header = ["model", "architecture", "objective", "test acc", "fidelity", "selected epoch"]
        var rows = [header]
        for m in [r.teacher] + r.students {
            rows.append([m.role, m.architecture, m.objective, String(format: "%.4f", m.testAccuracy),
                         m.fidelity.map { String(format: "%.4f", $0) } ?? "—",
                         m.epochs == 0 ? "— (not trained)" : "\(m.selectedEpoch)/\(m.epochs) (\(m.selection.rawValue))"])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max()! }
        for (i, row) in rows.enumerated() {
            lines.append(row.enumerated().map { c, cell in
                c >= 3 && c <= 4 ? String(repeating: " ", count: widths[c] - cell.count) + cell
                                 : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
            if i == 0 { lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")) }
        }
        if let soft = r.student("student-soft"), let ref = r.student("student-reference") {
            lines.append("")
            lines.append(String(format: "soft-label student reaches %.1f%% of the teacher's accuracy (honest-label reference: %.1f%%)",
                                100 * soft.testAccuracy / r.teacher.testAccuracy, 100 * ref.testAccuracy / r.teacher.testAccuracy))
        }
        if let d = r.defense {
            let u = d.benignUtility
            lines.append("")
            var name = d.responses.joined(separator: " → ")
            if d.nastyTeacher != nil { name = name.isEmpty ? "nasty teacher" : "nasty teacher + " + name }
            lines.append("defense: \(name)")
            lines.append(String(format: "honest users: top-1 accuracy %.4f (undefended %.4f, change %+.4f), top-1 kept %.4f, mean L1 %.4f, mean KL %.4f",
                                u.defendedAccuracy, u.cleanAccuracy, u.defendedAccuracy - u.cleanAccuracy + 0.0,
                                u.top1Agreement, u.meanL1, u.meanKL))
        }
        if let base = r.undefendedBaseline, let impact = r.defensiveImpact {
            lines.append("")
            lines.append("student              undefended  defended  defensive impact")
            for (b, d) in zip(base, r.students) {
                lines.append(d.role.padding(toLength: 19, withPad: " ", startingAt: 0) +
                             String(format: "  %10.4f  %8.4f  %+16.4f", b.testAccuracy, d.testAccuracy, impact[d.role] ?? .nan))
            }
        }
        if let d = r.detection {
            lines.append("")
            lines.append("extraction detector (\(d.detector.description)):")
            for rep in [d.attacker].compactMap({ $0 }) + d.benign {
                lines.append("  " + rep.client.padding(toLength: 17, withPad: " ", startingAt: 0) + "  " +
                             (rep.flagged ? "FLAGGED after \(rep.queriesUntilFlag ?? 0) queries" : "not flagged") +
                             " (\(rep.queriesSeen) queries" + (rep.lastW.map { String(format: ", last W %.3f", $0) } ?? "") + ")")
            }
            if let fpr = d.benignFalsePositiveRate { lines.append(String(format: "  false-positive rate on benign clients: %.2f", fpr)) }
        }
        for c in r.canaries ?? [] {
            lines.append("")
            lines.append("canary \(c.canary) (α = \(c.alpha), calibrated on \(c.calibrationControls) controls; each control left out in turn):")
            for (role, v) in c.suspects.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + role.padding(toLength: 17, withPad: " ", startingAt: 0) + "  " + describe(v))
            }
            for (i, v) in c.controls.enumerated() {
                lines.append("  " + "control \(i + 1)".padding(toLength: 17, withPad: " ", startingAt: 0) + "  " + describe(v))
            }
            lines.append(String(format: "  false-positive rate on controls (leave-one-out): %.2f", c.falsePositiveRate))
        }
        if let dir = runDirectory { lines.append("run directory: \(dir)") }
        return lines.joined(separator: "\n")
    }
}
