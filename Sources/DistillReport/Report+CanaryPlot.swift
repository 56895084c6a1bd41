import Foundation

/// The canary plot's log₁₀ p-value axis.
public struct CanaryAxis: Sendable, Equatable {
    /// From `floor` up to 1.
    public let scale: LogScale
    /// The bottom of the axis, 10ᵏ. p-values of 0 (or below 10⁻³⁰⁰, where
    /// log₁₀ stops being meaningful) are clamped into the band just above it
    /// and drawn as ▼; `clampedCount` says how many.
    public let floor: Double
    public let clampedCount: Int
    /// Where clamped p-values are drawn: a quarter-decade above the floor, so
    /// they sit inside the marked band rather than on the axis line.
    public var clampedPosition: Double { scale.position(floor * pow(10, 0.25)) }
}

extension Report {

    /// Smallest p-value drawn at its true height; anything below is clamped.
    static let smallestPlottedP = 1e-300

    /// Whether p is a p-value at all (NaN, negatives and values above 1 are skipped).
    static func isValidP(_ p: Double) -> Bool { p >= 0 && p <= 1 }

    /// The canary plot's y axis, or nil when no row has a valid p-value.
    ///
    /// The axis runs from 1 down to the decade strictly below the smallest
    /// positive p-value and α (`10^(⌈log₁₀ min⌉ − 1)`), one decade lower again
    /// when some p-values are clamped, so clamped points never mix with real
    /// ones. Coordinates are `layout`'s plot area, p = 1 placed 8 px below its
    /// top so markers there (innocent models often score exactly 1) are not cut by the frame.
    ///
    /// - Complexity: O(p) for p p-values.
    public func canaryAxis(layout: PlotLayout = .canary) -> CanaryAxis? {
        let valid = rows.flatMap { $0.canaryStudentPValues + $0.canaryControlPValues }.filter(Report.isValidP)
        guard !valid.isEmpty else { return nil }
        let clamped = valid.filter { $0 < Report.smallestPlottedP }.count
        var smallest = valid.filter { $0 >= Report.smallestPlottedP }.min() ?? 1
        if alpha > 0 && alpha < 1 { smallest = min(smallest, alpha) }
        var exponent = max(log10(smallest).rounded(.up) - 1, -300)
        if clamped > 0 { exponent -= 1 }
        let floor = pow(10, exponent)
        return CanaryAxis(scale: LogScale(lower: floor, upper: 1, start: layout.plotBottom, end: layout.plotTop + 8),
                          floor: floor, clampedCount: clamped)
    }

    /// The canary plot's x-axis title: its categories are the table's rows.
    static let canaryXTitle = "Setting (one column of tests per table row)"

    func canaryPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.canary
        var canvas = SVGCanvas(id: ReportPlot.canary.rawValue, layout: layout)
        let title = "Canary ownership tests"
        canvas.heading(title)
        var notes: [String] = []
        let all = rows.flatMap { $0.canaryStudentPValues + $0.canaryControlPValues }
        let nanCount = all.filter(\.isNaN).count
        let outOfRange = all.filter { !$0.isNaN && !Report.isValidP($0) }.count
        if nanCount > 0 { notes.append("Canary plot: \(Report.count(nanCount, "NaN p-value")) skipped.") }
        if outOfRange > 0 { notes.append("Canary plot: \(Report.count(outOfRange, "p-value")) outside [0, 1] skipped.") }
        let categories = rows.enumerated().filter {
            ($0.element.canaryStudentPValues + $0.element.canaryControlPValues).contains(where: Report.isValidP)
        }
        guard let axis = canaryAxis(layout: layout), !categories.isEmpty else {
            canvas.emptyMessage(rows.isEmpty ? "No results: this report has no rows." : "No canary p-values in this report.")
            return RenderedPlot(svg: canvas.render(title: title, description: "No canary p-values to plot.", standalone: standalone),
                                caption: "Canary plot: no data.", notes: notes)
        }
        if axis.clampedCount > 0 {
            notes.append("Canary plot: \(Report.count(axis.clampedCount, "p-value")) of 0 (or below 1e-300) drawn as ▼ at the floor \(LogScale.label(axis.floor)).")
        }
        let scale = axis.scale
        let band = (layout.plotRight - layout.plotLeft) / Double(categories.count)
        let center = { (k: Int) in layout.plotLeft + (Double(k) + 0.5) * band }
        let rotate = categories.count > 4 || categories.contains { $0.element.setting.count > Int(band / 7) }
        canvas.axes(xTicks: categories.indices.map { (center($0), compactSetting(categories[$0].element.setting, to: 22)) },
                    yTicks: scale.decadeTicks().map { (scale.position($0), LogScale.label($0)) },
                    xTitle: rotate ? "" : Report.canaryXTitle, yTitle: "Canary test p-value (log scale)", rotateXLabels: rotate, xGrid: false)
        if rotate {
            // Slanted names need room: the title goes below them.
            canvas.height = layout.height + 90
            canvas.xAxisTitle(Report.canaryXTitle, x: (layout.plotLeft + layout.plotRight) / 2, y: layout.plotBottom + 136)
        }
        if axis.clampedCount > 0 {
            let top = scale.position(axis.floor * pow(10, 0.5))
            canvas.add("<rect class=\"clamp-band\" x=\"\(coordinate(layout.plotLeft))\" y=\"\(coordinate(top))\" width=\"\(coordinate(layout.plotRight - layout.plotLeft))\" height=\"\(coordinate(layout.plotBottom - top))\" fill=\"#eeeeee\"/>")
            canvas.add("<text x=\"\(coordinate(layout.plotRight - 6))\" y=\"\(coordinate(top - 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#666666\">p = 0, clamped to \(xmlEscape(LogScale.label(axis.floor)))</text>")
        }
        // Separators between settings.
        for k in stride(from: 1, to: categories.count, by: 1) {
            let x = coordinate(layout.plotLeft + Double(k) * band)
            canvas.add("<line x1=\"\(x)\" y1=\"\(coordinate(layout.plotTop))\" x2=\"\(x)\" y2=\"\(coordinate(layout.plotBottom))\" stroke=\"#d0d0d0\" stroke-dasharray=\"2 3\"/>")
        }
        let hasAlphaLine = alpha > axis.floor && alpha < 1
        if hasAlphaLine {
            let y = coordinate(scale.position(alpha))
            canvas.add("<line class=\"alpha-line\" x1=\"\(coordinate(layout.plotLeft))\" y1=\"\(y)\" x2=\"\(coordinate(layout.plotRight))\" y2=\"\(y)\" stroke=\"\(Palette.alpha)\" stroke-width=\"1.6\" stroke-dasharray=\"7 4\"/>")
        }
        let groups: [(name: String, color: String, shape: MarkerShape, filled: Bool, offset: Double, values: (ReportRow) -> [Double])] = [
            ("student", Palette.series[1], .circle, true, -0.2, { $0.canaryStudentPValues }),
            ("control", Palette.series[0], .diamond, false, 0.2, { $0.canaryControlPValues }),
        ]
        var flagged = [0, 0], totals = [0, 0]
        var markers: [(Double, Double)] = []
        for (k, (_, row)) in categories.enumerated() {
            for (g, group) in groups.enumerated() {
                let ps = group.values(row).filter(Report.isValidP)
                let spread = min(band * 0.22, 4.0 * Double(ps.count))
                for (j, p) in ps.enumerated() {
                    let x = center(k) + group.offset * band + (ps.count > 1 ? (Double(j) / Double(ps.count - 1) - 0.5) * spread : 0)
                    let isClamped = p < Report.smallestPlottedP
                    let y = isClamped ? axis.clampedPosition : scale.position(p)
                    markers.append((x, y))
                    totals[g] += 1
                    if p <= alpha { flagged[g] += 1 }
                    canvas.add(SVGCanvas.marker(isClamped ? .triangleDown : group.shape, x: x, y: y, size: 4.2, color: group.color,
                                                filled: group.filled || isClamped,
                                                attributes: "class=\"point \(group.name)\(isClamped ? " clamped" : "")\" data-setting=\"\(xmlEscape(row.setting))\" data-p=\"\(p)\"",
                                                tooltip: "\(row.setting), \(group.name): p = \(String(format: "%.3g", p))\(isClamped ? " (clamped)" : "")"))
                }
            }
        }
        if hasAlphaLine {
            // Named on the line where no point is.
            canvas.pointLabel("α = \(String(format: "%g", alpha))", x: (layout.plotLeft + layout.plotRight) / 2, y: scale.position(alpha) - 9,
                              avoiding: markers, color: Palette.alpha)
        }
        notes += Report.unplacedNote("Canary plot", canvas.unplacedLabels)
        var legend = [
            LegendEntry(label: "suspect student", color: groups[0].color, shape: .circle),
            LegendEntry(label: "innocent control", color: groups[1].color, shape: .diamond, filled: false),
        ]
        if hasAlphaLine { legend.append(LegendEntry(label: "α = \(String(format: "%g", alpha))", color: Palette.alpha, shape: nil, dash: "7 4", line: true)) }
        if axis.clampedCount > 0 { legend.append(LegendEntry(label: "p = 0 (clamped)", color: "#555555", shape: .triangleDown)) }
        canvas.legend(legend, title: "Model")
        let description = "Canary p-values on a log₁₀ axis for \(Report.count(categories.count, "setting")); \(flagged[0]) of \(totals[0]) student tests and \(flagged[1]) of \(totals[1]) control tests are at or below α = \(String(format: "%g", alpha))."
        let caption = "Canary p-values per setting on a log scale: suspect students (filled circles) should fall below the α line, innocent controls (hollow diamonds) above it. Students flagged: \(flagged[0])/\(totals[0]); controls flagged (false positives): \(flagged[1])/\(totals[1])."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
