import XCTest
import DistillReport

final class DetectionAndBudgetPlotTests: XCTestCase {

    func testDetectionPlotPlacesFlaggedAndMissedStreams() throws {
        let svg = ReportFixtures.adaptive.svg(.detection)
        // Nine settings: random never flagged (3, in the band), jacobian and noise flagged.
        XCTAssertEqual(captures("class=\"(point not-flagged)\"", in: svg).count, 3)
        XCTAssertEqual(captures("class=\"(point)\" data-setting", in: svg).count, 6)
        XCTAssertEqual(captures("data-setting=\"gaussian-noise:sigma=0.3, attack.strategy=jacobian\" data-flagged-seeds=\"([0-9])\"", in: svg), ["2"])
        // random under no defense and under reverse sigmoid: one spot (fpr 0, never), so one label naming both.
        let labels = captures("class=\"point-label\"[^>]*>([^<]*)<", in: svg)
        XCTAssertTrue(labels.contains { $0.contains("random") && $0.components(separatedBy: "random").count == 3 }, "\(labels)")
        XCTAssertTrue(labels.contains { $0.contains("(2/3 seeds)") }, "a partly flagged setting says so: \(labels)")
        // The queries axis is in queries and ends at the budget; the band is its "never" tick.
        XCTAssertTrue(svg.contains(">never</text>"))
        XCTAssertTrue(svg.contains("query budget 400"))
        let html = ReportFixtures.adaptive.html()
        XCTAssertTrue(html.contains("<h2>Query-stream detection</h2>"))
    }

    func testDetectionPointsAreAtTheirValues() throws {
        // One flagged stream after 200 queries, no benign alarm; one never flagged with a 1/3 false-positive rate.
        func row(_ setting: String, flagged: Double, queries: Double?, fpr: Double) -> ReportRow {
            ReportRow(setting: setting, defense: "none", budget: 400, seeds: 1, metrics: [
                ReportMetric.detectorFlaggedFraction: MetricSummary(mean: flagged, std: .nan, n: 1),
                ReportMetric.detectorQueriesToFlag: queries.map { MetricSummary(mean: $0, std: .nan, n: 1) } ?? MetricSummary(values: [.nan]),
                ReportMetric.detectorBenignFalsePositiveRate: MetricSummary(mean: fpr, std: .nan, n: 1),
            ])
        }
        let report = Report(title: "d", rows: [row("jacobian", flagged: 1, queries: 200, fpr: 0), row("random", flagged: 0, queries: nil, fpr: 1.0 / 3)], generatedAt: "")
        XCTAssertEqual(report.chosenPlots, [.detection])
        let svg = report.svg(.detection)
        // x: 0…1 over [78 + 16, 560 − 16] = [94, 544]; y: 0…400 over [408 − 10, 50 + 34 + 14] = [398, 98].
        let jacobian = try XCTUnwrap(captures("<circle class=\"point\" data-setting=\"jacobian\"[^>]* cx=\"([^\"]*)\" cy=\"([^\"]*)\"", in: svg).first)
        XCTAssertEqual(jacobian, "94.00")
        XCTAssertEqual(captures("data-setting=\"jacobian\"[^>]* cy=\"([^\"]*)\"", in: svg), ["248.00"])  // 398 − 200/400 · 300
        // Never flagged: in the band (50 … 84), at x = 94 + 450/3 = 244.
        XCTAssertEqual(captures("class=\"point not-flagged\" data-setting=\"random\"[^>]* data-cx=\"([^\"]*)\" data-cy=\"([^\"]*)\"", in: svg), ["244.00"])
        XCTAssertEqual(captures("class=\"point not-flagged\" data-setting=\"random\"[^>]* data-cy=\"([^\"]*)\"", in: svg), ["67.00"])
    }

    /// The budget plot draws the teacher and the true-label reference as lines with markers, named on the plot.
    func testBudgetPlotHasTeacherAndReferenceLines() throws {
        let svg = ReportFixtures.sweep.svg(.budget)
        // Three budgets: each reference line has three points.
        for cls in ["teacher-line", "reference-line"] {
            let points = try XCTUnwrap(captures("<polyline class=\"\(cls)\" points=\"([^\"]*)\"", in: svg).first, cls)
            XCTAssertEqual(points.split(separator: " ").count, 3, cls)
            XCTAssertEqual(captures("class=\"point (\(cls))-point\"", in: svg).count, 3, cls)
        }
        let labels = captures("class=\"point-label\"[^>]*>([^<]*)<", in: svg)
        XCTAssertEqual(Set(labels), ["teacher", "true-label reference"])
        // The teacher (0.955 in every row) is flat: every point at one height.
        let teacherY = Set(captures("<polyline class=\"teacher-line\" points=\"([^\"]*)\"", in: svg)[0].split(separator: " ").map { $0.split(separator: ",")[1] })
        XCTAssertEqual(teacherY.count, 1)
        XCTAssertTrue(svg.contains("Test accuracy (fraction)"))
        // Reference accuracy present at one budget only: a single point, no line.
        var one = ReportFixtures.sweep
        for i in one.rows.indices where one.rows[i].budget != 20000 { one.rows[i].metrics[ReportMetric.referenceStudentAccuracy] = nil }
        let single = one.svg(.budget)
        XCTAssertTrue(captures("<polyline class=\"(reference-line)\"", in: single).isEmpty)
        XCTAssertEqual(captures("class=\"point (reference-line)-point\"", in: single).count, 1)
    }
}
