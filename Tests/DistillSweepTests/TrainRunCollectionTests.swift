import XCTest
import DistillLab
import DistillConfig
import DistillReport
import DistillSweep

/// collect on plain `train` run folders (no sweep.json): the differing settings
/// become the table's columns, unfinished and damaged runs are skipped in one
/// line each, and one run folder given directly is a one-run collection.
final class TrainRunCollectionTests: SweepTestCase {

    /// A finished run in `root/name`, as `distill-lab train --output root --run-name name OVERRIDES` writes it.
    @discardableResult
    func train(_ name: String, in folder: URL, _ overrides: [String]) throws -> URL {
        let settings = try ExperimentFile.parse(SweepTestCase.tinyBase, fileName: "tiny.yaml", overrides: overrides)
        let directory = try RunDirectory.create(under: folder, name: name, renderSettings: ExperimentFile.yaml(for:))
        _ = try Experiment(settings: settings).run(directory: directory)
        return directory.url
    }

    func testTrainRunsAreCollectedWithTheirDifferingSettingAsAColumn() throws {
        let out = root.appendingPathComponent("runs")
        try train("round", in: out, ["defense.responses=[rounding:decimals=1]"])
        try train("label", in: out, ["defense.responses=[label-only]"])
        try train("label-seed1", in: out, ["defense.responses=[label-only]", "seed=1"])
        // A run killed while training: settings.json and metrics.jsonl, no results.json.
        let unfinished = out.appendingPathComponent("killed")
        try FileManager.default.createDirectory(at: unfinished, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: out.appendingPathComponent("round/settings.json"), to: unfinished.appendingPathComponent("settings.json"))
        try Data().write(to: unfinished.appendingPathComponent("metrics.jsonl"))
        // A damaged run, and a folder that is no run at all (ignored).
        let damaged = out.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: damaged, withIntermediateDirectories: true)
        try Data("{\"teach".utf8).write(to: damaged.appendingPathComponent("results.json"))
        try FileManager.default.createDirectory(at: out.appendingPathComponent("notes"), withIntermediateDirectories: true)

        let c = try SweepCollection.read(out)
        XCTAssertEqual(c.kind, .runs)
        XCTAssertEqual(c.manifest.definition.axes.map(\.key), ["defense.responses"], "the seed is not a setting column")
        XCTAssertEqual(c.runs.map(\.folder), ["label", "label-seed1", "round"])
        XCTAssertEqual(c.unfinished, [unfinished.path])
        XCTAssertEqual(c.damaged.map(\.path), [damaged.path])
        XCTAssertTrue(c.isComplete)
        XCTAssertEqual(c.statusText.split(separator: "\n").map(String.init), [
            "3 finished run(s) in 2 setting(s); settings that differ: defense.responses",
            "unfinished, skipped: \(unfinished.path): no results.json (the run is still going, was interrupted or failed)",
            "damaged, skipped: \(damaged.path): results.json is not valid JSON (truncated or damaged); move the folder away or rerun it",
        ])

        let report = c.report(title: "runs")
        XCTAssertEqual(report.settingColumns, ["defense"])
        XCTAssertEqual(report.rows.map(\.setting), ["label-only", "rounding:decimals=1"])
        XCTAssertEqual(report.rows.map(\.seeds), [2, 1], "runs differing only in their seed share a row")
        XCTAssertEqual(report.rows.map(\.settingValues), [["defense": "label-only"], ["defense": "rounding:decimals=1"]])
        let table = report.markdownTable().split(separator: "\n")
        XCTAssertTrue(table[0].hasPrefix("| setting | defense family | query budget | seeds | defense | "), String(table[0]))
        XCTAssertTrue(table[2].hasPrefix("| label-only | label-only | 400 | 2 | label-only | "), String(table[2]))
        XCTAssertTrue(table[3].hasPrefix("| rounding:decimals=1 | rounding | 400 | 1 | rounding:decimals=1 | "), String(table[3]))

        let written = try c.writeResults(into: out, report: report)
        XCTAssertEqual(written.map(\.lastPathComponent), ["results.csv", "results.md", "results.json", "results.sqlite"])
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 2)
        XCTAssertTrue(csv[0].hasPrefix("setting,defense,budget,seeds,setting_defense,param_decimals,"), String(csv[0]))
        XCTAssertTrue(csv[1].hasPrefix("label-only,label-only,400,2,label-only,,"), String(csv[1]))
        XCTAssertTrue(csv[2].hasPrefix("rounding:decimals=1,rounding,400,1,rounding:decimals=1,1,"), String(csv[2]))
        XCTAssertEqual(try Report.decodeJSON(Data(contentsOf: out.appendingPathComponent("results.json"))).settingColumns, ["defense"])
        // The collection's own results.json does not make the folder look like one run.
        let again = try SweepCollection.read(out)
        XCTAssertEqual(again.kind, .runs)
        XCTAssertEqual(again.runs.map(\.folder), ["label", "label-seed1", "round"])
    }

    /// Several differing settings are each a column; values as an override would write them.
    func testEveryDifferingSettingIsAColumn() throws {
        let runs: [(folder: String, settings: ExperimentSettings)] = try [
            ("a", ExperimentFile.parse(SweepTestCase.tinyBase, fileName: "t", overrides: ["student.training.epochs=3"])),
            ("b", ExperimentFile.parse(SweepTestCase.tinyBase, fileName: "t", overrides: ["defense.responses=[gaussian-noise:sigma=0.1, rounding:decimals=2]", "threads=2"])),
        ]
        let m = SweepManifest.implicit(name: "x", runs: runs)
        XCTAssertEqual(m.definition.axes.map(\.key), ["defense.responses", "student.training.epochs"], "threads do not count")
        XCTAssertEqual(m.points.map(\.assignments), [["defense.responses=[]", "student.training.epochs=3"],
                                                     ["defense.responses=[gaussian-noise:sigma=0.1, rounding:decimals=2]", "student.training.epochs=2"]])
        XCTAssertEqual(m.points.map(\.name), ["a", "b"])
    }

    func testASingleRunFolderIsAOneRunCollection() throws {
        let out = root.appendingPathComponent("runs")
        let run = try train("only", in: out, ["defense.responses=[label-only]"])
        let before = try Data(contentsOf: run.appendingPathComponent("results.json"))
        let c = try SweepCollection.read(run)
        XCTAssertEqual(c.kind, .run)
        XCTAssertEqual(c.runs.map(\.folder), ["only"])
        XCTAssertEqual(c.statusText, "1 finished run(s) in 1 setting(s)")
        let report = c.report()
        XCTAssertEqual(report.title, "Run only")
        XCTAssertNil(report.settingColumns)
        XCTAssertEqual(report.rows.map(\.setting), ["label-only"])
        XCTAssertEqual(report.rows.map(\.seeds), [1])
        // Written beside the run's own files, never over its results.json.
        XCTAssertEqual(c.resultsFolder, run.appendingPathComponent("collection"))
        try FileManager.default.createDirectory(at: c.resultsFolder!, withIntermediateDirectories: true)
        _ = try c.writeResults(into: c.resultsFolder!, report: report)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("results.json")), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("collection/results.sqlite").path))
        // collect on the folder holding it sees the run (and not its collection).
        XCTAssertEqual(try SweepCollection.read(out).runs.map(\.folder), ["only"])
    }

    /// A copied run (same settings and seed) is one point, found doubled as in a sweep; the folder named first is collected.
    func testACopiedRunIsCollectedOnceAndReportedDoubled() throws {
        let out = root.appendingPathComponent("runs")
        let run = try train("a", in: out, [])
        try FileManager.default.copyItem(at: run, to: out.appendingPathComponent("a-copy"))
        let c = try SweepCollection.read(out)
        XCTAssertEqual(c.runs.map(\.folder), ["a"])
        XCTAssertEqual(c.doubled, ["a": ["a", "a-copy"]])
        XCTAssertFalse(c.isComplete)
        XCTAssertEqual(c.statusText, "1 finished run(s) in 1 setting(s)\ndoubled: a, a-copy hold the same settings and seed; collected a only")
        XCTAssertEqual(c.report().rows.map(\.seeds), [1])
    }

    func testAFolderWithoutRunsSaysWhatItExpects() throws {
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("notes"), withIntermediateDirectories: true)
        for folder in [empty, root.appendingPathComponent("absent")] {
            XCTAssertThrowsError(try SweepCollection.read(folder)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("is not a sweep folder, nor a run folder or a folder of run folders"), text)
                XCTAssertTrue(text.contains("distill-lab train --output \(folder.path)"), text)
            }
        }
        // A stray results.json of the folder's own (no settings.json) is named, not taken for a run.
        let stray = root.appendingPathComponent("stray")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        try Data(#"{"hello": 1}"#.utf8).write(to: stray.appendingPathComponent("results.json"))
        XCTAssertThrowsError(try SweepCollection.read(stray)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("its results.json has no settings.json beside it, so it is no run folder"), text)
            XCTAssertFalse(text.contains("DecodingError"), text)
        }
        // Beside finished runs a stray top-level results.json (an earlier collection's, say) changes nothing.
        let runs = root.appendingPathComponent("runs")
        try train("a", in: runs, [])
        try Data("{\"soft".utf8).write(to: runs.appendingPathComponent("results.json"))
        let c = try SweepCollection.read(runs)
        XCTAssertEqual(c.runs.map(\.folder), ["a"])
        XCTAssertEqual(c.damaged, [])
    }
}
