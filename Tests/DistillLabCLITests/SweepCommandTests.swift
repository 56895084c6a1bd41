import XCTest
import Foundation
import DistillLab

/// `distill-lab sweep`, `collect` and `report` end to end with the built binary:
/// a real SIGKILL in the middle of a run, two sweeps racing on one folder,
/// shards merged by collect.
final class SweepCommandTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests at \(DistillLabBinary.url.path)")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// Two defenses × two seeds; `teacherEpochs` makes the first point slow enough to kill mid-run.
    func sweepFile(teacherEpochs: Int = 2) throws -> String {
        let file = root.appendingPathComponent("sweep.yaml")
        try """
        teacher: {training: {epochs: \(teacherEpochs)}}
        student: {training: {epochs: 2}}
        evaluation: {controls: 4}
        sweep:
          defense.responses: [[rounding:decimals=1], [reverse-sigmoid:beta=0.7]]
        seeds: [0, 1]
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    let names = ["defense.responses=rounding_decimals=1__seed=0", "defense.responses=rounding_decimals=1__seed=1",
                 "defense.responses=reverse-sigmoid_beta=0.7__seed=0", "defense.responses=reverse-sigmoid_beta=0.7__seed=1"]

    /// Starts the binary in the background; standard error goes to `log` if given.
    func start(_ arguments: [String], log: URL? = nil) throws -> Process {
        let p = Process()
        p.executableURL = DistillLabBinary.url
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: log)
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return p
    }

    /// Every point's folder holds one finished attempt; returns the folders that are neither points nor bookkeeping.
    func checkComplete(_ out: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: out.path)
        for name in names {
            let folder = out.appendingPathComponent(name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("results.json").path), name, file: file, line: line)
            let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            let teacherLines = lines.filter { $0.contains("\"model\":\"teacher\"") }.count
            XCTAssertEqual(lines.count - teacherLines, 3 * 2 + 3 * 2, "students of one attempt only: \(name)", file: file, line: line)
            XCTAssertEqual(Set(lines.compactMap { try? JSONDecoder().decode(EpochLogLine.self, from: Data($0.utf8)) }.filter { $0.model == "teacher" }.map(\.metrics.epoch)).count,
                           teacherLines, "no teacher epoch twice: \(name)", file: file, line: line)
        }
        let lockFolder = out.appendingPathComponent("_locks")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: lockFolder.path).filter { $0.hasSuffix(".lock") }, [], "locks released", file: file, line: line)
        let bookkeeping: Set<String> = ["sweep.json", "_cache", "_locks", "report", "results.csv", "results.md", "results.json", "results.sqlite"]
        return entries.filter { !names.contains($0) && !bookkeeping.contains($0) }.sorted()
    }

    /// `sweep` on an output it cannot create says why in one line (was an NSCocoaErrorDomain dump).
    func testUnwritableOutputIsOneSentenceNotAnNSErrorDump() throws {
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let r = try DistillLabBinary.run(["sweep", try sweepFile(), "--output", file.appendingPathComponent("out").path, "-q"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(file.path) is a file, not a folder"), r.stderr)
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain") || r.stderr.contains("NSUnderlyingError"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    /// `sweep -q` used to print only "N point(s) failed: NAMES"; each point's reason is printed and kept in its folder.
    func testQuietSweepPrintsAndSavesWhyEachPointFailed() throws {
        let out = root.appendingPathComponent("failing")
        let r = try DistillLabBinary.run(["sweep", "data.source=/nonexistent/x.csv|/nonexistent/y.csv", "seeds=0", "--output", out.path, "-q"])
        XCTAssertNotEqual(r.status, 0)
        for name in ["x", "y"] {
            let point = "data.source=nonexistent_\(name).csv__seed=0"
            let line = r.stderr.split(separator: "\n").first { $0.hasPrefix("FAILED \(point): ") }
            XCTAssertNotNil(line, r.stderr)
            XCTAssertTrue(line?.contains("/nonexistent/\(name).csv") ?? false, r.stderr)
            let saved = try String(contentsOf: out.appendingPathComponent(point).appendingPathComponent("error.txt"), encoding: .utf8)
            XCTAssertEqual(saved, String(line!.dropFirst("FAILED \(point): ".count)) + "\n")
        }
        XCTAssertTrue(r.stderr.contains("error.txt"), r.stderr)
    }

    /// collect and report skip a damaged point in one line and go on; only nothing-to-collect is an error.
    func testCollectAndReportSkipDamagedPointsAndGoOn() throws {
        let out = root.appendingPathComponent("damaged")
        let base = ["teacher.training.epochs=2", "student.training.epochs=2", "evaluation.controls=4"]
        let swept = try DistillLabBinary.run(["sweep"] + base + ["seeds=0,1", "--output", out.path, "-q"])
        XCTAssertEqual(swept.status, 0, swept.stderr)
        try Data("{\"soft".utf8).write(to: out.appendingPathComponent("seed=1/results.json"))
        for command in [["collect", out.path], ["report", out.path, "--output", root.appendingPathComponent("rep").path]] {
            let r = try DistillLabBinary.run(command)
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stderr.split(separator: "\n").filter { $0.contains("seed=1") && $0.hasPrefix("damaged") }
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(lines.first?.contains(out.appendingPathComponent("seed=1").path + ": results.json is not valid JSON") ?? false, r.stderr)
            XCTAssertFalse(r.stderr.contains("DecodingError"), r.stderr)
        }
        // With every point damaged there is nothing to collect: exit status 1.
        try Data("[]".utf8).write(to: out.appendingPathComponent("seed=0/results.json"))
        let none = try DistillLabBinary.run(["collect", out.path])
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("nothing to collect"), none.stderr)
        XCTAssertFalse(none.stderr.contains("DecodingError"), none.stderr)
    }

    func testKilledSweepResumesWithoutMissingDoubledOrMixedPoints() throws {
        let file = try sweepFile(teacherEpochs: 40)
        let out = root.appendingPathComponent("out")
        let process = try start(["sweep", file, "--output", out.path, "--quiet"])
        let firstMetrics = out.appendingPathComponent(names[0]).appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: firstMetrics.path) && Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(names[0]).appendingPathComponent("results.json").path),
                       "killed while training the first teacher")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("_locks/\(names[0]).lock").path), "the kill left its lock")

        let collectBefore = try DistillLabBinary.run(["collect", out.path, "--require-complete"])
        XCTAssertEqual(collectBefore.status, 1)
        XCTAssertTrue(collectBefore.stderr.contains("missing (4)") && collectBefore.stderr.contains("the sweep is incomplete"), collectBefore.stderr)

        let rerun = try DistillLabBinary.run(["sweep", file, "--output", out.path])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("took over the stale lock of \(names[0])"), rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("interrupted earlier: moved \(names[0]) to \(names[0]).incomplete-"), rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("teachers trained 2 (reused 2), baselines run 2 (reused 2)"), rerun.stderr)
        let others = try checkComplete(out)
        XCTAssertEqual(others.count, 1)
        XCTAssertTrue(others[0].hasPrefix(names[0] + ".incomplete-"), "\(others)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(others[0]).appendingPathComponent("results.json").path))

        let collect = try DistillLabBinary.run(["collect", out.path, "--require-complete"])
        XCTAssertEqual(collect.status, 0, collect.stderr)
        XCTAssertTrue(collect.stderr.hasPrefix("4 of 4 points finished\nwrote"), collect.stderr)
        XCTAssertTrue(collect.stdout.contains("| rounding:decimals=1 | rounding | 400 | 2 |"), collect.stdout)
        // A third run has nothing left to do.
        let again = try DistillLabBinary.run(["sweep", file, "--output", out.path])
        XCTAssertTrue(again.stderr.contains("sweep: ran 0, finished before 4"), again.stderr)
    }

    func testTwoConcurrentSweepsOnOneFolderRunEachPointOnce() throws {
        let file = try sweepFile(teacherEpochs: 10)
        let out = root.appendingPathComponent("out")
        let logs = [root.appendingPathComponent("a.log"), root.appendingPathComponent("b.log")]
        let a = try start(["sweep", file, "--output", out.path], log: logs[0])
        let b = try start(["sweep", file, "--output", out.path], log: logs[1])
        a.waitUntilExit(); b.waitUntilExit()
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertEqual(b.terminationStatus, 0)
        // Between them the two sweeps ran every point exactly once.
        let done = try logs.flatMap { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("  done ") } }
        XCTAssertEqual(done.map { String($0.dropFirst(7).prefix { $0 != " " }) }.sorted(), names.sorted(), "\(done)")
        XCTAssertEqual(try checkComplete(out), [], "no interrupted or doubled folders")
        let collect = try DistillLabBinary.run(["collect", out.path, "--require-complete"])
        XCTAssertEqual(collect.status, 0, collect.stderr)
    }

    func testShardsMergeAndTheReportIsWritten() throws {
        let file = try sweepFile()
        let out = root.appendingPathComponent("out")
        // The list syntax with commas inside defense specs, seen through --dry-run.
        let dry = try DistillLabBinary.run(["sweep", "--output", root.appendingPathComponent("dry").path, "--dry-run",
                                            "defense.responses=[rounding:decimals=2]|[gaussian-noise:sigma=0.1,rounding:decimals=1]|[]", "seeds=0,1"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(dry.stdout.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) ?? "" }, [
            "defense.responses=rounding_decimals=2__seed=0", "defense.responses=rounding_decimals=2__seed=1",
            "defense.responses=gaussian-noise_sigma=0.1_rounding_decimals=1__seed=0",
            "defense.responses=gaussian-noise_sigma=0.1_rounding_decimals=1__seed=1",
            "defense.responses=none__seed=0", "defense.responses=none__seed=1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("dry").path), "--dry-run writes nothing")
        let ambiguous = try DistillLabBinary.run(["sweep", "--output", root.appendingPathComponent("bad").path, "attack.strategy=random,jacobian:lambda=0.1"])
        XCTAssertEqual(ambiguous.status, 1)
        XCTAssertTrue(ambiguous.stderr.contains("ambiguous"), ambiguous.stderr)

        // Shards as a Slurm array would run them: the index from the environment.
        for k in 0..<3 {
            let r = try DistillLabBinary.run(["sweep", file, "--output", out.path],
                                             environment: ["SLURM_ARRAY_TASK_ID": "\(k)", "SLURM_ARRAY_TASK_COUNT": "3"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("sweep: \(k == 0 ? 2 : 1) of 4 points in shard \(k)/3"), r.stderr)
        }
        XCTAssertEqual(try checkComplete(out), [])
        let report = try DistillLabBinary.run(["report", out.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("report/report.html"), encoding: .utf8)
        // Plots follow the data: one budget and no canary here, so the trade-off plot (and training curves), no budget or canary plot.
        XCTAssertTrue(html.contains("id=\"tradeoff-plot\""))
        for id in ["budget-plot", "canary-plot"] { XCTAssertFalse(html.contains("id=\"\(id)\""), id) }
        XCTAssertTrue(html.contains("reverse-sigmoid:beta=0.7"))
        XCTAssertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "self-contained: no external resources")
        for name in ["results.csv", "results.md", "results.json", "results.sqlite", "report/report.csv", "report/report.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
    }
}
