import Foundation
import DistillLab
import DistillReport
import DistillNN

extension SweepCollection {
    /// The results table: one `ReportRow` per setting (a point minus its
    /// seed), in sweep order, each metric as mean ± sample std over the seeds
    /// that produced it.
    public func reportRows() -> [ReportRow] {
        var order: [String] = []
        var groups: [String: [CollectedRun]] = [:]
        for run in runs {
            if groups[run.point.setting] == nil { order.append(run.point.setting) }
            groups[run.point.setting, default: []].append(run)
        }
        return order.map { setting in
            let group = groups[setting]!
            let first = group[0].point
            var perMetric: [String: [Double]] = [:]
            for run in group {
                for (key, value) in RunMetrics.values(run.result, settings: run.point.settings) { perMetric[key, default: []].append(value) }
            }
            return ReportRow(setting: Self.label(first), defense: Self.family(first.settings.defense),
                             parameters: Self.parameters(first), budget: first.settings.attack.budget, seeds: group.count,
                             metrics: perMetric.mapValues { MetricSummary(values: $0) },
                             canaryStudentPValues: group.flatMap { RunMetrics.studentPValues($0.result) },
                             canaryControlPValues: group.flatMap { RunMetrics.controlPValues($0.result) },
                             settingValues: settingColumns.isEmpty ? nil : Dictionary(settingColumns.map { ($0.name, Self.value(of: $0.key, in: first)) },
                                                                                      uniquingKeysWith: { a, _ in a }))
        }
    }

    /// The table's setting columns: the sweep's axes (for train runs, the
    /// settings that differ between them) but the budget, which has its own
    /// column; `defense.responses` is named "defense".
    var settingColumns: [(key: String, name: String)] {
        manifest.definition.axes.map(\.key).filter { $0 != "attack.budget" }.map { ($0, Self.columnName(forKey: $0)) }
    }

    /// A setting column's name: the key path, but "defense" for `defense.responses`.
    static func columnName(forKey key: String) -> String {
        key == "defense.responses" ? "defense" : key
    }

    /// A point's value of the swept `key` as the table shows it: the defense
    /// pipeline as in the label (`rounding:decimals=1`, `none`), else the
    /// value as written (quotes dropped; "none" for null, "—" when the point does not set it).
    static func value(of key: String, in p: SweepPoint) -> String {
        if key == "defense.responses" {
            let steps = p.settings.defense.responses.map(\.description)
            return steps.isEmpty ? "none" : steps.joined(separator: " → ")
        }
        guard let a = p.assignments.first(where: { $0.hasPrefix(key + "=") }) else { return "—" }
        let value = String(a.dropFirst(key.count + 1)).replacingOccurrences(of: "\"", with: "")
        return value.isEmpty ? "none" : value
    }

    /// The report of the collected sweep.
    public func report(title: String? = nil, generatedAt: Date = Date()) -> Report {
        var provenance: [String: String]
        switch kind {
        case .sweep: provenance = ["sweep": manifest.definition.fileName, "points": "\(runs.count) of \(manifest.points.count) finished"]
        case .runs, .run:
            provenance = ["runs": folder?.path ?? manifest.definition.fileName, "collected": "\(runs.count) finished run(s)"]
            if !unfinished.isEmpty { provenance["unfinished, skipped"] = unfinished.joined(separator: ", ") }
            if !damaged.isEmpty { provenance["damaged, skipped"] = damaged.map(\.path).joined(separator: ", ") }
        }
        if let commit = runs.first?.result.environment.gitCommit { provenance["commit"] = commit }
        if let version = runs.first?.result.environment.version { provenance["version"] = version }
        if !missing.isEmpty { provenance["missing"] = missing.joined(separator: ", ") }
        let alpha = manifest.points.first?.settings.evaluation.alpha ?? 0.05
        var notes: [String] = []
        // Defensive impact compares with the undefended oracle under the same attack, counters included.
        // Read from the settings, so a counter set in the base file counts as much as a swept one.
        if runs.contains(where: { !$0.point.settings.attack.counters.isEmpty && $0.result.undefendedBaseline != nil }) {
            notes.append("The \"undefended\" baseline behind each defensive impact is attacked with the same counter as the defended run (e.g. argmax or averaged repeats), so an impact measures the defense against that adaptive attacker, not against the plain one.")
        }
        let name = URL(fileURLWithPath: manifest.definition.fileName).lastPathComponent
        let defaultTitle = kind == .sweep ? "Sweep \(name)" : kind == .runs ? "Runs in \(name)" : "Run \(name)"
        let columns = settingColumns.map(\.name)
        let curves = trainingCurves()
        return Report(title: title ?? defaultTitle,
                      rows: reportRows(), alpha: alpha, generatedAt: ISO8601DateFormatter().string(from: generatedAt),
                      provenance: provenance, notes: notes.isEmpty ? nil : notes, settingColumns: columns.isEmpty ? nil : columns,
                      curves: curves.isEmpty ? nil : curves)
    }

    /// The per-epoch curves the report plots: for each setting, in sweep
    /// order, the run with the lowest seed (one seed keeps the plot readable),
    /// and of it every model `TrainingCurve.plottedModels` names that logged
    /// epochs. Validation accuracy is kept only when every epoch has it.
    public func trainingCurves() -> [TrainingCurve] {
        let models = Set(TrainingCurve.plottedModels.map(\.model))
        var chosen: [String: CollectedRun] = [:]
        var order: [String] = []
        for run in runs {
            if chosen[run.point.setting] == nil { order.append(run.point.setting) }
            if chosen[run.point.setting].map({ run.point.seed < $0.point.seed }) ?? true { chosen[run.point.setting] = run }
        }
        return order.flatMap { setting -> [TrainingCurve] in
            let run = chosen[setting]!
            var byModel: [String: [EpochMetrics]] = [:]
            var modelOrder: [String] = []
            for line in run.epochs where models.contains(line.model) {
                if byModel[line.model] == nil { modelOrder.append(line.model) }
                byModel[line.model, default: []].append(line.metrics)
            }
            return modelOrder.map { model in
                let epochs = byModel[model]!.sorted { $0.epoch < $1.epoch }
                let validation = epochs.compactMap(\.validationAccuracy)
                return TrainingCurve(setting: Self.label(run.point), budget: run.point.settings.attack.budget, seed: run.point.seed,
                                     model: model, epochs: epochs.map(\.epoch), trainLoss: epochs.map(\.trainLoss),
                                     validationAccuracy: validation.count == epochs.count ? validation : nil)
            }
        }
    }

    /// A setting's label: the defense pipeline (`rounding:decimals=2`,
    /// `gaussian-noise:sigma=0.1 → rounding:decimals=1`, `none`) and the other
    /// swept keys but the budget (the budget is the row's own column, so the
    /// budget plot joins one setting's budgets into a line).
    static func label(_ p: SweepPoint) -> String {
        var parts = [defenseDescription(p.settings.defense)]
        for a in p.assignments {
            let key = a.prefix { $0 != "=" }
            if key == "defense.responses" || key == "defense.nastyTeacher" || key == "attack.budget" { continue }
            parts.append(a.replacingOccurrences(of: "\"", with: ""))
        }
        return parts.joined(separator: ", ")
    }

    static func defenseDescription(_ d: DefenseSettings) -> String {
        var steps = d.responses.map(\.description)
        if d.nastyTeacher != nil { steps.insert("nasty-teacher", at: 0) }
        return steps.isEmpty ? "none" : steps.joined(separator: " → ")
    }

    /// The defense family: its first step's name ("none" undefended).
    static func family(_ d: DefenseSettings) -> String {
        d.nastyTeacher != nil ? "nasty-teacher" : d.responses.first?.name ?? "none"
    }

    /// The defenses' parameters (`decimals`, …; later steps win on clashes)
    /// and every swept key other than the defense, with its value.
    static func parameters(_ p: SweepPoint) -> [String: String] {
        var out: [String: String] = [:]
        for spec in p.settings.defense.responses { for (k, v) in spec.parameters { out[k] = v } }
        for a in p.assignments {
            guard let eq = a.firstIndex(of: "=") else { continue }
            let key = String(a[..<eq])
            if key.hasPrefix("defense.") { continue }
            out[key] = String(a[a.index(after: eq)...]).replacingOccurrences(of: "\"", with: "")
        }
        return out
    }
}
