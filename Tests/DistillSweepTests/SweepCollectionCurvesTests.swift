import XCTest
import DistillLab
import DistillReport
import DistillSweep

/// The collection hands the report one run's per-epoch curves per setting.
final class SweepCollectionCurvesTests: SweepTestCase {

    func testReportCarriesTheLowestSeedsCurvesOfEachSetting() throws {
        let out = root.appendingPathComponent("out")
        // Seeds listed high first: the curves still come from seed 0.
        let text = SweepTestCase.tinyBase + """
        sweep:
          defense.responses: [[rounding:decimals=1], []]
        seeds: [1, 0]

        """
        XCTAssertEqual(try SweepRunner(definition: try definition(text), folder: out).run().failed, [])
        let collection = try SweepCollection.read(out)
        let report = collection.report(title: "curves")
        let curves = try XCTUnwrap(report.curves)
        XCTAssertEqual(curves.map(\.setting), Array(repeating: "rounding:decimals=1", count: 4) + Array(repeating: "none", count: 4))
        XCTAssertEqual(curves.map(\.model), Array(repeating: ["teacher", "student-soft", "student-label", "student-reference"], count: 2).flatMap { $0 })
        XCTAssertEqual(Set(curves.map(\.seed)), [0])
        for c in curves { XCTAssertEqual(c.epochs, [1, 2], "\(c.setting) \(c.model): the tiny sweep trains 2 epochs") }
        // The teacher is validated every epoch; students are not (they keep their last epoch).
        XCTAssertNotNil(curves[0].validationAccuracy)
        XCTAssertNil(curves[1].validationAccuracy)
        // The numbers are the run's own metrics.jsonl lines.
        let run = try XCTUnwrap(collection.runs.first { $0.point.seed == 0 && $0.point.settings.defense.isEmpty })
        let soft = run.epochs.filter { $0.model == "student-soft" }.map(\.metrics.trainLoss)
        XCTAssertEqual(curves.first { $0.setting == "none" && $0.model == "student-soft" }?.trainLoss, soft)
        // Baseline students (the undefended attack of the defended setting) are not plotted.
        XCTAssertFalse(curves.contains { $0.model.hasPrefix("baseline") })
        XCTAssertTrue(report.chosenPlots.contains(.curves))
        // results.json (the collected report) keeps them too.
        _ = try collection.writeResults(into: out, report: report)
        let decoded = try Report.decodeJSON(Data(contentsOf: out.appendingPathComponent("results.json")))
        XCTAssertEqual(decoded.curves, curves)
    }
}
