import XCTest
import DistillReport

/// Which plots a report draws follows from what its rows contain, never from its title.
final class ReportPlotChoiceTests: XCTestCase {

    typealias F = ReportFixtures

    /// A plain row with the usual metrics (a defense when `defense` is not "none").
    func row(_ setting: String, _ defense: String = "none", budget: Int = 400, parameters: [String: String] = [:],
             students: [Double] = [], controls: [Double] = []) -> ReportRow {
        var r = F.row(setting, defense, budget: budget, utilityLost: (defense == "none" ? 0 : 0.01, 0.002),
                      impactSoft: (defense == "none" ? 0 : 0.1, 0.01), impactLabel: (0.01, 0.01),
                      softAccuracy: (0.9, 0.01), labelAccuracy: (0.88, 0.01), students: students, controls: controls)
        for (k, v) in parameters { r.parameters[k] = v }
        return r
    }

    func report(_ rows: [ReportRow], curves: [TrainingCurve]? = nil) -> Report {
        Report(title: "t", rows: rows, alpha: 0.01, generatedAt: "", curves: curves)
    }

    func testBudgetPlotOnlyWhenTheBudgetVaries() {
        let varying = report([row("none", budget: 100, parameters: ["attack.budget": "100"]), row("none", budget: 400, parameters: ["attack.budget": "400"])])
        XCTAssertEqual(varying.chosenPlots, [.budget], "no defense: no trade-off; the budget varies")
        let fixed = report([row("none"), row("rounding:decimals=1", "rounding")])
        XCTAssertFalse(fixed.chosenPlots.contains(.budget))
        XCTAssertEqual(fixed.chosenPlots, [.tradeoff])
        // A budget study has no trade-off plot, so its table marks no Pareto front.
        XCTAssertFalse(varying.html().contains("class=\"badge\""))
        XCTAssertTrue(fixed.html().contains("class=\"badge\""))
    }

    func testPowerPlotOnlyWhenTheCanaryRateVaries() {
        let p = [0.001, 0.2], c = [0.5, 0.7]
        let rates = report([row("keyed-canary:rate=0.01", "keyed-canary", parameters: ["rate": "0.01"], students: p, controls: c),
                            row("keyed-canary:rate=0.1", "keyed-canary", parameters: ["rate": "0.1"], students: p, controls: c),
                            row("periodic-signal", "periodic-signal", students: p, controls: c)])
        XCTAssertEqual(rates.chosenPlots, [.tradeoff, .power, .canary])
        XCTAssertEqual(rates.powerCurves().map(\.family), ["keyed-canary"])
        XCTAssertTrue(rates.html().contains("Power plot: periodic-signal has no canary parameter that varies"))
        // One rate, or rates of different canary families, make no curve: the p-value plot remains.
        let one = report([row("keyed-canary:rate=0.01", "keyed-canary", parameters: ["rate": "0.01"], students: p, controls: c),
                          row("other:rate=0.1", "other", parameters: ["rate": "0.1"], students: p, controls: c)])
        XCTAssertEqual(one.chosenPlots, [.tradeoff, .canary])
        // A swept key path (here the budget) is not a canary parameter.
        let budgets = report([row("keyed-canary", "keyed-canary", budget: 100, parameters: ["attack.budget": "100"], students: p, controls: c),
                              row("keyed-canary", "keyed-canary", budget: 400, parameters: ["attack.budget": "400"], students: p, controls: c)])
        XCTAssertFalse(budgets.chosenPlots.contains(.power))
    }

    func testDetectionPlotOnlyWithADetector() {
        XCTAssertEqual(F.adaptive.chosenPlots, [.attackerTradeoff, .detection])
        var plain = F.adaptive
        for i in plain.rows.indices {
            for key in [ReportMetric.detectorFlaggedFraction, ReportMetric.detectorQueriesToFlag, ReportMetric.detectorBenignFalsePositiveRate] {
                plain.rows[i].metrics[key] = nil
            }
        }
        XCTAssertEqual(plain.chosenPlots, [.attackerTradeoff])
        // A detector verdict with no benign clients has no x: no plot, and no empty one.
        var noBenign = F.adaptive
        for i in noBenign.rows.indices { noBenign.rows[i].metrics[ReportMetric.detectorBenignFalsePositiveRate] = nil }
        XCTAssertFalse(noBenign.chosenPlots.contains(.detection))
    }

    func testSeveralAttackersGetOnePanelEachOneAttackerOneFront() {
        let one = report([row("none"), row("mad", "mad"), row("rounding:decimals=1", "rounding")])
        XCTAssertEqual(one.chosenPlots, [.tradeoff])
        let two = report([row("none, attack.counters=[]", parameters: ["attack.counters": "[]"]),
                          row("mad, attack.counters=[]", "mad", parameters: ["attack.counters": "[]"]),
                          row("none, attack.counters=[argmax]", parameters: ["attack.counters": "[argmax]"]),
                          row("mad, attack.counters=[argmax]", "mad", parameters: ["attack.counters": "[argmax]"])])
        XCTAssertEqual(two.chosenPlots, [.attackerTradeoff])
        let svg = two.svg(.attackerTradeoff)
        XCTAssertEqual(captures("class=\"panel-title\"[^>]*>([^<]*)<", in: svg), ["Attacker counters: none", "Attacker counters: argmax"])
        // Points are labelled by their defense: the panel names the attacker.
        XCTAssertEqual(Set(captures("class=\"point-label\"[^>]*>([^<]*)<", in: svg)), ["none", "mad"])
    }

    func testCurvesPlotOnlyWithTwoOrMoreEpochs() {
        let rows = [row("none"), row("mad", "mad")]
        XCTAssertTrue(report(rows, curves: F.curves(for: ["none", "mad"], budget: 400)).chosenPlots.contains(.curves))
        let single = [TrainingCurve(setting: "none", budget: 400, seed: 0, model: "teacher", epochs: [1], trainLoss: [0.3], validationAccuracy: [0.9])]
        XCTAssertFalse(report(rows, curves: single).chosenPlots.contains(.curves))
        // Models the plot does not show (baselines, controls) do not call for it either.
        let baseline = [TrainingCurve(setting: "none", budget: 400, seed: 0, model: "baseline-soft", epochs: [1, 2], trainLoss: [0.3, 0.2])]
        XCTAssertFalse(report(rows, curves: baseline).chosenPlots.contains(.curves))
        XCTAssertFalse(report(rows).chosenPlots.contains(.curves))
    }

    /// The identical teacher of every setting is one line; students differ per setting.
    func testCurvesDrawSharedCurvesOnceAndPickTheMetricPerPanel() throws {
        let report = report([row("none"), row("mad", "mad")], curves: F.curves(for: ["none", "mad"], budget: 400))
        let svg = report.svg(.curves)
        XCTAssertEqual(captures("class=\"curve\" data-model=\"teacher\" data-settings=\"([^\"]*)\"", in: svg), ["none | mad"])
        XCTAssertEqual(captures("class=\"curve\" data-model=\"student-soft\" data-settings=\"([^\"]*)\"", in: svg), ["none", "mad"])
        XCTAssertEqual(captures("class=\"panel-title\"[^>]*>([^<]*)<", in: svg),
                       ["Teacher — validation accuracy", "Soft-label student — training loss", "Label-only student — training loss",
                        "Reference student (true labels) — training loss"])
        XCTAssertTrue(svg.contains("Training curves, seed 0"))
        // 12 epochs: the teacher's line has 12 points.
        let teacher = try XCTUnwrap(captures("data-model=\"teacher\" data-settings=\"[^\"]*\" points=\"([^\"]*)\"", in: svg).first)
        XCTAssertEqual(teacher.split(separator: " ").count, 12)
    }

    /// Every plot has a title, axis titles with units, and a caption that says how to read it.
    func testEveryPlotHasTitleAxisTitlesWithUnitsAndACaption() throws {
        for report in [F.sweep, F.adaptive] {
            let html = report.html()
            for plot in report.chosenPlots {
                let svg = try XCTUnwrap(svgElement(plot.rawValue, in: html), plot.rawValue)
                XCTAssertFalse(captures("<title id=\"\(plot.rawValue)-title\">([^<]+)</title>", in: svg).isEmpty, plot.rawValue)
                let axisTitles = captures("class=\"axis-title\"[^>]*>([^<]+)<", in: svg)
                XCTAssertGreaterThanOrEqual(axisTitles.count, plot == .curves ? 3 : 2, "\(plot.rawValue): \(axisTitles)")
                for title in axisTitles { XCTAssertTrue(title.contains("("), "\(plot.rawValue): axis title without a unit: \(title)") }
                let section = try XCTUnwrap(html.range(of: "id=\"section-\(plot.rawValue)\"").map { String(html[$0.lowerBound...]) })
                let caption = try XCTUnwrap(captures("<figcaption>([^<]+)</figcaption>", in: section).first, plot.rawValue)
                XCTAssertGreaterThan(caption.count, 120, "\(plot.rawValue): a caption that says how to read the plot")
                XCTAssertTrue(section.contains("<h2>\(plot.heading)</h2>"))
            }
        }
    }
}
