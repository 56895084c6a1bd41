import XCTest
import DistillReport

/// The first capture group of `pattern` in `text`, for each match.
func captures(_ pattern: String, in text: String) -> [String] {
    let regex = try! NSRegularExpression(pattern: pattern)
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
        Range($0.range(at: 1), in: text).map { String(text[$0]) }
    }
}

/// The SVG element with `id` in `html`.
func svgElement(_ id: String, in html: String) -> String? {
    guard let start = html.range(of: "<svg id=\"\(id)\""), let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return nil }
    return String(html[start.lowerBound..<end.upperBound])
}

final class ReportHTMLTests: XCTestCase {

    func testPageIsSelfContained() {
        let html = ReportFixtures.sweep.html()
        // Nothing that loads: no src/href/url() at all, no scripts but the inert JSON block, no network scheme.
        XCTAssertEqual(captures("(?i)\\b(src|href)\\s*=", in: html), [])
        XCTAssertFalse(html.contains("http://"))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertFalse(html.contains("url("))
        XCTAssertFalse(html.contains("@import"))
        XCTAssertEqual(captures("<script([^>]*)>", in: html), [" type=\"application/json\" id=\"report-data\""])
        XCTAssertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""))
        // The three plots, each an SVG with an accessible title and description.
        for id in ["tradeoff-plot", "budget-plot", "canary-plot"] {
            guard let svg = svgElement(id, in: html) else { return XCTFail("no <svg id=\"\(id)\">") }
            XCTAssertTrue(svg.contains("<title id=\"\(id)-title\">"), id)
            XCTAssertTrue(svg.contains("<desc id=\"\(id)-desc\">"), id)
            XCTAssertTrue(svg.contains("aria-labelledby=\"\(id)-title \(id)-desc\""), id)
        }
        XCTAssertEqual(captures("<tr class=\"result-row[^\"]*\" data-setting=\"([^\"]*)\"", in: html).count, ReportFixtures.sweep.rows.count)
    }

    func testParetoFrontIsMarkedOnTheTradeoffPlot() {
        let svg = ReportFixtures.sweep.svg(.tradeoff)
        // At the largest budget (20k), soft-student series: top-k (0, 0.06) beats "none" (0, 0) and the
        // canaries; rounding (0.001, 0.08) and reverse sigmoid (0.012, 0.15) buy more protection for more
        // utility; noise σ=0.5 (0.09, 0.15) protects no more than reverse sigmoid at a higher cost.
        let front = Set(captures("data-setting=\"([^\"]*)\" data-series=\"defensive_impact_soft\" data-pareto=\"true\"", in: svg))
        XCTAssertEqual(front, ["top-k:k=1", "rounding:decimals=1", "reverse-sigmoid:beta=0.7"])
        XCTAssertEqual(captures("class=\"(pareto-front)\" data-series=\"defensive_impact_soft\"", in: svg).count, 1)
        // The NaN setting is skipped, and the page says so.
        XCTAssertFalse(svg.contains("data-setting=\"noise:sigma=2\""))
        // Rows at smaller budgets are left to the budget plot.
        XCTAssertEqual(captures("data-setting=\"(none)\" data-series=\"defensive_impact_soft\"", in: svg).count, 1)
        XCTAssertTrue(svg.contains("Utility–protection trade-off at query budget 20k"))
        XCTAssertTrue(ReportFixtures.sweep.html().contains("Trade-off plot, soft-label student: 1 setting with a NaN or infinite mean skipped."))
    }

    func testZeroStdDrawsNoErrorBarAndSinglePointPlots() {
        let row = ReportRow(setting: "only", defense: "rounding", budget: 100, seeds: 1, metrics: [
            ReportMetric.benignAccuracyLoss: MetricSummary(mean: 0.02, std: 0, n: 3),
            ReportMetric.defensiveImpactSoft: MetricSummary(mean: 0.1, std: 0, n: 3),
            ReportMetric.softStudentAccuracy: MetricSummary(mean: 0.7, std: .nan, n: 1),
        ])
        let report = Report(title: "one", rows: [row], generatedAt: "")
        let tradeoff = report.svg(.tradeoff)
        XCTAssertEqual(captures("class=\"(point)\" data-setting=\"only\"", in: tradeoff).count, 1)
        XCTAssertFalse(tradeoff.contains("class=\"error-bar\""))
        XCTAssertFalse(tradeoff.contains("NaN") || tradeoff.contains("nan\"") || tradeoff.contains("inf\""))
        let budget = report.svg(.budget)
        XCTAssertEqual(captures("class=\"(point)\" data-setting=\"only\"", in: budget).count, 1)
        XCTAssertFalse(budget.contains("class=\"error-bar\""))
        XCTAssertTrue(report.svg(.canary).contains("No canary p-values in this report."))
    }

    func testNoRowsGivesAClearMessageAndDrawsNoPlots() {
        let html = Report(title: "empty", rows: [], generatedAt: "2025-01-01").html()
        XCTAssertTrue(html.contains("No results: this report has no rows"))
        for id in ReportPlot.allCases.map(\.rawValue) { XCTAssertNil(svgElement(id, in: html), id) }
        // A plot asked for explicitly is still drawn, empty, with its message.
        var asked = Report(title: "empty", rows: [], generatedAt: "2025-01-01")
        asked.plots = [.canary]
        XCTAssertTrue(svgElement("canary-plot", in: asked.html())?.contains("class=\"empty-message\"") ?? false)
        XCTAssertFalse(html.contains("<table"))
    }

    func testTextIsEscaped() {
        let row = ReportRow(setting: "<script>x</script>&", defense: "a\"b", budget: 10, seeds: 1, metrics: [
            ReportMetric.benignAccuracyLoss: MetricSummary(mean: 0, std: 0, n: 1),
            ReportMetric.defensiveImpactSoft: MetricSummary(mean: 0, std: 0, n: 1),
        ])
        let html = Report(title: "<b>title</b>", rows: [row], generatedAt: "").html()
        XCTAssertFalse(html.contains("<script>x"))
        XCTAssertFalse(html.contains("<b>title</b>"))
        XCTAssertTrue(html.contains("&lt;script&gt;x&lt;/script&gt;&amp;"))
        XCTAssertTrue(html.contains("\\u003cscript\\u003ex\\u003c/script\\u003e\\u0026"))  // inside the JSON block
    }

    func testStandaloneSVGHasNamespace() {
        XCTAssertTrue(ReportFixtures.sweep.svg(.canary, standalone: true).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"canary-plot\""))
    }
}
