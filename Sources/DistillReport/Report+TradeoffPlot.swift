import Foundation

/// One setting on the trade-off plot: x = benign utility lost, y = a student's accuracy lost.
struct TradeoffPoint {
    var row: Int
    var x: MetricSummary
    var y: MetricSummary
}

/// A student series of the trade-off plot: the defensive-impact metric it plots and how it is drawn.
struct TradeoffSeries {
    var key: String
    var name: String
    var color: String
    var shape: MarkerShape

    static let all = [
        TradeoffSeries(key: ReportMetric.defensiveImpactSoft, name: "soft-label student", color: Palette.series[0], shape: .circle),
        TradeoffSeries(key: ReportMetric.defensiveImpactLabel, name: "label-only student", color: Palette.series[1], shape: .square),
    ]
}

extension Report {

    // MARK: Rows and fronts

    /// The rows the trade-off plot compares: those at the report's largest
    /// query budget (comparing settings across budgets would mix the budget's
    /// effect into the defense's), and that budget when rows differ in it.
    func tradeoffRows() -> (indices: [Int], budget: Int?) {
        guard let top = rows.map(\.budget).max() else { return ([], nil) }
        let mixed = Set(rows.map(\.budget)).count > 1
        return (rows.indices.filter { rows[$0].budget == top }, mixed ? top : nil)
    }

    /// Indices (into `rows`) on a soft-student Pareto front of the trade-off
    /// plot: the one front, or with several attackers the union of theirs.
    func tradeoffFront() -> Set<Int> {
        Set(paretoFronts().flatMap(\.rows))
    }

    /// The Pareto front of `series` (a defensive-impact metric) per attacker,
    /// over the trade-off rows (`tradeoffRows`): for each attacker, in order
    /// of first appearance, the indices into `rows` of its settings that no
    /// other setting *of the same attacker* dominates, by ascending utility
    /// lost. A setting beaten only by another attacker's stays on its own
    /// attacker's front: the fronts answer "which defense, against this
    /// attacker", not "which attacker". Without swept attack settings there is
    /// one attacker (""), so one front over all rows.
    ///
    /// - Complexity: O(n log n) for n rows.
    public func paretoFronts(series: String = ReportMetric.defensiveImpactSoft) -> [(attacker: String, rows: [Int])] {
        let subset = tradeoffRows().indices
        return Report.groups(subset, by: { Report.attacker(of: rows[$0]) }).map { attacker, members in
            let front = ParetoFront.indices(of: members.map {
                (cost: rows[$0].metrics[ReportMetric.benignAccuracyLoss]?.mean ?? .nan,
                 benefit: rows[$0].metrics[series]?.mean ?? .nan)
            })
            return (attacker, front.map { members[$0] })
        }
    }

    /// The attackers of the trade-off rows that have trade-off coordinates, in order of first appearance.
    func tradeoffAttackers() -> [String] {
        let subset = tradeoffRows().indices.filter {
            rows[$0].metrics[ReportMetric.benignAccuracyLoss] != nil && rows[$0].metrics[ReportMetric.defensiveImpactSoft] != nil
        }
        return Report.groups(subset, by: { Report.attacker(of: rows[$0]) }).map(\.key)
    }

    /// A row's attacker: its swept attack settings other than the budget
    /// (`attack.strategy`, `attack.counters`, …) as sorted `key=value` pairs;
    /// "" when none is swept (every row then faces the same attacker).
    public static func attacker(of row: ReportRow) -> String {
        row.parameters.filter { $0.key.hasPrefix("attack.") && $0.key != "attack.budget" }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// An attacker as a reader names it: "counters: argmax", "strategy: jacobian; counters: none".
    static func attackerName(_ attacker: String) -> String {
        guard !attacker.isEmpty else { return "the sweep's attacker" }
        return attacker.components(separatedBy: ", ").map { part -> String in
            guard let eq = part.firstIndex(of: "=") else { return part }
            let key = part[..<eq].replacingOccurrences(of: "attack.", with: "")
            return key + ": " + Report.displayValue(String(part[part.index(after: eq)...]))
        }.joined(separator: "; ")
    }

    /// `items` grouped by `key`, groups in order of first appearance, members in input order.
    static func groups<K: Hashable>(_ items: [Int], by key: (Int) -> K) -> [(key: K, members: [Int])] {
        var order: [K] = []
        var members: [K: [Int]] = [:]
        for i in items {
            let k = key(i)
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(i)
        }
        return order.map { ($0, members[$0]!) }
    }

    // MARK: Drawing

    /// The points of each student series among `subset` (rows without both
    /// coordinates left out; non-finite means skipped, with a note).
    func tradeoffPoints(_ subset: [Int], plot: String) -> (points: [[TradeoffPoint]], notes: [String]) {
        var notes: [String] = []
        var points: [[TradeoffPoint]] = []
        for s in TradeoffSeries.all {
            var list: [TradeoffPoint] = []
            var skipped = 0
            for i in subset {
                let row = rows[i]
                guard let x = row.metrics[ReportMetric.benignAccuracyLoss], let y = row.metrics[s.key] else { continue }
                guard x.mean.isFinite, y.mean.isFinite else { skipped += 1; continue }
                list.append(TradeoffPoint(row: i, x: x, y: y))
            }
            if skipped > 0 { notes.append("\(plot), \(s.name): \(Report.count(skipped, "setting")) with a NaN or infinite mean skipped.") }
            points.append(list)
        }
        return (points, notes)
    }

    /// Scales covering every point's error bars and 0, inset from `frame` so
    /// points on a bound are not cut by it; an axis whose values are all 0
    /// runs from 0 to 0.01 rather than into negative losses no setting has,
    /// and bars below 0 by under 2% of the largest value are drawn past the
    /// axis's 0 (into the inset) rather than widening it by a tick step.
    static func tradeoffScales(_ all: [TradeoffPoint], frame: PlotLayout) -> (x: LinearScale, y: LinearScale) {
        let inset = 12.0
        func widened(_ v: [Double]) -> [Double] {
            if v.allSatisfy({ $0 == 0 }) { return [0, 0.01] }
            // Error bars dipping a hair below 0 would otherwise cost a whole tick step of negative axis.
            let top = v.max() ?? 0
            return v.map { $0 < 0 && -$0 < 0.02 * top ? 0 : $0 }
        }
        let xs = widened(all.flatMap { [$0.x.mean - $0.x.spread, $0.x.mean + $0.x.spread] })
        let ys = widened(all.flatMap { [$0.y.mean - $0.y.spread, $0.y.mean + $0.y.spread] })
        return (LinearScale(covering: xs, start: frame.plotLeft + inset, end: frame.plotRight - inset, includeZero: true),
                LinearScale(covering: ys, start: frame.plotBottom - inset, end: frame.plotTop + inset, includeZero: true))
    }

    /// Axis titles of the trade-off plots, with units.
    static let tradeoffXTitle = "Honest users' accuracy lost (fraction of test inputs)"
    static let tradeoffYTitle = "Student accuracy lost to the defense (fraction)"

    /// Draws one trade-off frame: zero lines, each series' Pareto front as a
    /// staircase, error bars, ringed front points, markers and one label per
    /// setting (`label(row)`).
    ///
    /// - Returns: each drawn series' front, as "series: setting, …".
    func drawTradeoffFrame(_ canvas: inout SVGCanvas, points: [[TradeoffPoint]], x xScale: LinearScale, y yScale: LinearScale,
                           label: (Int) -> String) -> [String] {
        let layout = canvas.layout
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
        var screenPoints: [(Double, Double)] = []
        for list in points {
            for p in list { screenPoints.append((xScale.position(p.x.mean), yScale.position(p.y.mean))) }
        }
        for (s, list) in zip(TradeoffSeries.all, points) where !list.isEmpty {
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
        }
        // Label each setting once, beside its soft-student point (else its label-only point).
        var labelled = Set<Int>()
        for list in points {
            for p in list where !labelled.contains(p.row) {
                labelled.insert(p.row)
                canvas.pointLabel(compactSetting(label(p.row), to: 36), x: xScale.position(p.x.mean), y: yScale.position(p.y.mean), avoiding: screenPoints)
            }
        }
        return frontDescriptions
    }

    /// The legend entries shared by the trade-off plots.
    static func tradeoffLegend(_ points: [[TradeoffPoint]]) -> [LegendEntry] {
        var legend = zip(TradeoffSeries.all, points).filter { !$0.1.isEmpty }.map { LegendEntry(label: $0.0.name, color: $0.0.color, shape: $0.0.shape) }
        legend.append(LegendEntry(label: "Pareto front", color: Palette.axis, shape: nil, dash: "6 4", line: true))
        legend.append(LegendEntry(label: "on the front", color: Palette.axis, shape: .circle, filled: false))
        legend.append(LegendEntry(label: "bars: ±1 std over seeds", color: "#777777", shape: nil, line: true))
        return legend
    }

    // MARK: One front

    /// What both trade-off plots start from: the rows at the largest budget
    /// (when budgets differ), their points, the title naming that budget, and
    /// a note saying which rows were left to the budget plot.
    func tradeoffInputs(title base: String) -> (title: String, points: [[TradeoffPoint]], notes: [String]) {
        let (subset, atBudget) = tradeoffRows()
        let title = base + (atBudget.map { " at query budget " + Report.formatBudget(Double($0)) } ?? "")
        let (points, pointNotes) = tradeoffPoints(subset, plot: "Trade-off plot")
        var notes = pointNotes
        if let atBudget, subset.count < rows.count {
            notes.append("Trade-off plot: only the \(Report.count(subset.count, "row")) at the largest query budget (\(atBudget)) are compared; the budget plot shows the others.")
        }
        return (title, points, notes)
    }

    func tradeoffPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.standard
        var canvas = SVGCanvas(id: ReportPlot.tradeoff.rawValue, layout: layout)
        let (title, points, notes0) = tradeoffInputs(title: "Utility–protection trade-off")
        canvas.heading(title)
        var notes = notes0
        let all = points.flatMap { $0 }
        if all.isEmpty {
            let description = "No setting has both \(ReportMetric.benignAccuracyLoss) and a defensive impact; nothing to plot."
            canvas.emptyMessage(rows.isEmpty ? "No results: this report has no rows." : "No setting has benign accuracy loss and defensive impact.")
            return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone),
                                caption: "Trade-off plot: no data.", notes: notes)
        }
        let (xScale, yScale) = Report.tradeoffScales(all, frame: layout)
        canvas.axes(xTicks: xScale.ticks.map { (xScale.position($0), xScale.label($0)) },
                    yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) },
                    xTitle: Report.tradeoffXTitle, yTitle: Report.tradeoffYTitle)
        let plotted = Array(Set(all.map(\.row))).sorted()
        let (labels, _, shownKeys) = shortLabels(plotted)
        let labelByRow = Dictionary(uniqueKeysWithValues: zip(plotted, labels))
        let fronts = drawTradeoffFrame(&canvas, points: points, x: xScale, y: yScale, label: { labelByRow[$0] ?? self.rows[$0].setting })
        canvas.legend(Report.tradeoffLegend(points), title: "Student")
        canvas.marginNote(["↖ better defense:", "less utility lost,", "more student accuracy lost"])
        notes += Report.unplacedNote("Trade-off plot", canvas.unplacedLabels)
        let description = "Scatter of \(Report.count(Set(all.map(\.row)).count, "setting")): x is honest users' accuracy loss, y is the students' accuracy lost to the defense (soft-label and label-only students), mean ± std over seeds. Pareto front (not dominated) — "
            + fronts.joined(separator: "; ") + "."
        let caption = "Each point is one defense setting (mean over seeds, bars ±1 std\(Report.labelKeysNote(shownKeys))): to the right, the defense costs honest users more top-1 accuracy; upwards, it costs the stolen student more. Ringed points are on the Pareto front (dashed staircase, one per student): no other setting loses less benign utility while costing that student more accuracy, so the best defenses sit up and to the left."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }

    // MARK: One front per attacker

    /// Small multiples: one panel per attacker, shared axes, each panel with
    /// its own Pareto fronts over the defenses that attacker faced.
    func attackerTradeoffPlot(standalone: Bool) -> RenderedPlot {
        let attackers = tradeoffAttackers()
        let columns = attackers.count > 1 ? 2 : 1
        let panelRows = max(1, (attackers.count + columns - 1) / columns)
        let (left, top, panelWidth, panelHeight, gapX, gapY) = (84.0, 56.0, 330.0, 230.0, 74.0, 76.0)
        let width = left + Double(columns) * panelWidth + Double(columns - 1) * gapX + 230
        let height = top + Double(panelRows) * panelHeight + Double(panelRows - 1) * gapY + 66
        let figure = PlotLayout(width: width, height: height, marginLeft: left, marginRight: 230, marginTop: top, marginBottom: 66)
        var canvas = SVGCanvas(id: ReportPlot.attackerTradeoff.rawValue, layout: figure)
        let (title, points, notes0) = tradeoffInputs(title: "Utility–protection trade-off per attacker")
        canvas.heading(title)
        var notes = notes0
        let all = points.flatMap { $0 }
        guard !all.isEmpty else {
            canvas.emptyMessage("No setting has benign accuracy loss and defensive impact.")
            return RenderedPlot(svg: canvas.render(title: title, description: "Nothing to plot.", standalone: standalone),
                                caption: "Trade-off plot: no data.", notes: notes)
        }
        // Shared scales, so panels compare at a glance: computed on the first panel's frame, moved per panel.
        let panelFrame = { (k: Int) -> PlotLayout in
            let c = Double(k % columns), r = Double(k / columns)
            let x0 = left + c * (panelWidth + gapX), y0 = top + r * (panelHeight + gapY)
            return PlotLayout(width: width, height: height, marginLeft: x0, marginRight: width - x0 - panelWidth,
                              marginTop: y0, marginBottom: height - y0 - panelHeight)
        }
        // Panels are labelled by the defense alone: the attacker is the panel's title.
        let plotted = Array(Set(all.map(\.row))).sorted()
        let (short, _, shownKeys) = shortLabels(plotted, dropping: { Report.sweptKey($0)?.hasPrefix("attack.") ?? false })
        let labelByRow = Dictionary(uniqueKeysWithValues: zip(plotted, short))
        var descriptions: [String] = []
        for (k, attacker) in attackers.enumerated() {
            let frame = panelFrame(k)
            canvas.beginPanel(frame)
            let (xScale, yScale) = Report.tradeoffScales(all, frame: frame)
            let mine = points.map { $0.filter { Report.attacker(of: rows[$0.row]) == attacker } }
            canvas.axes(xTicks: xScale.ticks.map { (xScale.position($0), xScale.label($0)) },
                        yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) }, xTitle: "", yTitle: "")
            canvas.panelTitle("Attacker " + Report.attackerName(attacker))
            let fronts = drawTradeoffFrame(&canvas, points: mine, x: xScale, y: yScale, label: { labelByRow[$0] ?? self.rows[$0].setting })
            descriptions.append(Report.attackerName(attacker) + " — " + fronts.joined(separator: "; "))
        }
        canvas.beginPanel(figure)
        let gridRight = left + Double(columns) * panelWidth + Double(columns - 1) * gapX
        canvas.xAxisTitle(Report.tradeoffXTitle, x: (left + gridRight) / 2, y: height - 18)
        canvas.yAxisTitle(Report.tradeoffYTitle, x: 20, y: (top + height - 66) / 2)
        let legendX = gridRight + 24
        canvas.legend(Report.tradeoffLegend(points), title: "Student", x: legendX, y: top)
        notes += Report.unplacedNote("Trade-off plot", canvas.unplacedLabels)
        let description = "One panel per attacker (\(attackers.map(Report.attackerName).joined(separator: ", "))), shared axes: x is honest users' accuracy loss, y is the students' accuracy lost to the defense, mean ± std over seeds. Pareto fronts per attacker — "
            + descriptions.joined(separator: " | ") + "."
        let caption = "One panel per attacker (its query strategy and counters), on shared axes; each point is a defense setting that attacker faced (mean over seeds, bars ±1 std\(Report.labelKeysNote(shownKeys))). To the right the defense costs honest users more accuracy, upwards it costs the stolen student more. Each panel has its own Pareto fronts (dashed, ringed points): the best defenses against that attacker. A defense that drops from a panel's front, or sinks towards the x axis, is one this attacker's counter undoes."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
