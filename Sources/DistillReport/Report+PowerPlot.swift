import Foundation

/// One canary setting on a power curve: of its valid ownership tests (p-values
/// in [0, 1]), how many flag the model at the report's α, and the share's
/// two-sided Clopper–Pearson interval.
public struct PowerPoint: Sendable, Equatable {
    /// The row's setting label.
    public var setting: String
    /// The canary parameter's value (the curve's x).
    public var value: Double
    /// Tests with p ≤ α.
    public var flagged: Int
    /// Valid tests (p-values in [0, 1]; NaN and out-of-range ones dropped).
    public var tests: Int
    /// The interval's bounds, 0 ≤ lower ≤ share ≤ upper ≤ 1.
    public var lower: Double
    public var upper: Double

    /// flagged / tests.
    public var share: Double { Double(flagged) / Double(tests) }
}

/// A canary family's power curve: the share of stolen students flagged and
/// the share of innocent controls flagged (the false-positive rate) against
/// one of its numeric parameters.
public struct PowerCurve: Sendable, Equatable {
    /// The defense family, e.g. "keyed-canary".
    public var family: String
    /// The parameter on the x axis, e.g. "rate".
    public var parameter: String
    /// What else the curve's rows share and other curves may differ in
    /// (other parameters, budget, swept attack settings), "" when nothing.
    public var series: String
    /// Points by ascending value; settings without student tests are left out.
    public var students: [PowerPoint]
    /// Points by ascending value; settings without control tests are left out.
    public var controls: [PowerPoint]
}

extension Report {

    /// The canary power curves in the rows: for each defense family with
    /// canary p-values and a numeric parameter of its own (not a swept key
    /// path) that takes two or more values, one curve per combination of its
    /// other settings, against that parameter ("rate" preferred when several
    /// vary). Rows of one curve with the same value pool their tests.
    ///
    /// A test flags when p ≤ `alpha`; intervals are two-sided Clopper–Pearson
    /// at `confidence` (`Report.clopperPearson`).
    ///
    /// - Precondition: 0 < confidence < 1.
    /// - Complexity: O(rows × parameters + p) for p p-values.
    public func powerCurves(confidence: Double = 0.95) -> [PowerCurve] {
        precondition(confidence > 0 && confidence < 1, "confidence must be in (0, 1)")
        let withTests = rows.indices.filter {
            (rows[$0].canaryStudentPValues + rows[$0].canaryControlPValues).contains(where: Report.isValidP)
        }
        var curves: [PowerCurve] = []
        for (family, members) in Report.groups(withTests, by: { rows[$0].defense }) {
            guard let parameter = Report.powerParameter(members.map { rows[$0] }) else { continue }
            let budgetsDiffer = Set(members.map { rows[$0].budget }).count > 1
            let usable = members.filter { rows[$0].parameters[parameter].flatMap(Double.init)?.isFinite ?? false }
            let bySeries = Report.groups(usable) { i -> String in
                var parts = rows[i].parameters.filter { $0.key != parameter }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                if budgetsDiffer { parts.append("budget \(rows[i].budget)") }
                return parts.joined(separator: ", ")
            }
            for (series, indices) in bySeries {
                let byValue = Report.groups(indices) { Double(rows[$0].parameters[parameter]!)! }.sorted { $0.key < $1.key }
                guard byValue.count > 1 else { continue }
                func points(_ pValues: (ReportRow) -> [Double]) -> [PowerPoint] {
                    byValue.compactMap { value, group in
                        let valid = group.flatMap { pValues(rows[$0]) }.filter(Report.isValidP)
                        guard !valid.isEmpty else { return nil }
                        let k = valid.filter { $0 <= alpha }.count
                        let (lo, hi) = Report.clopperPearson(successes: k, trials: valid.count, confidence: confidence)
                        return PowerPoint(setting: group.map { rows[$0].setting }.joined(separator: " + "), value: value,
                                          flagged: k, tests: valid.count, lower: lo, upper: hi)
                    }
                }
                curves.append(PowerCurve(family: family, parameter: parameter, series: series,
                                         students: points(\.canaryStudentPValues), controls: points(\.canaryControlPValues)))
            }
        }
        return curves
    }

    /// The family's parameter to plot power against: one of its own (no dot:
    /// swept key paths are other settings) that is numeric wherever given and
    /// takes two or more values; "rate" when it qualifies, else the first by name.
    static func powerParameter(_ rows: [ReportRow]) -> String? {
        let names = Set(rows.flatMap(\.parameters.keys)).filter { !$0.contains(".") }
        let varying = names.filter { name in
            let given = rows.compactMap { $0.parameters[name] }
            let values = given.compactMap(Double.init).filter(\.isFinite)
            return values.count == given.count && Set(values).count > 1
        }.sorted()
        return varying.contains("rate") ? "rate" : varying.first
    }

    func powerPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.standard
        var canvas = SVGCanvas(id: ReportPlot.power.rawValue, layout: layout)
        let a = String(format: "%g", alpha)
        var notes: [String] = []
        let found = powerCurves()
        // One x axis: the parameter most curves vary ("rate" first); curves of other parameters are noted.
        let counts = Dictionary(grouping: found, by: \.parameter).mapValues(\.count)
        let parameter = counts["rate"] != nil ? "rate" : counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let curves = found.filter { $0.parameter == parameter }
        for other in found where other.parameter != parameter {
            notes.append("Power plot: the \(other.family) curve against \(other.parameter) is left out (the plot's x axis is \(parameter ?? "")); its numbers are in the table.")
        }
        let inCurves = Set(curves.flatMap { ($0.students + $0.controls).flatMap { $0.setting.components(separatedBy: " + ") } })
        let leftOut = rows.filter { ($0.canaryStudentPValues + $0.canaryControlPValues).contains(where: Report.isValidP) && !inCurves.contains($0.setting) }.map(\.setting)
        if !leftOut.isEmpty {
            notes.append("Power plot: " + leftOut.joined(separator: ", ") + (leftOut.count == 1 ? " has" : " have") + " no canary parameter that varies, so no curve; the canary p-value plot shows \(leftOut.count == 1 ? "it" : "them").")
        }
        let what = parameter == "rate" ? "rate" : (parameter ?? "parameter")
        let title = "Canary power against the \(what), α = \(a)"
        canvas.heading(title)
        guard let parameter, !curves.isEmpty else {
            canvas.emptyMessage("No canary parameter varies across the settings.")
            return RenderedPlot(svg: canvas.render(title: title, description: "No power curve to plot.", standalone: standalone),
                                caption: "Power plot: no data.", notes: notes)
        }
        let values = Array(Set(curves.flatMap { ($0.students + $0.controls).map(\.value) })).sorted()
        // Rates usually grow geometrically: a log axis once they span a decade.
        let logX = values.first! > 0 && values.last! / values.first! >= 10
        let xPosition: (Double) -> Double
        var xTicks: [(Double, String)]
        let inset = 18.0
        if logX {
            let scale = LogScale(lower: values.first! / 1.4, upper: values.last! * 1.4, start: layout.plotLeft, end: layout.plotRight)
            xPosition = scale.position
            xTicks = (values.count <= 8 ? values : scale.decadeTicks()).map { (scale.position($0), String(format: "%g", $0)) }
        } else {
            let scale = LinearScale(covering: values, start: layout.plotLeft + inset, end: layout.plotRight - inset)
            xPosition = scale.position
            xTicks = (values.count <= 8 ? values : scale.ticks).map { (scale.position($0), String(format: "%g", $0)) }
        }
        let yScale = LinearScale(covering: [0, 1], start: layout.plotBottom - 10, end: layout.plotTop + 10, targetTicks: 6)
        let xTitle = (parameter == "rate" ? "Canary rate (fraction of queries marked" : "\(curves[0].family) \(parameter) (as given")
            + (logX ? ", log scale)" : ")")
        canvas.axes(xTicks: xTicks, yTicks: yScale.ticks.map { (yScale.position($0), yScale.label($0)) },
                    xTitle: xTitle, yTitle: "Share of models flagged at α = \(a) (fraction)")
        // α: what a valid test's false-positive rate should stay at or below.
        let alphaY = yScale.position(alpha)
        canvas.add("<line class=\"alpha-line\" x1=\"\(coordinate(layout.plotLeft))\" y1=\"\(coordinate(alphaY))\" x2=\"\(coordinate(layout.plotRight))\" y2=\"\(coordinate(alphaY))\" stroke=\"\(Palette.alpha)\" stroke-width=\"1.2\" stroke-dasharray=\"7 4\"/>")

        var legend: [LegendEntry] = []
        var descriptions: [String] = []
        var markers: [(Double, Double)] = []
        let single = curves.count == 1
        for (c, curve) in curves.enumerated() {
            let name = curve.family + (curve.series.isEmpty ? "" : " (\(curve.series))")
            // One curve: the canary plot's colours (students orange, controls blue); several: one colour per curve.
            let studentColor = single ? Palette.series[1] : Palette.series[c % Palette.series.count]
            let controlColor = single ? Palette.series[0] : studentColor
            let groups: [(role: String, points: [PowerPoint], color: String, shape: MarkerShape, filled: Bool, dash: String?, shift: Double)] = [
                ("student", curve.students, studentColor, .circle, true, nil, -3.5),
                ("control", curve.controls, controlColor, .diamond, false, "6 4", 3.5),
            ]
            for g in groups where !g.points.isEmpty {
                // Students and controls at one value are moved apart a little, so their intervals do not hide each other.
                let shift = g.shift + Double(c) * 2.5
                let xy = g.points.map { (xPosition($0.value) + shift, yScale.position($0.share)) }
                if xy.count > 1 {
                    let dash = g.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                    canvas.add("<polyline class=\"power-line \(g.role)\" points=\"\(xy.map { "\(coordinate($0.0)),\(coordinate($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(g.color)\" stroke-width=\"1.8\"\(dash)/>")
                }
                markers += xy
                for (p, (x, y)) in zip(g.points, xy) {
                    canvas.errorBars(x: x, y: y, xRange: nil, yRange: (yScale.position(p.lower), yScale.position(p.upper)), color: g.color)
                    let tip = "\(p.setting), \(g.role)s: \(p.flagged)/\(p.tests) flagged = \(String(format: "%.2f", p.share)), 95% CI [\(String(format: "%.2f", p.lower)), \(String(format: "%.2f", p.upper))]"
                    canvas.add(SVGCanvas.marker(g.shape, x: x, y: y, size: 4.8, color: g.color, filled: g.filled,
                                                attributes: "class=\"point \(g.role)\" data-setting=\"\(xmlEscape(p.setting))\" data-value=\"\(p.value)\" data-flagged=\"\(p.flagged)\" data-tests=\"\(p.tests)\" data-lower=\"\(p.lower)\" data-upper=\"\(p.upper)\"",
                                                tooltip: tip))
                }
            }
            if !single { legend.append(LegendEntry(label: name, color: studentColor, shape: nil, line: true)) }
            descriptions.append(name + ": students " + curve.students.map { "\(String(format: "%g", $0.value)) → \($0.flagged)/\($0.tests)" }.joined(separator: ", ")
                                + "; controls " + curve.controls.map { "\(String(format: "%g", $0.value)) → \($0.flagged)/\($0.tests)" }.joined(separator: ", "))
        }
        // The α line named on the plot, in the middle, clear of the points.
        canvas.pointLabel("α = \(a)", x: (layout.plotLeft + layout.plotRight) / 2, y: alphaY - 9, avoiding: markers, color: Palette.alpha)
        let studentColor = single ? Palette.series[1] : "#555555", controlColor = single ? Palette.series[0] : "#555555"
        legend.append(LegendEntry(label: "stolen students", color: studentColor, shape: .circle, line: true))
        legend.append(LegendEntry(label: "innocent controls", color: controlColor, shape: .diamond, filled: false, dash: "6 4", line: true))
        legend.append(LegendEntry(label: "α = \(a)", color: Palette.alpha, shape: nil, dash: "7 4", line: true))
        legend.append(LegendEntry(label: "bars: 95% Clopper–Pearson", color: "#777777", shape: nil, line: true))
        canvas.legend(legend, title: single ? curves[0].family : "Canary")
        notes += Report.unplacedNote("Power plot", canvas.unplacedLabels)
        let description = "Share of ownership tests with p ≤ α = \(a) against the canary \(parameter): " + descriptions.joined(separator: "; ") + "."
        let caption = "Each filled circle is the share of stolen students (soft-label and label-only, all seeds) whose canary test gives p ≤ α = \(a) at that \(what) — the test's power; each hollow diamond, the share of innocent control models flagged — its false-positive rate. Bars are 95% Clopper–Pearson intervals for k flagged out of n tests (hover a point for k/n), so few tests give wide bars. A good canary reaches 1 at a low \(what) while the controls stay near 0, at or below the α line."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
