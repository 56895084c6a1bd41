import XCTest
import Foundation
import DistillLab

/// Defenses, attacks and verification through the built binary.
final class DefenseCommandTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-def-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testDefensesListsEveryRegisteredDefenseWithParameters() throws {
        let r = try DistillLabBinary.run(["defenses", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Entry: Decodable { var name: String; var parameters: [DefenseParameter]; var argmaxPreserving: Bool }
        let list = try JSONDecoder().decode([Entry].self, from: Data(r.stdout.utf8))
        XCTAssertEqual(list.map(\.name), DefenseRegistry.names)
        for expected in ["label-only", "top-k", "rounding", "high-confidence", "gaussian-noise", "temperature",
                         "label-smoothing", "reverse-sigmoid", "mad", "mad-argmax", "adaptive-misinformation",
                         "keyed-canary", "periodic-signal"] {
            XCTAssertTrue(list.contains { $0.name == expected }, "missing \(expected)")
        }
        let rs = try XCTUnwrap(list.first { $0.name == "reverse-sigmoid" })
        XCTAssertEqual(Set(rs.parameters.map(\.name)), ["beta", "gamma"])
        XCTAssertTrue(list.first { $0.name == "mad-argmax" }!.argmaxPreserving)
        let attacks = try DistillLabBinary.run(["attacks"])
        for name in ["random", "ood", "jacobian", "active", "average-repeats", "argmax", "ensemble-filter"] {
            XCTAssertTrue(attacks.stdout.contains("  \(name)\n"), "attacks lacks \(name)")
        }
    }

    func fails(_ args: [String], _ needles: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try DistillLabBinary.run(args + ["--no-save"])
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        for n in needles { XCTAssertTrue(r.stderr.contains(n), "stderr lacks '\(n)': \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
    }

    func testBadDefenseAndAttackSpecsAreNamed() throws {
        try fails(["train", "--defense", "roundng"], ["unknown defense 'roundng'", "did you mean 'rounding'"])
        try fails(["train", "--defense", "rounding:decimal=2"], ["no parameter 'decimal'", "did you mean 'decimals'"])
        try fails(["train", "--defense", "gaussian-noise:sigma=-1"], ["sigma=-1 is invalid"])
        try fails(["train", "--defense", "mad:epsilon=-0.5"], ["epsilon=-0.5 is invalid"])
        try fails(["train", "--defense", "top-k:k=0"], ["k=0 is invalid"])
        try fails(["train", "--defense", "top-k:k=11", "--teacher-epochs", "1", "--student-epochs", "1"], ["top-k", "10 classes"])
        try fails(["train", "--attack", "jacobain"], ["did you mean 'jacobian'"])
        try fails(["train", "--counter", "average-repeats:repeats=1"], ["repeats=1"])
    }

    func testDefendedRunWritesTheCanaryLogAndVerifyJudgesSuspects() throws {
        let run = try DistillLabBinary.run(["train", "-q", "--output", root.path, "--run-name", "r",
                                            "--defense", "keyed-canary:rate=0.05", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try JSONDecoder().decode(ExperimentResult.self, from: Data(run.stdout.utf8))
        XCTAssertNotNil(result.defense)
        XCTAssertNotNil(result.defensiveImpact?["student-soft"])
        let dir = root.appendingPathComponent("r")
        let log = dir.appendingPathComponent("canary-log.json").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: log))

        let stolen = try DistillLabBinary.run(["verify", "--log", log, "--suspect", dir.appendingPathComponent("student-label.safetensors").path, "--json"])
        XCTAssertEqual(stolen.status, 0, stolen.stderr)
        let v = try JSONDecoder().decode(OwnershipVerification.self, from: Data(stolen.stdout.utf8))
        XCTAssertTrue(v.flagged)
        XCTAssertLessThan(v.pValue!, 1e-6)
        // Same numbers as the run's own verification.
        XCTAssertEqual(v.matches, result.canaries?.first?.suspects["student-label"]?.matches)

        let honest = try DistillLabBinary.run(["verify", "--log", log, "--suspect", dir.appendingPathComponent("student-reference.safetensors").path])
        XCTAssertEqual(honest.status, 0, honest.stderr)
        XCTAssertTrue(honest.stdout.contains("not shown to be copied"), honest.stdout)

        let wrong = try DistillLabBinary.run(["verify", "--log", dir.appendingPathComponent("results.json").path,
                                              "--suspect", dir.appendingPathComponent("teacher.safetensors").path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("not a canary log"), wrong.stderr)

        // The per-canary evidence file holds the same evidence; --evidence is an alias of --log.
        let evidence = dir.appendingPathComponent("canary-0-keyed-canary.json").path
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: evidence)), try Data(contentsOf: URL(fileURLWithPath: log)))
        let label = dir.appendingPathComponent("student-label.safetensors").path
        let reference = dir.appendingPathComponent("student-reference.safetensors").path
        // Scriptable verdicts: 3 when the --fail-if condition holds, 0 otherwise.
        XCTAssertEqual(try DistillLabBinary.run(["verify", "--evidence", evidence, "--suspect", label, "--fail-if", "copied"]).status, 3)
        XCTAssertEqual(try DistillLabBinary.run(["verify", "--evidence", evidence, "--suspect", reference, "--fail-if", "copied"]).status, 0)
        XCTAssertEqual(try DistillLabBinary.run(["verify", "--evidence", evidence, "--suspect", reference, "--fail-if", "innocent"]).status, 3)
        XCTAssertEqual(try DistillLabBinary.run(["verify", "--evidence", evidence, "--suspect", label, "--fail-if", "innocent"]).status, 0)
        // A missing file or a directory: one clear line, no Cocoa error dump.
        let missing = try DistillLabBinary.run(["verify", "--log", dir.appendingPathComponent("nope.json").path, "--suspect", label])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("does not exist"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("NSCocoaErrorDomain"), missing.stderr)
        let directory = try DistillLabBinary.run(["verify", "--log", dir.path, "--suspect", label])
        XCTAssertEqual(directory.status, 1)
        XCTAssertTrue(directory.stderr.contains("is a directory"), directory.stderr)
    }
}
