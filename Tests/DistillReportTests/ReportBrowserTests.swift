import XCTest
import DistillReport

/// Opens rendered reports in a real headless Chromium.
final class ReportBrowserTests: XCTestCase {

    /// Where screenshots are kept for a human to look at ($DISTILL_REPORT_ARTIFACTS or a temp folder).
    private var artifacts: URL {
        let env = ProcessInfo.processInfo.environment["DISTILL_REPORT_ARTIFACTS"]
        let url = env.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("distill-report-browser")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The detector must catch a real error: a page calling an undefined function.
    func testConsoleErrorDetectorCatchesABrokenPage() throws {
        _ = try HeadlessChromium.requireExecutable()
        let page = artifacts.appendingPathComponent("broken.html")
        try Data("""
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head>
        <body><p id="alive">alive</p><script>undefinedFunction()</script><script>console.error("explicit console error")</script>
        <script>console.log("just a log")</script></body></html>
        """.utf8).write(to: page, options: .atomic)
        let result = try HeadlessChromium.load(page)
        XCTAssertTrue(result.dom.contains("<p id=\"alive\">alive</p>"))
        XCTAssertEqual(result.consoleErrors.count, 2, "\(result.consoleErrors)")
        XCTAssertTrue(result.consoleErrors.contains { $0.contains("ReferenceError") && $0.contains("undefinedFunction") }, "\(result.consoleErrors)")
        XCTAssertTrue(result.consoleErrors.contains { $0.contains("explicit console error") }, "\(result.consoleErrors)")
        // A plain log is seen but is not an error.
        XCTAssertTrue(result.consoleMessages.contains { $0.contains("just a log") }, "\(result.consoleMessages)")
    }

    /// The detector also sees a blocked network load (the page's CSP forbids it).
    func testConsoleErrorDetectorCatchesABlockedExternalResource() throws {
        _ = try HeadlessChromium.requireExecutable()
        let page = artifacts.appendingPathComponent("external.html")
        try Data("""
        <!DOCTYPE html><html><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>external</title></head><body><img src="https://example.invalid/x.png" alt=""></body></html>
        """.utf8).write(to: page, options: .atomic)
        let result = try HeadlessChromium.load(page)
        XCTAssertFalse(result.consoleErrors.isEmpty, "a CSP-blocked load must be reported: \(result.consoleMessages)")
    }

    func testReportRendersInChromiumWithoutConsoleErrors() throws {
        _ = try HeadlessChromium.requireExecutable()
        let report = ReportFixtures.sweep
        let page = artifacts.appendingPathComponent("report.html")
        try report.write(.html, to: page, overwrite: true)
        let result = try HeadlessChromium.load(page)
        XCTAssertEqual(result.consoleErrors, [], "console errors: \(result.consoleErrors)")
        XCTAssertEqual(report.chosenPlots, [.tradeoff, .budget, .power, .canary, .curves])
        for id in report.chosenPlots.map(\.rawValue) {
            XCTAssertTrue(result.dom.contains("id=\"\(id)\""), "the rendered DOM lacks #\(id)")
        }
        // Every setting's table row, as the browser parsed it.
        for row in report.rows {
            XCTAssertTrue(result.dom.contains("<tr class=\"result-row") && result.dom.contains("data-setting=\"\(row.setting)\""), row.setting)
        }
        XCTAssertEqual(captures("<tr class=\"(result-row)", in: result.dom).count, report.rows.count)
        let shot = artifacts.appendingPathComponent("report.png")
        try result.screenshot.write(to: shot, options: .atomic)
        let size = try XCTUnwrap(pngSize(result.screenshot), "not a PNG")
        XCTAssertGreaterThanOrEqual(size.width, 1000)
        XCTAssertGreaterThan(size.height, 2500, "the full page (table + five plots) is tall")
        XCTAssertGreaterThan(result.screenshot.count, 50_000, "a blank page compresses to a few KB; plots and text do not")
        print("report screenshot: \(shot.path) (\(size.width)×\(size.height), \(result.screenshot.count) bytes)")
    }

    /// Measures every plot as Chromium lays it out: point labels of one plot
    /// overlap none of each other, tick labels neither, no text runs outside
    /// its SVG (clipped), and the label placer's width estimate covers each
    /// label's real width. Each plot is also saved as a PNG of its own for a
    /// person to look at.
    static let layoutCheck = """
    (() => {
      const out = {overlaps: [], clipped: [], labels: []};
      const box = e => e.getBoundingClientRect();
      const apart = (a, b) => !(a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5);
      for (const svg of document.querySelectorAll('svg.plot')) {
        const frame = box(svg);
        for (const group of [[...svg.querySelectorAll('text.point-label')], [...svg.querySelectorAll('g.tick-labels text')]]) {
          const boxes = group.map(box);
          for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++)
            if (!apart(boxes[i], boxes[j])) out.overlaps.push(svg.id + ': "' + group[i].textContent + '" / "' + group[j].textContent + '"');
        }
        for (const t of svg.querySelectorAll('text.point-label')) out.labels.push([t.textContent, t.getBBox().width]);
        for (const t of svg.querySelectorAll('text')) {
          const b = box(t);
          if (b.width === 0 && b.height === 0) continue;
          if (b.left < frame.left - 0.5 || b.right > frame.right + 0.5 || b.top < frame.top - 0.5 || b.bottom > frame.bottom + 0.5)
            out.clipped.push(svg.id + ': "' + t.textContent + '"');
        }
      }
      return JSON.stringify(out);
    })()
    """

    struct LayoutProblems: Decodable {
        var overlaps: [String]
        var clipped: [String]
        var labels: [[LabelOrWidth]]
    }

    enum LabelOrWidth: Decodable {
        case text(String), width(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .width(try c.decode(Double.self)) }
        }
    }

    /// The layout check must catch real faults: two labels on one spot, a label past the SVG's edge, ticks on top of each other.
    func testLayoutCheckCatchesOverlapsAndClippedText() throws {
        _ = try HeadlessChromium.requireExecutable()
        let page = artifacts.appendingPathComponent("faulty-plot.html")
        try Data("""
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>faulty</title></head><body>
        <svg id="faulty" class="plot" width="300" height="200" viewBox="0 0 300 200" font-size="12">
        <text class="point-label" x="50" y="50" font-size="11">first label</text><text class="point-label" x="60" y="54" font-size="11">second label</text>
        <text class="point-label" x="250" y="120" font-size="11">runs past the edge</text>
        <g class="tick-labels"><text x="100" y="190">0.10</text><text x="104" y="190">0.12</text></g>
        </svg></body></html>
        """.utf8).write(to: page, options: .atomic)
        let result = try HeadlessChromium.load(page, evaluate: [Self.layoutCheck])
        let problems = try JSONDecoder().decode(LayoutProblems.self, from: Data(result.evaluations[0].utf8))
        XCTAssertEqual(problems.overlaps, ["faulty: \"first label\" / \"second label\"", "faulty: \"0.10\" / \"0.12\""])
        XCTAssertEqual(problems.clipped, ["faulty: \"runs past the edge\""])
        XCTAssertEqual(problems.labels.count, 3)
    }

    func testEveryPlotLaysOutWithoutOverlapsOrClippedText() throws {
        _ = try HeadlessChromium.requireExecutable()
        var crowded = ReportFixtures.sweep
        crowded.title = "Crowded trade-off (synthetic)"
        // A dozen more settings around the origin, where labels compete most.
        for k in 0..<12 {
            crowded.rows.append(ReportFixtures.row("rounding:decimals=\(k + 2)", "rounding", budget: 20000, utilityLost: (0.0004 * Double(k % 4), 0.0003),
                                                   impactSoft: (0.01 + 0.004 * Double(k), 0.004), impactLabel: (0.003, 0.002),
                                                   softAccuracy: (0.86, 0.01), labelAccuracy: (0.82, 0.01)))
        }
        for (name, report) in [("sweep", ReportFixtures.sweep), ("adaptive", ReportFixtures.adaptive), ("crowded", crowded)] {
            let page = artifacts.appendingPathComponent("report-\(name).html")
            try report.write(.html, to: page, overwrite: true)
            let plots = report.chosenPlots
            let result = try HeadlessChromium.load(page, evaluate: [Self.layoutCheck], elementShots: plots.map { "#\($0.rawValue)" })
            XCTAssertEqual(result.consoleErrors, [], name)
            let problems = try JSONDecoder().decode(LayoutProblems.self, from: Data(result.evaluations[0].utf8))
            XCTAssertEqual(problems.overlaps, [], "\(name): overlapping labels")
            XCTAssertEqual(problems.clipped, [], "\(name): text outside its plot")
            XCTAssertFalse(problems.labels.isEmpty, name)
            for pair in problems.labels {
                guard pair.count == 2, case let .text(text) = pair[0], case let .width(width) = pair[1] else { return XCTFail("\(pair)") }
                XCTAssertLessThanOrEqual(width, LabelPlacer.textWidth(text, fontSize: 11) + 0.5, "\(name): \(text) is wider than the placer thought")
            }
            for plot in plots {
                let png = try XCTUnwrap(result.elementShots["#\(plot.rawValue)"], "\(name): no screenshot of \(plot.rawValue)")
                XCTAssertGreaterThan(pngSize(png)?.width ?? 0, 600, "\(name): \(plot.rawValue)")
                let shot = artifacts.appendingPathComponent("\(name)-\(plot.rawValue).png")
                try png.write(to: shot, options: .atomic)
                print("plot screenshot: \(shot.path)")
            }
            try result.screenshot.write(to: artifacts.appendingPathComponent("report-\(name).png"), options: .atomic)
        }
        XCTAssertEqual(ReportFixtures.adaptive.chosenPlots, [.attackerTradeoff, .detection])
        XCTAssertFalse(crowded.html().contains("no room to label"), "the crowded plot still labels every setting")
    }

    func testEmptyReportRendersWithMessage() throws {
        _ = try HeadlessChromium.requireExecutable()
        let page = artifacts.appendingPathComponent("empty.html")
        try Report(title: "Empty sweep", rows: [], generatedAt: "2025-01-01T00:00:00Z").write(.html, to: page, overwrite: true)
        let result = try HeadlessChromium.load(page)
        XCTAssertEqual(result.consoleErrors, [])
        XCTAssertTrue(result.dom.contains("id=\"no-rows\""))
        try result.screenshot.write(to: artifacts.appendingPathComponent("empty.png"), options: .atomic)
    }
}
