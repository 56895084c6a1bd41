import Foundation

/// The plots a report can draw; the raw value is the SVG element's `id`.
public enum ReportPlot: String, CaseIterable, Sendable, Codable {
    /// Benign utility lost vs student accuracy lost, with the Pareto front.
    case tradeoff = "tradeoff-plot"
    /// The trade-off with one panel and one Pareto front per attacker
    /// (query strategy and counters), when the attackers differ.
    case attackerTradeoff = "attacker-tradeoff-plot"
    /// Student accuracy vs query budget, one line per setting, with the
    /// teacher's and the true-label reference student's accuracy.
    case budget = "budget-plot"
    /// Canary power curve: share of stolen students flagged (and of innocent
    /// controls, the false-positive rate) against a canary parameter.
    case power = "power-plot"
    /// Canary p-values (log scale) against the α line.
    case canary = "canary-plot"
    /// Queries the detector needed to flag the attacker vs benign clients flagged.
    case detection = "detection-plot"
    /// Per-epoch training curves of the teacher and the students, one seed per setting.
    case curves = "curves-plot"

    /// The heading of the plot's section in the HTML page.
    public var heading: String {
        switch self {
        case .tradeoff: return "Utility–protection trade-off"
        case .attackerTradeoff: return "Utility–protection trade-off per attacker"
        case .budget: return "Student accuracy vs query budget"
        case .power: return "Canary power against the canary rate"
        case .canary: return "Canary p-values"
        case .detection: return "Query-stream detection"
        case .curves: return "Training curves"
        }
    }
}

/// A rendered plot and what the reader should know about omitted data.
struct RenderedPlot {
    var svg: String
    var caption: String
    var notes: [String]
}

extension Report {

    /// The plots this report's data call for, in page order; `plots` (when
    /// set) overrides the choice. Each plot appears only when what it shows
    /// varies or exists in the rows, whatever the sweep is called:
    ///
    /// - the trade-off, when some defended row has benign utility lost and a
    ///   defensive impact: one front over all rows, or, when the rows' attackers
    ///   (swept `attack.*` settings but the budget) differ, one panel and front
    ///   per attacker (`attackerTradeoff`);
    /// - the budget plot, when the query budget varies;
    /// - the power curve, when a canary family's numeric parameter (its rate)
    ///   takes two or more values (`powerCurves`);
    /// - the canary p-values, when there are any;
    /// - the detection plot, when a detector judged the attacker;
    /// - training curves, when `curves` holds a model trained two or more epochs.
    public var chosenPlots: [ReportPlot] {
        if let plots { return plots }
        var out: [ReportPlot] = []
        if hasTradeoffData { out.append(tradeoffAttackers().count > 1 ? .attackerTradeoff : .tradeoff) }
        if Set(rows.map(\.budget)).count > 1 { out.append(.budget) }
        if !powerCurves().isEmpty { out.append(.power) }
        if hasCanaryPValues { out.append(.canary) }
        if !detectionPoints().isEmpty { out.append(.detection) }
        if !plottedCurves().isEmpty { out.append(.curves) }
        return out
    }

    /// Whether some defended row has both trade-off coordinates.
    var hasTradeoffData: Bool {
        rows.contains { $0.metrics[ReportMetric.benignAccuracyLoss] != nil && $0.metrics[ReportMetric.defensiveImpactSoft] != nil }
            && rows.contains { $0.defense != "none" }
    }

    /// One plot as an SVG element. `standalone` adds the SVG namespace so the
    /// text can be saved as a .svg figure on its own.
    ///
    /// - Complexity: O(rows log rows) (the Pareto sort), plus O(p) for p canary
    ///   p-values and O(e) for e epochs of training curves.
    public func svg(_ plot: ReportPlot, standalone: Bool = false) -> String {
        render(plot, standalone: standalone).svg
    }

    func render(_ plot: ReportPlot, standalone: Bool) -> RenderedPlot {
        switch plot {
        case .tradeoff: return tradeoffPlot(standalone: standalone)
        case .attackerTradeoff: return attackerTradeoffPlot(standalone: standalone)
        case .budget: return budgetPlot(standalone: standalone)
        case .power: return powerPlot(standalone: standalone)
        case .canary: return canaryPlot(standalone: standalone)
        case .detection: return detectionPlot(standalone: standalone)
        case .curves: return curvesPlot(standalone: standalone)
        }
    }

    /// Colour per defense family, in order of first appearance; "none" (the
    /// undefended oracle) is black.
    func familyColors() -> [String: String] {
        var colors: [String: String] = [:]
        var next = 0
        for row in rows where colors[row.defense] == nil {
            if row.defense == "none" || row.defense == "undefended" {
                colors[row.defense] = Palette.undefended
            } else {
                colors[row.defense] = Palette.series[next % Palette.series.count]
                next += 1
            }
        }
        return colors
    }

    /// "1 setting" / "3 settings".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// The note a plot adds when some point labels found no room.
    static func unplacedNote(_ plot: String, _ labels: [String]) -> [String] {
        guard !labels.isEmpty else { return [] }
        return ["\(plot): no room to label " + labels.joined(separator: ", ") + " without overlapping another label; hover a point for its setting."]
    }

    // MARK: Labels of settings

    /// "; labels give the value of evaluation.controls" for a caption, "" for no keys.
    static func labelKeysNote(_ keys: [String]) -> String {
        keys.isEmpty ? "" : "; labels give the value of " + keys.joined(separator: " and ")
    }

    /// A setting label's parts: the defense, then each other swept `key=value`.
    static func settingParts(_ setting: String) -> [String] {
        setting.components(separatedBy: ", ")
    }

    /// A swept value as a reader wants it: a list's brackets dropped, "none" for an empty list.
    static func displayValue(_ value: String) -> String {
        guard value.hasPrefix("["), value.hasSuffix("]") else { return value }
        let inner = String(value.dropFirst().dropLast())
        return inner.isEmpty ? "none" : inner
    }

    /// The part's key when it is a swept `key.path=value`, else nil.
    static func sweptKey(_ part: String) -> String? {
        guard let eq = part.firstIndex(of: "=") else { return nil }
        let key = part[..<eq]
        guard key.contains("."), key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }) else { return nil }
        return String(key)
    }

    /// Short labels for the rows at `indices`: each setting without the parts
    /// every one of them shares (and without parts `dropping` refuses), and a
    /// swept `key=value` part whose key every row has shows its value alone
    /// ("none, attack.strategy=jacobian" beside "none, attack.strategy=random"
    /// → "jacobian"). A row left with nothing keeps its parts but those
    /// `dropping` refuses (or, with none left, its full setting).
    ///
    /// - Returns: the labels, in the order of `indices`; `key`, the swept key
    ///   when every label is just its value (for a legend title); `keys`, every
    ///   swept key shown by its value alone (for the caption).
    func shortLabels(_ indices: [Int], dropping: (String) -> Bool = { _ in false }) -> (labels: [String], key: String?, keys: [String]) {
        let parts = indices.map { Report.settingParts(rows[$0].setting).filter { !dropping($0) } }
        guard let first = parts.first else { return ([], nil, []) }
        // A part every row has says nothing about any one of them.
        let common = indices.count > 1 ? parts.dropFirst().reduce(Set(first)) { $0.intersection($1) } : []
        let varying = parts.map { $0.filter { !common.contains($0) } }
        let keySets = varying.map { Set($0.compactMap(Report.sweptKey)) }
        let shared = keySets.dropFirst().reduce(keySets[0]) { $0.intersection($1) }
        let keys = (varying.first ?? []).compactMap(Report.sweptKey).filter(shared.contains)
        let labels = zip(indices, zip(varying, parts)).map { i, vp -> String in
            if vp.0.isEmpty { return !vp.1.isEmpty ? vp.1.joined(separator: ", ") : rows[i].setting }
            return vp.0.map { part in
                guard let k = Report.sweptKey(part), shared.contains(k) else { return part }
                return Report.displayValue(String(part.dropFirst(k.count + 1)))
            }.joined(separator: ", ")
        }
        let only = keys.count == 1 && varying.allSatisfy { $0.count == 1 } ? keys.first : nil
        return (labels, only, keys)
    }
}
