import Foundation

/// The plots a report draws; the raw value is the SVG element's `id`.
public enum ReportPlot: String, CaseIterable, Sendable, Codable {
    /// Benign utility lost vs student accuracy lost, with the Pareto front.
    case tradeoff = "tradeoff-plot"
    /// Student accuracy vs query budget, one line per setting.
    case budget = "budget-plot"
    /// Canary p-values (log scale) against the α line.
    case canary = "canary-plot"
}

/// A rendered plot and what the reader should know about omitted data.
struct RenderedPlot {
    var svg: String
    var caption: String
    var notes: [String]
}

extension Report {

    /// The plots this study needs, chosen from its data: the trade-off plot
    /// when some row has benign utility lost and a defensive impact, the
    /// budget plot only when the query budget varies, the canary plot only
    /// when there are canary p-values. `plots` (when set) overrides the choice.
    public var chosenPlots: [ReportPlot] {
        if let plots { return plots }
        var out: [ReportPlot] = []
        let hasTradeoff = rows.contains { $0.metrics[ReportMetric.benignAccuracyLoss] != nil && $0.metrics[ReportMetric.defensiveImpactSoft] != nil }
            && rows.contains { $0.defense != "none" }
        if hasTradeoff { out.append(.tradeoff) }
        if Set(rows.map(\.budget)).count > 1 { out.append(.budget) }
        if hasCanaryPValues { out.append(.canary) }
        return out
    }

    /// One plot as an SVG element. `standalone` adds the SVG namespace so the
    /// text can be saved as a .svg figure on its own.
    ///
    /// - Complexity: O(rows log rows) (the Pareto sort), plus O(p) for p canary p-values.
    public func svg(_ plot: ReportPlot, standalone: Bool = false) -> String {
        render(plot, standalone: standalone).svg
    }

    func render(_ plot: ReportPlot, standalone: Bool) -> RenderedPlot {
        switch plot {
        case .tradeoff: return tradeoffPlot(standalone: standalone)
        case .budget: return budgetPlot(standalone: standalone)
        case .canary: return canaryPlot(standalone: standalone)
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

    // MARK: Trade-off

    /// The rows the trade-off plot compares: those at the report's largest
    /// query budget (comparing settings across budgets would mix the budget's
    /// effect into the defense's), and that budget when rows differ in it.
    func tradeoffRows() -> (indices: [Int], budget: Int?) {
        guard let top = rows.map(\.budget).max() else { return ([], nil) }
        let mixed = Set(rows.map(\.budget)).count > 1
        return (rows.indices.filter { rows[$0].budget == top }, mixed ? top : nil)
    }

    /// Indices (into `rows`) of the soft-student Pareto front of the trade-off plot.
    func tradeoffFront() -> Set<Int> {
        let subset = tradeoffRows().indices
        let front = ParetoFront.indices(of: subset.map {
            (cost: rows[$0].metrics[ReportMetric.benignAccuracyLoss]?.mean ?? .nan,
             benefit: rows[$0].metrics[ReportMetric.defensiveImpactSoft]?.mean ?? .nan)
        })
        return Set(front.map { subset[$0] })
    }

    private struct TradeoffPoint {
        var row: Int
        var x: MetricSummary
        var y: MetricSummary
    }

    func tradeoffPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.standard
        var canvas = SVGCanvas(id: ReportPlot.tradeoff.rawValue, layout: layout)
        let (subset, atBudget) = tradeoffRows()
        let title = "Utility–protection trade-off" + (atBudget.map { " at query budget " + Report.formatBudget(Double($0)) } ?? "")
        canvas.heading(title)
        let series: [(key: String, name: String, color: String, shape: MarkerShape)] = [
            (ReportMetric.defensiveImpactSoft, "soft-label student", Palette.series[0], .circle),
            (ReportMetric.defensiveImpactLabel, "label-only student", Palette.series[1], .square),
        ]
        var notes: [String] = []
        var points: [[TradeoffPoint]] = []
        for s in series {
            var list: [TradeoffPoint] = []
            var skipped = 0
            for i in subset {
                let row = rows[i]
                guard let x = row.metrics[ReportMetric.benignAccuracyLoss], let y = row.metrics[s.key] else { continue }
                guard x.mean.isFinite, y.mean.isFinite else { skipped += 1; continue }
                list.append(TradeoffPoint(row: i, x: x, y: y))
            }
            if skipped > 0 { notes.append("Trade-off plot, \(s.name): \(Report.count(skipped, "setting")) with a NaN or infinite mean skipped.") }
            points.append(list)
        }
        if let atBudget, subset.count < rows.count {
            notes.append("Trade-off plot: only the \(Report.count(subset.count, "row")) at the largest query budget (\(atBudget)) are compared; the budget plot shows the others.")
        }
        let all = points.flatMap { $0 }
        if all.isEmpty {
            let description = "No setting has both \(ReportMetric.benignAccuracyLoss) and a defensive impact; nothing to plot."
            canvas.emptyMessage(rows.isEmpty ? "No results: this report has no rows." : "No setting has benign accuracy loss and defensive impact.")
            return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone),
                                caption: "Trade-off plot: no data.", notes: notes)
        }
        // Data stop short of the frame so points on a bound are not cut by it.
        let inset = 12.0
        let xs = all.flatMap { [$0.x.mean - $0.x.spread, $0.x.mean + $0.x.spread] }
        let ys = all.flatMap { [$0.y.mean - $0.y.spread, $0.y.mean + $0.y.spread] }
        let xScale = LinearScale(covering: xs, start: layout.plotLeft + inset, end: layout.plotRight - inset, includeZero: true)
        let yScale = LinearScale(covering: ys, start: layout.plotBottom - inset, end: layout.plotTop + inset, includeZero: true)
        canvas.axes(xTicks: xScale.ticks.map { (xScale.position($0), xScale.label($0)) },
                    yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) },
                    xTitle: "Benign utility lost (honest users' accuracy loss)",
                    yTitle: "Student accuracy lost (defensive impact)")
        // Zero lines: the undefended oracle sits at the origin.
        if xScale.lower < 0 && xScale.upper > 0 {
            let x = coordinate(xScale.position(0))
            canvas.add("<line class=\"zero-line\" x1=\"\(x)\" y1=\"\(coordinate(layout.plotTop))\" x2=\"\(x)\" y2=\"\(coordinate(layout.plotBottom))\" stroke=\"#999999\" stroke-width=\"1\"/>")
        }
        if yScale.lower < 0 && yScale.upper > 0 {
            let y = coordinate(yScale.position(0))
            canvas.add("<line class=\"zero-line\" x1=\"\(coordinate(layout.plotLeft))\" y1=\"\(y)\" x2=\"\(coordinate(layout.plotRight))\" y2=\"\(y)\" stroke=\"#999999\" stroke-width=\"1\"/>")
        }

        var frontDescriptions: [String] = []
        var legend: [LegendEntry] = []
        var screenPoints: [(Double, Double)] = []
        for (s, list) in zip(series, points) where !list.isEmpty {
            let front = ParetoFront.indices(of: list.map { (cost: $0.x.mean, benefit: $0.y.mean) })
            // The front as the staircase it bounds: sideways, then up.
            if front.count > 1 {
                var path = ""
                for (k, i) in front.enumerated() {
                    let px = xScale.position(list[i].x.mean), py = yScale.position(list[i].y.mean)
                    if k == 0 { path += "M\(coordinate(px)) \(coordinate(py))" } else {
                        path += " H\(coordinate(px)) V\(coordinate(py))"
                    }
                }
                canvas.add("<path class=\"pareto-front\" data-series=\"\(s.key)\" d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\" opacity=\"0.8\"/>")
            }
            for p in list {
                let px = xScale.position(p.x.mean), py = yScale.position(p.y.mean)
                canvas.errorBars(x: px, y: py,
                                 xRange: (xScale.position(p.x.mean - p.x.spread), xScale.position(p.x.mean + p.x.spread)),
                                 yRange: (yScale.position(p.y.mean - p.y.spread), yScale.position(p.y.mean + p.y.spread)),
                                 color: s.color)
            }
            let frontSet = Set(front)
            for (k, p) in list.enumerated() {
                let px = xScale.position(p.x.mean), py = yScale.position(p.y.mean)
                screenPoints.append((px, py))
                if frontSet.contains(k) {
                    canvas.add("<circle class=\"pareto-ring\" cx=\"\(coordinate(px))\" cy=\"\(coordinate(py))\" r=\"9\" fill=\"none\" stroke=\"\(Palette.axis)\" stroke-width=\"1.3\"/>")
                }
                let row = rows[p.row]
                let tip = "\(row.setting) (\(s.name)): utility lost \(Report.formatSummary(p.x)), student accuracy lost \(Report.formatSummary(p.y))"
                canvas.add(SVGCanvas.marker(s.shape, x: px, y: py, size: 5, color: s.color, filled: true,
                                            attributes: "class=\"point\" data-setting=\"\(xmlEscape(row.setting))\" data-series=\"\(s.key)\"\(frontSet.contains(k) ? " data-pareto=\"true\"" : "")",
                                            tooltip: tip))
            }
            frontDescriptions.append("\(s.name): " + front.map { rows[list[$0].row].setting }.joined(separator: ", "))
            legend.append(LegendEntry(label: s.name, color: s.color, shape: s.shape))
        }
        // Label each setting once, beside its soft-student point (else its label-only point).
        var labelled = Set<Int>()
        for list in points {
            for p in list where !labelled.contains(p.row) {
                labelled.insert(p.row)
                canvas.pointLabel(compactSetting(rows[p.row].setting, to: 30), x: xScale.position(p.x.mean), y: yScale.position(p.y.mean), avoiding: screenPoints)
            }
        }
        legend.append(LegendEntry(label: "Pareto front", color: Palette.axis, shape: nil, dash: "6 4", line: true))
        legend.append(LegendEntry(label: "on the front", color: Palette.axis, shape: .circle, filled: false))
        legend.append(LegendEntry(label: "error bars: ±1 std over seeds", color: "#777777", shape: nil, line: true))
        canvas.legend(legend, title: "Student")
        canvas.marginNote(["↖ better defense:", "less utility lost,", "more student accuracy lost"])
        let description = "Scatter of \(Report.count(Set(all.map(\.row)).count, "setting")): x is honest users' accuracy loss, y is the students' accuracy lost to the defense (soft-label and label-only students), mean ± std over seeds. Pareto front (not dominated) — "
            + frontDescriptions.joined(separator: "; ") + "."
        let caption = "Each point is one defense setting (mean over seeds, bars ±1 std). Ringed points are on the Pareto front: no other setting loses less benign utility while costing the student more accuracy."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
