import Foundation

extension Report {

    /// The curves the training-curves plot draws: those of `TrainingCurve.plottedModels`
    /// with two or more epochs, in report order.
    func plottedCurves() -> [TrainingCurve] {
        let models = Set(TrainingCurve.plottedModels.map(\.model))
        return (curves ?? []).filter { models.contains($0.model) && $0.epochs.count > 1 }
    }

    /// One panel per model (teacher, then the students): validation accuracy
    /// against epoch where every curve of the panel has it, else training loss.
    /// One line per setting (one seed each), one colour per setting across the
    /// panels; curves equal in every epoch (a shared teacher, a reference
    /// student that never sees the defense) are drawn once.
    func curvesPlot(standalone: Bool) -> RenderedPlot {
        let curves = plottedCurves()
        let panels = TrainingCurve.plottedModels.filter { m in curves.contains { $0.model == m.model } }
        let columns = panels.count > 1 ? 2 : 1
        let panelRows = max(1, (panels.count + columns - 1) / columns)
        let (left, top, panelWidth, panelHeight, gapX, gapY) = (84.0, 56.0, 330.0, 210.0, 84.0, 70.0)
        let gridRight = left + Double(columns) * panelWidth + Double(columns - 1) * gapX
        let width = gridRight + 240
        let height = top + Double(panelRows) * panelHeight + Double(panelRows - 1) * gapY + 62
        let figure = PlotLayout(width: width, height: height, marginLeft: left, marginRight: width - gridRight, marginTop: top, marginBottom: 62)
        var canvas = SVGCanvas(id: ReportPlot.curves.rawValue, layout: figure)
        let seeds = Set(curves.map(\.seed))
        let title = "Training curves" + (seeds.count == 1 ? ", seed \(seeds.first!)" : ", lowest seed of each setting")
        canvas.heading(title)
        guard !panels.isEmpty else {
            canvas.emptyMessage("No per-epoch training records.")
            return RenderedPlot(svg: canvas.render(title: title, description: "No training curves to plot.", standalone: standalone),
                                caption: "Training curves: no data.", notes: [])
        }
        // One key (and colour) per setting: its label, and its budget when budgets differ.
        let budgetsDiffer = Set(curves.map(\.budget)).count > 1
        func key(_ c: TrainingCurve) -> String { budgetsDiffer ? "\(c.setting), budget \(Report.formatBudget(Double(c.budget)))" : c.setting }
        var keys: [String] = []
        for c in curves where !keys.contains(key(c)) { keys.append(key(c)) }
        let dashes: [String?] = [nil, "6 3", "2 2", "8 3 2 3"]
        func style(_ k: Int) -> (color: String, dash: String?) {
            (Palette.series[k % Palette.series.count], dashes[(k / Palette.series.count) % dashes.count])
        }
        let shared = "#444444"
        var anyShared = false
        var descriptions: [String] = []
        for (p, panel) in panels.enumerated() {
            let c = Double(p % columns), r = Double(p / columns)
            let x0 = left + c * (panelWidth + gapX), y0 = top + r * (panelHeight + gapY)
            let frame = PlotLayout(width: width, height: height, marginLeft: x0, marginRight: width - x0 - panelWidth,
                                   marginTop: y0, marginBottom: height - y0 - panelHeight)
            canvas.beginPanel(frame)
            let mine = curves.filter { $0.model == panel.model }
            let validated = mine.allSatisfy { $0.validationAccuracy != nil }
            let values = { (c: TrainingCurve) -> [Double] in validated ? c.validationAccuracy! : c.trainLoss }
            // Identical curves are one line: drawing them over each other would hide all but the last.
            let lines = Report.groups(Array(mine.indices)) { i in [Double(mine[i].epochs.count)] + mine[i].epochs.map(Double.init) + values(mine[i]) }
            let finite = mine.flatMap(values).filter(\.isFinite)
            let maxEpoch = Double(mine.flatMap(\.epochs).max() ?? 1)
            let xScale = LinearScale(covering: [0, maxEpoch], start: frame.plotLeft + 4, end: frame.plotRight - 4, targetTicks: 7)
            let positive = finite.filter { $0 > 0 }
            let logY = !validated && positive.count == finite.count && !positive.isEmpty && positive.max()! / positive.min()! >= 20
            let yPosition: (Double) -> Double
            let yTicks: [(Double, String)]
            if logY {
                let scale = LogScale(lower: positive.min()! / 1.3, upper: positive.max()! * 1.3, start: frame.plotBottom - 4, end: frame.plotTop + 4)
                yPosition = scale.position
                yTicks = Report.logTicks(scale).map { (scale.position($0), Report.compactNumber($0)) }
            } else {
                let scale = LinearScale(covering: finite, start: frame.plotBottom - 4, end: frame.plotTop + 4, targetTicks: 5)
                yPosition = scale.position
                yTicks = scale.ticks.map { (scale.position($0), scale.label($0)) }
            }
            canvas.axes(xTicks: xScale.ticks.map { (xScale.position($0), xScale.label($0)) }, yTicks: yTicks, xTitle: "",
                        yTitle: validated ? "Validation accuracy (fraction)" : "Training loss (nats\(logY ? ", log" : ""))")
            canvas.panelTitle(panel.name + (validated ? " — validation accuracy" : " — training loss"))
            var drawn: [String] = []
            for (_, members) in lines {
                let curve = mine[members[0]]
                let owners = members.map { key(mine[$0]) }
                let everyone = members.count == keys.count && keys.count > 1
                let (color, dash) = everyone ? (shared, nil) : style(keys.firstIndex(of: owners[0])!)
                if everyone { anyShared = true }
                let ys = values(curve)
                let list = zip(curve.epochs, ys).filter { $0.1.isFinite && (!logY || $0.1 > 0) }
                    .map { "\(coordinate(xScale.position(Double($0.0)))),\(coordinate(yPosition($0.1)))" }.joined(separator: " ")
                let dashAttribute = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                canvas.add("<polyline class=\"curve\" data-model=\"\(xmlEscape(panel.model))\" data-settings=\"\(xmlEscape(owners.joined(separator: " | ")))\" points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(everyone ? "2.2" : "1.6")\"\(dashAttribute) stroke-linejoin=\"round\"><title>\(xmlEscape(panel.name + ": " + (everyone ? "the same for all \(keys.count) settings" : owners.joined(separator: ", "))))</title></polyline>")
                drawn.append(everyone ? "one curve shared by all settings" : owners.joined(separator: " = "))
            }
            descriptions.append("\(panel.name) (\(validated ? "validation accuracy" : "training loss")): " + drawn.joined(separator: "; "))
        }
        canvas.beginPanel(figure)
        canvas.xAxisTitle("Epoch (passes over the model's training set)", x: (left + gridRight) / 2, y: height - 16)
        var legend = keys.enumerated().map { k, name in
            LegendEntry(label: compactSetting(name, to: 34), color: style(k).color, shape: nil, dash: style(k).dash, line: true)
        }
        if anyShared { legend.append(LegendEntry(label: "same for every setting", color: shared, shape: nil, line: true)) }
        canvas.legend(legend, title: "Setting", x: gridRight + 24, y: top)
        let description = "Per-epoch curves of one run per setting: " + descriptions.joined(separator: "; ") + "."
        let caption = "One panel per model, one line per setting (the run with the lowest seed), coloured as in the legend. The teacher is validated every epoch, so its panel shows validation accuracy; students without a validation split show their training loss (lower = a closer fit to the answers they were given). A single dark line means every setting trained that model identically (a cached teacher, a reference student trained on true labels). Look for curves that are still moving at the last epoch (more epochs would help) or a student whose loss stalls high (answers it cannot fit, e.g. noisy or poisoned ones)."
        return RenderedPlot(svg: canvas.render(title: title, description: description, standalone: standalone), caption: caption, notes: [])
    }

    /// Ticks for a log axis: its powers of ten, plus 2× and 5× when it spans under two decades.
    static func logTicks(_ scale: LogScale) -> [Double] {
        let decades = scale.decadeTicks()
        guard log10(scale.upper / scale.lower) < 2 else { return decades }
        let lo = Int(log10(scale.lower).rounded(.down)), hi = Int(log10(scale.upper).rounded(.up))
        return (lo...hi).flatMap { k in [1.0, 2, 5].map { $0 * pow(10, Double(k)) } }.filter { $0 >= scale.lower && $0 <= scale.upper }
    }

    /// "0.02", "0.5", "3", "20": a tick value, shortest.
    static func compactNumber(_ v: Double) -> String { String(format: "%g", v) }
}
