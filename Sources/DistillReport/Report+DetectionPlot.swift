import Foundation

/// One setting on the detection plot.
struct DetectionPoint {
    var row: Int
    /// Share of benign clients flagged, over seeds (the x).
    var falsePositiveRate: MetricSummary
    /// Queries before the attacker's alarm, over the seeds that raised one; nil when none did.
    var queriesToFlag: MetricSummary?
    /// Seeds in which the attacker was flagged, and seeds judged.
    var flaggedSeeds: Int
    var seeds: Int
}

extension Report {

    /// The rows a detector judged (`detector_flagged_fraction` present) that
    /// also have the benign clients' false-positive rate, in row order.
    func detectionPoints() -> [DetectionPoint] {
        rows.indices.compactMap { i in
            let m = rows[i].metrics
            guard let flagged = m[ReportMetric.detectorFlaggedFraction], flagged.n > 0, flagged.mean.isFinite,
                  let fpr = m[ReportMetric.detectorBenignFalsePositiveRate], fpr.n > 0, fpr.mean.isFinite else { return nil }
            let queries = m[ReportMetric.detectorQueriesToFlag].flatMap { $0.n > 0 && $0.mean.isFinite ? $0 : nil }
            return DetectionPoint(row: i, falsePositiveRate: fpr, queriesToFlag: queries,
                                  flaggedSeeds: Int((flagged.mean * Double(flagged.n)).rounded()), seeds: flagged.n)
        }
    }

    func detectionPlot(standalone: Bool) -> RenderedPlot {
        let layout = PlotLayout.standard
        var canvas = SVGCanvas(id: ReportPlot.detection.rawValue, layout: layout)
        let title = "Queries to flag the attacker vs benign false alarms"
        canvas.heading(title)
        var notes: [String] = []
        let points = detectionPoints()
        let judged = rows.filter { ($0.metrics[ReportMetric.detectorFlaggedFraction]?.n ?? 0) > 0 }.count
        if judged > points.count {
            notes.append("Detection plot: \(Report.count(judged - points.count, "setting")) without benign clients (no false-positive rate) left out.")
        }
        guard !points.isEmpty else {
            canvas.emptyMessage("No setting has a detector verdict and benign clients.")
            return RenderedPlot(svg: canvas.render(title: title, description: "No detector results to plot.", standalone: standalone),
                                caption: "Detection plot: no data.", notes: notes)
        }
        let budgets = Set(points.map { rows[$0.row].budget })
        let topBudget = Double(budgets.max()!)
        // The top band holds streams never flagged within their budget; the queries axis runs below it.
        let band = (top: layout.plotTop, bottom: layout.plotTop + 34)
        let yScale = LinearScale(covering: [0, topBudget], start: layout.plotBottom - 10, end: band.bottom + 14)
        let xScale = LinearScale(covering: [0, 1], start: layout.plotLeft + 16, end: layout.plotRight - 16)
        // The band gets a tick of its own, so it reads as a value of the axis: never.
        canvas.axes(xTicks: xScale.ticks.map { (xScale.position($0), xScale.label($0)) },
                    yTicks: yScale.ticks.filter { $0 <= topBudget }.map { (yScale.position($0), Report.formatBudget($0)) }
                        + [((band.top + band.bottom) / 2, "never")],
                    xTitle: "Benign clients flagged (false-positive rate, fraction)",
                    yTitle: "Attacker's queries before the alarm (queries)")
        canvas.add("<rect class=\"not-flagged-band\" x=\"\(coordinate(layout.plotLeft))\" y=\"\(coordinate(band.top))\" width=\"\(coordinate(layout.plotRight - layout.plotLeft))\" height=\"\(coordinate(band.bottom - band.top))\" fill=\"#eeeeee\"/>")
        if budgets.count == 1 {
            let y = coordinate(yScale.position(topBudget))
            canvas.add("<line class=\"budget-line\" x1=\"\(coordinate(layout.plotLeft))\" y1=\"\(y)\" x2=\"\(coordinate(layout.plotRight))\" y2=\"\(y)\" stroke=\"#777777\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>")
            canvas.frameNote("query budget \(Int(topBudget))", rightX: layout.plotRight - 6, baseline: yScale.position(topBudget) + 13)
        }
        let (labels, labelKey, shownKeys) = shortLabels(points.map(\.row))
        let flaggedColor = Palette.series[0], missedColor = "#555555"
        // Screen positions first, so every label avoids every marker.
        let bandY = (band.top + band.bottom) / 2
        let screen = points.map { p -> (Double, Double) in
            (xScale.position(p.falsePositiveRate.mean), p.queriesToFlag.map { yScale.position($0.mean) } ?? bandY)
        }
        for (k, p) in points.enumerated() {
            let (x, y) = screen[k]
            let row = rows[p.row]
            let color = p.queriesToFlag == nil ? missedColor : flaggedColor
            // Bars stop at what the quantities can be: a rate in [0, 1], queries within the budget.
            let fpr = p.falsePositiveRate, budget = Double(row.budget)
            canvas.errorBars(x: x, y: y, xRange: (xScale.position(max(0, fpr.mean - fpr.spread)), xScale.position(min(1, fpr.mean + fpr.spread))),
                             yRange: p.queriesToFlag.map { (yScale.position(max(0, $0.mean - $0.spread)), yScale.position(min(budget, $0.mean + $0.spread))) },
                             color: color)
            let tip = "\(row.setting): attacker flagged in \(p.flaggedSeeds)/\(p.seeds) seeds"
                + (p.queriesToFlag.map { " after \(Report.formatSummary($0)) queries" } ?? "")
                + "; benign clients flagged \(Report.formatSummary(p.falsePositiveRate))"
            canvas.add(SVGCanvas.marker(p.queriesToFlag == nil ? .triangle : .circle, x: x, y: y, size: 5, color: color, filled: p.queriesToFlag != nil,
                                        attributes: "class=\"point\(p.queriesToFlag == nil ? " not-flagged" : "")\" data-setting=\"\(xmlEscape(row.setting))\" data-flagged-seeds=\"\(p.flaggedSeeds)\" data-seeds=\"\(p.seeds)\"",
                                        tooltip: tip))
        }
        // Settings drawn on one spot share one label, rather than stacking labels on one marker.
        let spots = Report.groups(Array(points.indices)) { k in
            "\(Int((screen[k].0 / 4).rounded())),\(Int((screen[k].1 / 4).rounded()))"
        }
        for (_, members) in spots {
            let text = members.map { k -> String in
                let p = points[k]
                let partial = p.flaggedSeeds > 0 && p.flaggedSeeds < p.seeds ? " (\(p.flaggedSeeds)/\(p.seeds) seeds)" : ""
                return compactSetting(labels[k], to: 48) + partial
            }.joined(separator: "; ")
            canvas.pointLabel(text, x: screen[members[0]].0, y: screen[members[0]].1, avoiding: screen)
        }
        notes += Report.unplacedNote("Detection plot", canvas.unplacedLabels)
        var legend = [
            LegendEntry(label: "flagged: mean queries", color: flaggedColor, shape: .circle),
            LegendEntry(label: "never flagged (top band)", color: missedColor, shape: .triangle, filled: false),
            LegendEntry(label: "bars: ±1 std over seeds", color: "#777777", shape: nil, line: true),
        ]
        if budgets.count == 1 { legend.append(LegendEntry(label: "query budget", color: "#777777", shape: nil, dash: "2 3", line: true)) }
        canvas.legend(legend, title: labelKey.map { "Points: \($0.replacingOccurrences(of: "attack.", with: ""))" } ?? "Setting")
        canvas.marginNote(["↙ better detector:", "attacker caught early,", "honest clients left alone"])
        let description = "Detector results for \(Report.count(points.count, "setting")): " + zip(points, labels).map { p, label in
            "\(label): flagged in \(p.flaggedSeeds)/\(p.seeds) seeds" + (p.queriesToFlag.map { " after \(Report.formatSummary($0)) queries" } ?? "") + ", benign false-positive rate \(Report.formatSummary(p.falsePositiveRate))"
        }.joined(separator: "; ") + "."
        let caption = "Each point is one setting\(shownKeys.isEmpty ? "" : " (labelled by its " + shownKeys.joined(separator: " and ") + (labelKey == nil ? ", after any other setting that differs" : "") + ")"): upwards, how many queries the attacker sent before the detector raised its alarm (mean ± std over the seeds in which it did; \"k/n seeds\" when only some did); to the right, the share of benign clients the same detector flagged (its false-positive rate, mean ± std over seeds). Points in the grey band at the top were never flagged within the query budget. Lower left is best for the defender: the thief is caught early and honest clients are not."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: notes)
    }
}
