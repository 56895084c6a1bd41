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
        for id in ReportPlot.allCases.map(\.rawValue) {
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
        XCTAssertGreaterThan(size.height, 1500, "the full page (table + three plots) is tall")
        XCTAssertGreaterThan(result.screenshot.count, 50_000, "a blank page compresses to a few KB; plots and text do not")
        print("report screenshot: \(shot.path) (\(size.width)×\(size.height), \(result.screenshot.count) bytes)")
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
