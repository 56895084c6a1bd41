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
            let scale = LinearScale(covering: budgets, start: layout.plotLeft, end: layout.plotRight)
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
        // Teacher (a ceiling) and the honest-label reference student, averaged over settings per budget.
        let teacherValues = used.compactMap { rows[$0].metrics["teacher_accuracy"]?.mean }.filter(\.isFinite)
        let teacher = teacherValues.isEmpty ? nil : teacherValues.reduce(0, +) / Double(teacherValues.count)
        var referenceByBudget: [Int: [Double]] = [:]
        for i in used { if let m = rows[i].metrics["reference_student_accuracy"], m.mean.isFinite { referenceByBudget[rows[i].budget, default: []].append(m.mean) } }
        let reference = referenceByBudget.keys.sorted().map { b in (b, referenceByBudget[b]!.reduce(0, +) / Double(referenceByBudget[b]!.count)) }
        if let teacher { ys.append(teacher) }
        ys += reference.map(\.1)
        let yScale = LinearScale(covering: ys, start: layout.plotBottom, end: layout.plotTop)
        canvas.axes(xTicks: xTicks, yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) },
                    xTitle: "Query budget (queries to the oracle\(logX ? ", log scale" : ""))",
                    yTitle: "Student test accuracy")

        if let teacher {
            let y = coordinate(yScale.position(teacher))
            canvas.add("<line class=\"teacher-line\" x1=\"\(coordinate(layout.plotLeft))\" y1=\"\(y)\" x2=\"\(coordinate(layout.plotRight))\" y2=\"\(y)\" stroke=\"#777777\" stroke-width=\"1.4\" stroke-dasharray=\"2 3\"/>")
        }
        if reference.count > 1 {
            let list = reference.map { "\(coordinate(xPosition(Double($0.0)))),\(coordinate(yScale.position($0.1)))" }.joined(separator: " ")
            canvas.add("<polyline class=\"reference-line\" points=\"\(list)\" fill=\"none\" stroke=\"#999999\" stroke-width=\"2.5\" opacity=\"0.7\"/>")
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
                    canvas.add(SVGCanvas.marker(shape, x: x, y: y, size: 4.5, color: color, filled: s.dash == nil,
                                                attributes: "class=\"point\" data-setting=\"\(xmlEscape(setting))\" data-series=\"\(s.key)\"",
                                                tooltip: "\(setting), \(s.name), budget \(budget): accuracy \(Report.formatSummary(m))"))
                }
            }
            legend.append(LegendEntry(label: setting, color: color, shape: shape, line: true))
        }
        legend.append(LegendEntry(label: "soft-label student", color: "#555555", shape: nil, line: true))
        legend.append(LegendEntry(label: "label-only (dashed, hollow)", color: "#555555", shape: nil, dash: "5 4", line: true))
        if teacher != nil { legend.append(LegendEntry(label: "teacher (mean)", color: "#777777", shape: nil, dash: "2 3", line: true)) }
        if reference.count > 1 { legend.append(LegendEntry(label: "true-label reference", color: "#999999", shape: nil, line: true)) }
        canvas.legend(legend, title: "Setting")
        let description = "Student test accuracy (mean ± std over seeds) against the attacker's query budget for \(Report.count(settings.count, "setting")): "
            + settings.joined(separator: ", ") + ". Solid lines with filled markers: soft-label students; dashed lines with hollow markers: label-only students."
        let caption = "Student accuracy against the query budget, one line per defense setting (colour = defense family); solid = soft-label student, dashed = label-only student; bars ±1 std over seeds."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
