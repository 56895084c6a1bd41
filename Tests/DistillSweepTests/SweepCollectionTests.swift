import XCTest
import DistillLab
import DistillReport
@testable import DistillSweep

/// collect's outputs: the results table files and the SQLite database, queried with the sqlite3 shell.
final class SweepCollectionTests: SweepTestCase {

    func sqlite(_ database: URL, _ sql: String) throws -> String {
        let shell = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let shell else { throw XCTSkip("the sqlite3 shell is not installed (bash .ci/install-deps --test)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: shell)
        p.arguments = ["-batch", "-separator", "|", database.path, sql]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: errors, as: UTF8.self))
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One damaged point or a stray folder used to stop collect with a raw DecodingError; now each is one line and the rest is collected.
    func testDamagedPointsAndStrayFoldersAreReportedAndSkipped() throws {
        let out = root.appendingPathComponent("out")
        let runner = try SweepRunner(definition: try definition(SweepTestCase.tinyBase + "seeds: [0, 1, 2]\n"), folder: out)
        XCTAssertEqual(try runner.run().failed, [])
        let fm = FileManager.default
        // seed=1: results.json cut short; seed=2: results.json of the wrong shape; two strays.
        let truncated = out.appendingPathComponent("seed=1").appendingPathComponent("results.json")
        let data = try Data(contentsOf: truncated)
        try data.prefix(data.count / 2).write(to: truncated)
        try Data(#"{"teacher": 3}"#.utf8).write(to: out.appendingPathComponent("seed=2").appendingPathComponent("results.json"))
        for stray in ["stray", "notes"] { try fm.createDirectory(at: out.appendingPathComponent(stray), withIntermediateDirectories: true) }
        try Data("[1,".utf8).write(to: out.appendingPathComponent("stray").appendingPathComponent("results.json"))
        try Data("x".utf8).write(to: out.appendingPathComponent("loose-file"))

        let c = try SweepCollection.read(out)
        XCTAssertEqual(c.runs.map(\.point.name), ["seed=0"])
        XCTAssertEqual(c.missing, ["seed=1", "seed=2"])
        XCTAssertEqual(c.damaged.map(\.path), ["seed=1", "seed=2", "stray"].map { out.appendingPathComponent($0).path })
        XCTAssertEqual(c.damaged[0].reason, "results.json is not valid JSON (truncated or damaged)")
        XCTAssertTrue(c.damaged[1].reason.hasPrefix("results.json "), c.damaged[1].reason)
        for line in c.statusText.split(separator: "\n") where line.hasPrefix("damaged") {
            XCTAssertFalse(line.contains("DecodingError") || line.contains("Debug description"), String(line))
            XCTAssertLessThan(line.utf8.count, 400, String(line))
        }
        XCTAssertEqual(c.statusText.split(separator: "\n").filter { $0.hasPrefix("damaged, skipped: ") }.count, 3, c.statusText)
        _ = try c.writeResults(into: out, report: c.report(title: "damaged"))
    }

    /// A swept key whose column name is a fixed column's (a whole `defense` section; an older
    /// sweep's `seed` axis) used to stop collect with SQLite's "duplicate column name".
    func testASweptKeyNamedLikeAFixedColumnGetsItsOwnColumn() throws {
        XCTAssertEqual(SweepCollection.columns(forKeys: ["seed", "defense.responses", "Defense", "swept.defense"], avoiding: ["seed", "defense"]),
                       ["swept_seed", "defense_responses", "swept_Defense", "swept_swept_defense"])
        let out = root.appendingPathComponent("out")
        let text = """
        teacher: {training: {epochs: 1}}
        student: {training: {epochs: 1}}
        sweep:
          defense: [{responses: [rounding:decimals=1]}, {responses: []}]
        seeds: [0]

        """
        XCTAssertEqual(try SweepRunner(definition: try definition(text), folder: out).run().failed, [])
        let collection = try SweepCollection.read(out)
        _ = try collection.writeResults(into: out, report: collection.report(title: "defense sections"))
        let db = out.appendingPathComponent("results.sqlite")
        XCTAssertEqual(try sqlite(db, "SELECT defense, swept_defense FROM runs ORDER BY point_index"),
                       "rounding|{\"responses\": [\"rounding:decimals=1\"]}\nnone|{\"responses\": []}")
    }

    /// The report says the undefended baseline faced the attacker's counter too,
    /// whether the counter is swept or set in the base file; without one it says nothing.
    func testTheReportSaysWhenTheBaselineAlsoUsesTheCounter() throws {
        let note = "attacked with the same counter as the defended run"
        for (base, expected) in [("attack: {counters: [argmax]}\n", true), ("", false)] {
            let out = root.appendingPathComponent("out-\(expected)")
            let text = SweepTestCase.tinyBase + base + """
            sweep:
              defense.responses: [[rounding:decimals=1]]
            seeds: [0]

            """
            XCTAssertEqual(try SweepRunner(definition: try definition(text), folder: out).run().failed, [])
            let notes = try SweepCollection.read(out).report(title: "t").notes ?? []
            XCTAssertEqual(notes.contains { $0.contains(note) }, expected, "\(notes)")
        }
    }

    func testCollectWritesTablesAndAQueryableDatabase() throws {
        let out = root.appendingPathComponent("out")
        let text = SweepTestCase.tinyBase + """
        sweep:
          defense.responses: [[keyed-canary], []]
        seeds: [0, 1]

        """
        let runner = try SweepRunner(definition: try definition(text), folder: out)
        XCTAssertEqual(try runner.run().failed, [])
        let collection = try SweepCollection.read(out)
        let report = collection.report(title: "test sweep")
        let written = try collection.writeResults(into: out, report: report)
        XCTAssertEqual(written.map(\.lastPathComponent), ["results.csv", "results.md", "results.json", "results.sqlite"])

        // Table files: one row per setting, the canary's p-values carried along.
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 2)
        XCTAssertTrue(csv[0].contains("soft_student_accuracy_mean") && csv[0].contains("canary_detection_rate_mean"), String(csv[0]))
        XCTAssertTrue(csv[1].hasPrefix("keyed-canary,keyed-canary,400,2,"), String(csv[1]))
        XCTAssertTrue(csv[2].hasPrefix("none,none,400,2,"), String(csv[2]))
        let rows = report.rows
        XCTAssertEqual(rows[0].canaryStudentPValues.count, 2 * 2, "soft and label students, two seeds")
        XCTAssertEqual(rows[0].canaryControlPValues.count, 2 * 4, "four controls, two seeds")
        XCTAssertEqual(rows[1].metrics["benign_accuracy_loss"], MetricSummary(mean: 0, std: 0, n: 2), "no defense costs nothing")
        XCTAssertEqual(try Report.decodeJSON(Data(contentsOf: out.appendingPathComponent("results.json"))).rows.count, 2)

        let db = out.appendingPathComponent("results.sqlite")
        XCTAssertEqual(try sqlite(db, "SELECT count(*) FROM runs"), "4")
        XCTAssertEqual(try sqlite(db, "SELECT name FROM runs ORDER BY point_index"), runner.manifest.points.map(\.name).joined(separator: "\n"))
        // Every run's epochs, joined to its settings: teacher 2 + 3 students × 2 + 3 baseline students × 2 (defended only).
        XCTAssertEqual(try sqlite(db, "SELECT r.defense, r.seed, count(*) FROM runs r JOIN epochs e ON e.run = r.name GROUP BY r.name ORDER BY r.point_index"),
                       "keyed-canary|0|14\nkeyed-canary|1|14\nnone|0|8\nnone|1|8")
        // Metric columns hold the results' numbers; the full result is there as JSON.
        let first = collection.runs[0]
        let soft = try sqlite(db, "SELECT soft_student_accuracy FROM runs WHERE name = '\(first.point.name)'")
        XCTAssertEqual(Double(soft)!, first.result.student("student-soft")!.testAccuracy, accuracy: 1e-12)
        XCTAssertEqual(try sqlite(db, "SELECT json_extract(result_json, '$.seed'), defense_responses FROM runs WHERE point_index = 1"),
                       "1|[\"keyed-canary\"]")
        XCTAssertEqual(try sqlite(db, "SELECT count(*) FROM runs WHERE canary_false_positive_rate IS NULL"), "2", "undefended runs have no canary")
        XCTAssertEqual(try sqlite(db, "SELECT mean, n FROM settings WHERE setting = 'none' AND metric = 'defensive_impact_soft'"), "0.0|2")
    }
}
