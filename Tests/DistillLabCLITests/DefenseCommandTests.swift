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
        struct Parameter: Decodable { var name: String; var defaultValue: String }
        struct Entry: Decodable { var kind: String; var name: String; var track: String; var parameters: [Parameter]; var argmaxPreserving: Bool }
        let all = try JSONDecoder().decode([Entry].self, from: Data(r.stdout.utf8))
        let list = all.filter { $0.track == "classifier" }
        XCTAssertEqual(list.map(\.name), ComponentRegistry(builtins: true).names(.defense, .canary))
        // The chat oracle's defenses are listed too, as the text track's.
        XCTAssertEqual(all.filter { $0.track == "text" }.map(\.name), ["logprob-cap", "logprob-rounding"])
        XCTAssertEqual(all.count, list.count + 2)
        let text = try DistillLabBinary.run(["defenses"])
        XCTAssertTrue(text.stdout.contains("chat monitors") && text.stdout.contains("\n  rate"), text.stdout)
        XCTAssertEqual(list.filter { $0.kind == "canary" }.map(\.name), ["keyed-canary", "periodic-signal"])
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
            XCTAssertTrue(attacks.stdout.contains("\n  \(name)\n") || attacks.stdout.contains("\n  \(name)  ["), "attacks lacks \(name)")
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
        XCTAssertTrue(wrong.stderr.contains("not canary evidence"), wrong.stderr)

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

    /// A suspect or control with a zero-width layer is one error naming the file and tensor (it trapped
    /// in MLP.init), for both canaries' evidence; a folder given as a model gets a model's file name as the fix.
    func testZeroWidthSuspectOrControlIsOneErrorNotATrap() throws {
        let run = try DistillLabBinary.run(["train", "-q", "--output", root.path, "--run-name", "z", "--defense", "keyed-canary:rate=0.05",
                                            "--defense", "periodic-signal", "--teacher-hidden", "16", "--student-hidden", "8",
                                            "--teacher-epochs", "1", "--student-epochs", "1", "evaluation.controls=4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let dir = root.appendingPathComponent("z")
        let soft = dir.appendingPathComponent("student-soft.safetensors").path
        let reference = dir.appendingPathComponent("student-reference.safetensors").path
        let zero = root.appendingPathComponent("zero.safetensors")
        try Self.safetensors(["layers.0.weight": [0, 64], "layers.0.bias": [0], "layers.1.weight": [10, 0], "layers.1.bias": [10]]).write(to: zero)
        for evidence in ["canary-0-keyed-canary.json", "canary-1-periodic-signal.json"].map({ dir.appendingPathComponent($0).path }) {
            for args in [["--suspect", zero.path], ["--suspect", soft, "--controls", zero.path, reference, reference]] {
                let r = try DistillLabBinary.run(["verify", "--evidence", evidence] + args)
                XCTAssertEqual(r.status, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains("\(zero.path): tensor 'layers.0.weight' has shape [0, 64], a layer of zero width"), r.stderr)
                XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
                XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            }
        }
        // The fix names the kind of file the role wants (it said canary-log.json for a model too).
        let folder = try DistillLabBinary.run(["verify", "--evidence", dir.appendingPathComponent("canary-0-keyed-canary.json").path, "--suspect", dir.path])
        XCTAssertEqual(folder.status, 1)
        XCTAssertTrue(folder.stderr.contains("suspect model '\(dir.path)' is a directory; pass a file inside it (e.g. \(dir.path)/student-soft.safetensors)"),
                      folder.stderr)
    }

    /// A safetensors file of zero-filled F32 tensors with these shapes (written by hand: no DistillCore here).
    static func safetensors(_ shapes: [String: [Int]]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for name in shapes.keys.sorted() {
            let bytes = 4 * shapes[name]!.reduce(1, *)
            header[name] = ["dtype": "F32", "shape": shapes[name]!, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        let json = try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)
        var length = UInt64(json.count).littleEndian
        return Data(bytes: &length, count: 8) + json + Data(count: offset)
    }

    /// The periodic signal's evidence (key, probes, null) is saved beside the
    /// keyed canary's and verified the same way, with the run's own numbers.
    func testPeriodicSignalEvidenceIsVerifiedLikeTheKeyedCanarys() throws {
        let run = try DistillLabBinary.run(["train", "-q", "--output", root.path, "--run-name", "p",
                                            "--defense", "periodic-signal", "--defense", "keyed-canary:rate=0.05", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try JSONDecoder().decode(ExperimentResult.self, from: Data(run.stdout.utf8))
        let dir = root.appendingPathComponent("p")
        for (index, name) in [(0, "periodic-signal"), (1, "keyed-canary")] {
            let evidence = dir.appendingPathComponent("canary-\(index)-\(name).json").path
            let outcome = try XCTUnwrap(result.canaries?.first { $0.canary == name })
            for role in ["student-soft", "student-label"] {
                let r = try DistillLabBinary.run(["verify", "--evidence", evidence, "--suspect",
                                                  dir.appendingPathComponent("\(role).safetensors").path, "--json"])
                XCTAssertEqual(r.status, 0, r.stderr)
                let v = try JSONDecoder().decode(OwnershipVerification.self, from: Data(r.stdout.utf8))
                let inRun = try XCTUnwrap(outcome.suspects[role])
                XCTAssertEqual(v.method, name)
                XCTAssertEqual(v.statistic, inRun.statistic, accuracy: 1e-9 * max(1, abs(inRun.statistic)), "\(name) \(role)")
                XCTAssertEqual(v.pValue ?? -1, inRun.pValue ?? -2, accuracy: 1e-12, "\(name) \(role)")
                XCTAssertEqual(v.flagged, inRun.flagged, "\(name) \(role)")
            }
        }
        // A damaged key is one clear error naming the file.
        let path = dir.appendingPathComponent("canary-0-periodic-signal.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
        json["direction"] = [0, 0]
        let broken = root.appendingPathComponent("broken.json")
        try JSONSerialization.data(withJSONObject: json).write(to: broken)
        let bad = try DistillLabBinary.run(["verify", "--evidence", broken.path, "--suspect", dir.appendingPathComponent("student-soft.safetensors").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("broken.json"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("Fatal error"), bad.stderr)
    }

    // MARK: defenses apply

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func csvRows(_ text: String) -> [[Double]] {
        text.split(separator: "\n").map { $0.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! } }
    }

    /// The transforms applied to numpy-made probabilities agree with numpy's
    /// (np.around; ART's reverse sigmoid written out in numpy): see Fixtures/README.md.
    func testDefensesApplyMatchesNumpyReferences() throws {
        let input = Self.fixtures.appendingPathComponent("apply-probabilities.npy").path
        for (spec, reference, tolerance) in [("rounding:decimals=2", "apply-rounding-2.csv", 1e-7),
                                             ("reverse-sigmoid:beta=1,gamma=0.2", "apply-reverse-sigmoid-beta1-gamma0.2.csv", 2e-6)] {
            let out = root.appendingPathComponent("out.csv")
            try? FileManager.default.removeItem(at: out)
            let r = try DistillLabBinary.run(["defenses", "apply", spec, "--input", input, "--output", out.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let got = csvRows(try String(contentsOf: out, encoding: .utf8))
            let want = csvRows(try String(contentsOf: Self.fixtures.appendingPathComponent(reference), encoding: .utf8))
            XCTAssertEqual(got.count, 40, spec)
            XCTAssertEqual(got.map(\.count), want.map(\.count), spec)
            let worst = zip(got.joined(), want.joined()).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, tolerance, spec)
        }
        // Standard output by default; the same numbers as the file.
        let printed = try DistillLabBinary.run(["defenses", "apply", "rounding:decimals=2", "--input", input])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(csvRows(printed.stdout).count, 40)
    }

    func testDefensesApplyNamesBadInput() throws {
        let input = Self.fixtures.appendingPathComponent("apply-probabilities.npy").path
        let missing = try DistillLabBinary.run(["defenses", "apply", "rounding", "--input", root.appendingPathComponent("none.npy").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)
        let unknown = try DistillLabBinary.run(["defenses", "apply", "roundng", "--input", input])
        XCTAssertTrue(unknown.stderr.contains("did you mean 'rounding'"), unknown.stderr)
        let garbage = root.appendingPathComponent("bad.npy")
        try Data("not numpy".utf8).write(to: garbage)
        let bad = try DistillLabBinary.run(["defenses", "apply", "rounding", "--input", garbage.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertFalse(bad.stderr.contains("Fatal error"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--input"), bad.stderr)
    }
}
