import Foundation

extension Report {

    /// "500", "1k", "2.5k", "1M": compact query budgets for tick labels.
    static func formatBudget(_ b: Double) -> String {
        func trim(_ v: Double) -> String {
            let s = String(format: "%.1f", v)
            return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
        }
        if b >= 1_000_000 { return trim(b / 1_000_000) + "M" }
        if b >= 1_000 { return trim(b / 1_000) + "k" }
        return trim(b)
    }

    func budgetPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.standard
        var canvas = SVGCanvas(id: ReportPlot.budget.rawValue, layout: layout)
        let title = "Student accuracy vs query budget"
        canvas.heading(title)
        let students: [(key: String, name: String, dash: String?)] = [
            (ReportMetric.softStudentAccuracy, "soft-label student", nil),
            (ReportMetric.labelStudentAccuracy, "label-only student", "5 4"),
        ]
        var notes: [String] = []
        // One line per setting (label), in order of first appearance.
        var settings: [String] = []
        var bySetting: [String: [Int]] = [:]
        var skipped = 0
        for (i, row) in rows.enumerated() {
            let values = students.compactMap { row.metrics[$0.key] }
            guard !values.isEmpty else { continue }
            guard row.budget > 0, values.contains(where: { $0.mean.isFinite }) else { skipped += 1; continue }
            if bySetting[row.setting] == nil { settings.append(row.setting) }
            bySetting[row.setting, default: []].append(i)
        }
        if skipped > 0 { notes.append("Budget plot: \(Report.count(skipped, "row")) with a non-positive budget or NaN accuracies skipped.") }
        guard !settings.isEmpty else {
            canvas.emptyMessage(rows.isEmpty ? "No results: this report has no rows." : "No setting has student accuracies.")
            return RenderedPlot(svg: canvas.render(title: title, description: "No student accuracies to plot.", standalone: standalone),
                                caption: "Budget plot: no data.", notes: notes)
        }
        let used = settings.flatMap { bySetting[$0]! }
        let budgets = Array(Set(used.map { Double(rows[$0].budget) })).sorted()
        // Budgets usually grow geometrically: a log axis once they span a decade.
        let logX = budgets.count > 1 && budgets.last! / budgets.first! >= 10
        let xPosition: (Double) -> Double
        var xTicks: [(Double, String)]
        if logX {
            let scale = LogScale(lower: budgets.first! / 1.5, upper: budgets.last! * 1.5, start: layout.plotLeft, end: layout.plotRight)
            xPosition = scale.position
            xTicks = budgets.count <= 10 ? budgets.map { (scale.position($0), Report.formatBudget($0)) }
                : scale.decadeTicks().map { (scale.position($0), Report.formatBudget($0)) }
        } else if budgets.count == 1 {
            let (b, left, right) = (budgets[0], layout.plotLeft, layout.plotRight)
            xPosition = { _ in (left + right) / 2 }
            xTicks = [((left + right) / 2, Report.formatBudget(b))]
        } else {
            // Inset, so the smallest and largest budgets are not drawn on the frame.
            let scale = LinearScale(covering: budgets, start: layout.plotLeft + 16, end: layout.plotRight - 16)
            xPosition = scale.position
            xTicks = budgets.count <= 10 ? budgets.map { (scale.position($0), Report.formatBudget($0)) }
                : scale.ticks.map { (scale.position($0), Report.formatBudget($0)) }
        }
        var ys: [Double] = []
        for i in used {
            for s in students {
                if let m = rows[i].metrics[s.key], m.mean.isFinite { ys += [m.mean - m.spread, m.mean + m.spread] }
            }
        }
        // The teacher (the ceiling a thief can reach) and the true-label reference student (what the
        // attacker's inputs are worth with honest labels), each averaged over the settings at a budget.
        let teacher = budgetLine(ReportMetric.teacherAccuracy, rows: used)
        let reference = budgetLine(ReportMetric.referenceStudentAccuracy, rows: used)
        for line in [teacher, reference] { for p in line { ys += [p.mean - p.spread, p.mean + p.spread] } }
        let yScale = LinearScale(covering: ys, start: layout.plotBottom - 8, end: layout.plotTop + 8)
        canvas.axes(xTicks: xTicks, yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) },
                    xTitle: "Query budget (queries to the oracle\(logX ? ", log scale" : ""))",
                    yTitle: "Test accuracy (fraction)")
        var markers: [(Double, Double)] = []
        let neutral: [(line: [BudgetLinePoint], name: String, cssClass: String, color: String, dash: String?, shape: MarkerShape)] = [
            (teacher, "teacher", "teacher-line", "#666666", "2 3", .diamond),
            (reference, "true-label reference", "reference-line", "#999999", nil, .triangle),
        ]
        for n in neutral where !n.line.isEmpty {
            let xy = n.line.map { (xPosition(Double($0.budget)), yScale.position($0.mean)) }
            let dash = n.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            if xy.count > 1 {
                canvas.add("<polyline class=\"\(n.cssClass)\" points=\"\(xy.map { "\(coordinate($0.0)),\(coordinate($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(n.color)\" stroke-width=\"2.2\"\(dash)/>")
            }
            for (p, (x, y)) in zip(n.line, xy) {
                canvas.errorBars(x: x, y: y, xRange: nil, yRange: (yScale.position(p.mean - p.spread), yScale.position(p.mean + p.spread)), color: n.color)
                canvas.add(SVGCanvas.marker(n.shape, x: x, y: y, size: 4, color: n.color, filled: true,
                                            attributes: "class=\"point \(n.cssClass)-point\" data-budget=\"\(p.budget)\"",
                                            tooltip: "\(n.name), budget \(p.budget): accuracy \(Report.formatNumber(p.mean)) (mean over settings)"))
                markers.append((x, y))
            }
        }
        let colors = familyColors()
        var shapeIndex: [String: Int] = [:]  // per family, so settings of one family differ in shape
        var legend: [LegendEntry] = []
        // Settings sharing a budget are dodged sideways a little, so their error bars do not hide each other.
        let dodge = min(3.0, 40.0 / Double(settings.count))
        for (settingIndex, setting) in settings.enumerated() {
            let shift = (Double(settingIndex) - Double(settings.count - 1) / 2) * dodge
            let indices = bySetting[setting]!.sorted { rows[$0].budget < rows[$1].budget }
            let family = rows[indices[0]].defense
            let color = colors[family] ?? Palette.axis
            let shape = MarkerShape.allCases[(shapeIndex[family] ?? 0) % MarkerShape.allCases.count]
            shapeIndex[family, default: 0] += 1
            for s in students {
                let pts = indices.compactMap { i -> (Double, MetricSummary, Int)? in
                    guard let m = rows[i].metrics[s.key], m.mean.isFinite else { return nil }
                    return (xPosition(Double(rows[i].budget)) + shift, m, rows[i].budget)
                }
                guard !pts.isEmpty else { continue }
                if pts.count > 1 {
                    let list = pts.map { "\(coordinate($0.0)),\(coordinate(yScale.position($0.1.mean)))" }.joined(separator: " ")
                    let dash = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                    canvas.add("<polyline class=\"series-line\" data-setting=\"\(xmlEscape(setting))\" data-series=\"\(s.key)\" points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash)/>")
                }
                for (x, m, budget) in pts {
                    let y = yScale.position(m.mean)
                    canvas.errorBars(x: x, y: y, xRange: nil,
                                     yRange: (yScale.position(m.mean - m.spread), yScale.position(m.mean + m.spread)), color: color)
                    markers.append((x, y))
                    canvas.add(SVGCanvas.marker(shape, x: x, y: y, size: 4.5, color: color, filled: s.dash == nil,
                                                attributes: "class=\"point\" data-setting=\"\(xmlEscape(setting))\" data-series=\"\(s.key)\"",
                                                tooltip: "\(setting), \(s.name), budget \(budget): accuracy \(Report.formatSummary(m))"))
                }
            }
            legend.append(LegendEntry(label: setting, color: color, shape: shape, line: true))
        }
        legend.append(LegendEntry(label: "soft-label student", color: "#555555", shape: nil, line: true))
        legend.append(LegendEntry(label: "label-only (dashed, hollow)", color: "#555555", shape: nil, dash: "5 4", line: true))
        for n in neutral where !n.line.isEmpty {
            legend.append(LegendEntry(label: n.name, color: n.color, shape: n.shape, dash: n.dash, line: true))
            // Named on the plot too, at the largest budget, where the lines are easiest to tell apart.
            let last = n.line.last!
            canvas.pointLabel(n.name, x: xPosition(Double(last.budget)), y: yScale.position(last.mean), avoiding: markers)
        }
        canvas.legend(legend, title: "Setting")
        notes += Report.unplacedNote("Budget plot", canvas.unplacedLabels)
        let description = "Student test accuracy (mean ± std over seeds) against the attacker's query budget for \(Report.count(settings.count, "setting")): "
            + settings.joined(separator: ", ") + ". Solid lines with filled markers: soft-label students; dashed lines with hollow markers: label-only students."
            + (teacher.isEmpty ? "" : " Teacher: " + teacher.map { "\(Report.formatNumber($0.mean)) at \($0.budget)" }.joined(separator: ", ") + ".")
            + (reference.isEmpty ? "" : " True-label reference: " + reference.map { "\(Report.formatNumber($0.mean)) at \($0.budget)" }.joined(separator: ", ") + ".")
        let caption = "Student test accuracy against the attacker's query budget, one line per setting (colour = defense family); solid lines with filled markers are soft-label students, dashed with hollow markers label-only students; bars ±1 std over seeds. The grey lines are the references every setting is measured against: the teacher (dotted, ◆: the accuracy a perfect copy would reach) and a student trained on the attacker's own inputs with their true labels (solid, ▲: what those queries are worth with honest answers). The gap between a student and the teacher is what the thief has still to gain; a student above the reference learned more from the teacher's answers than from the true labels."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }

    /// One budget of a reference line: the mean of the settings' means there, and the mean of their spreads.
    struct BudgetLinePoint {
        var budget: Int
        var mean: Double
        var spread: Double
    }

    /// `metric` per budget over the rows at `indices` (NaN means left out), by ascending budget.
    func budgetLine(_ metric: String, rows indices: [Int]) -> [BudgetLinePoint] {
        let present = indices.filter { rows[$0].metrics[metric]?.mean.isFinite ?? false }
        return Report.groups(present, by: { rows[$0].budget }).sorted { $0.key < $1.key }.map { budget, members in
            let summaries = members.map { rows[$0].metrics[metric]! }
            let n = Double(summaries.count)
            return BudgetLinePoint(budget: budget, mean: summaries.map(\.mean).reduce(0, +) / n, spread: summaries.map(\.spread).reduce(0, +) / n)
        }
    }
}
