import XCTest
import Foundation

/// `distill-lab collect` and `report` on the --output folder of plain `train`
/// runs (no sweep.json), and on one run folder, with the built binary.
final class CollectTrainRunsTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests at \(DistillLabBinary.url.path)")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// Fast runs: two teacher and student epochs, four controls.
    let tiny = ["teacher.training.epochs=2", "student.training.epochs=2", "evaluation.controls=4", "-q"]

    func testCollectAndReportOnTrainRunFolders() throws {
        let out = root.appendingPathComponent("R")
        for (name, defense) in [("round", "rounding:decimals=1"), ("label", "label-only")] {
            let r = try DistillLabBinary.run(["train", "--output", out.path, "--run-name", name, "--defense", defense] + tiny)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // An unfinished run: the start of a run killed mid-way.
        let killed = out.appendingPathComponent("killed")
        try FileManager.default.createDirectory(at: killed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: out.appendingPathComponent("label/settings.json"), to: killed.appendingPathComponent("settings.json"))

        let collect = try DistillLabBinary.run(["collect", out.path])
        XCTAssertEqual(collect.status, 0, collect.stderr)
        let table = collect.stdout.split(separator: "\n")
        XCTAssertTrue(table[0].hasPrefix("| setting | defense family | query budget | seeds | defense | "), collect.stdout)
        XCTAssertTrue(table[2].hasPrefix("| label-only | label-only | 400 | 1 | label-only | "), collect.stdout)
        XCTAssertTrue(table[3].hasPrefix("| rounding:decimals=1 | rounding | 400 | 1 | rounding:decimals=1 | "), collect.stdout)
        XCTAssertEqual(collect.stderr.split(separator: "\n").map(String.init), [
            "2 finished run(s) in 2 setting(s); settings that differ: defense.responses",
            "unfinished, skipped: \(killed.path): no results.json (the run is still going, was interrupted or failed)",
            "wrote results.csv, results.md, results.json and results.sqlite in \(out.path)",
        ])
        for name in ["results.csv", "results.md", "results.json", "results.sqlite"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }

        // report collects the same way, then renders the HTML with the defense column.
        let report = try DistillLabBinary.run(["report", out.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(report.stdout, out.appendingPathComponent("report/report.html").path + "\n")
        let html = try String(contentsOf: out.appendingPathComponent("report/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<th class=\"num\">seeds</th><th>defense</th>"), "the differing setting is a column")
        XCTAssertTrue(html.contains("<td>label-only</td>") && html.contains("<td>rounding:decimals=1</td>"))
        XCTAssertTrue(html.contains("Runs in R"), "titled after the folder")
        XCTAssertTrue(report.stderr.contains("unfinished, skipped: \(killed.path)"), report.stderr)

        // One run folder given directly: a one-run collection beside the run's own files.
        let runResults = try Data(contentsOf: out.appendingPathComponent("round/results.json"))
        let single = try DistillLabBinary.run(["collect", out.appendingPathComponent("round").path])
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertTrue(single.stdout.split(separator: "\n")[2].hasPrefix("| rounding:decimals=1 | rounding | 400 | 1 | "), single.stdout)
        XCTAssertTrue(single.stderr.hasPrefix("1 finished run(s) in 1 setting(s)\n"), single.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("round/collection/results.csv").path))
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("round/results.json")), runResults, "the run's own results are never replaced")
        let singleReport = try DistillLabBinary.run(["report", out.appendingPathComponent("round").path])
        XCTAssertEqual(singleReport.status, 0, singleReport.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("round/report/report.html").path))
        // report --output on or under a file: one sentence naming the file (was "NSCocoaErrorDomain error 512").
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        for target in [file, file.appendingPathComponent("sub")] {
            let r = try DistillLabBinary.run(["report", out.appendingPathComponent("round").path, "--output", target.path])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("Error: cannot create the output folder \(target.path): \(file.path) is a file, not a folder; choose another --output"), r.stderr)
            XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain") || r.stderr.contains("already exists"), r.stderr)
        }

        // Only unfinished runs: nothing to collect, exit status 1.
        let onlyKilled = try DistillLabBinary.run(["collect", killed.path])
        XCTAssertEqual(onlyKilled.status, 1, onlyKilled.stderr)
        XCTAssertTrue(onlyKilled.stderr.contains("unfinished, skipped: \(killed.path)"), onlyKilled.stderr)
        XCTAssertTrue(onlyKilled.stderr.contains("nothing to collect"), onlyKilled.stderr)
        // A folder with no runs at all says what it expected.
        let empty = try DistillLabBinary.run(["collect", root.appendingPathComponent("nothing").path])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("not a sweep folder, nor a run folder or a folder of run folders"), empty.stderr)
    }
}
