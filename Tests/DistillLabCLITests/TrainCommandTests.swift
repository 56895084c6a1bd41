import XCTest
import Foundation
import DistillLab
import DistillNN

/// `distill-lab train` end to end: the built binary on the shipped digits.
final class TrainCommandTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests at \(DistillLabBinary.url.path)")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testDefaultRunMeetsAccuracyThresholdsAndWritesTheRunDirectory() throws {
        let r = try DistillLabBinary.run(["train", "--output", root.path, "--run-name", "default", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "--quiet prints nothing on stderr")
        XCTAssertTrue(r.stdout.contains("student-soft"), r.stdout)
        XCTAssertTrue(r.stdout.contains("run directory: \(root.path)/default"), r.stdout)
        let dir = root.appendingPathComponent("default")
        let result = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: dir.appendingPathComponent("results.json")))
        XCTAssertEqual(result.dataset, "digits")
        XCTAssertGreaterThanOrEqual(result.teacher.testAccuracy, 0.95, "teacher on the embedded digits")
        XCTAssertGreaterThanOrEqual(result.student("student-soft")!.testAccuracy, 0.92)
        XCTAssertGreaterThanOrEqual(result.student("student-label")!.testAccuracy, 0.90)
        XCTAssertGreaterThanOrEqual(result.student("student-soft")!.fidelity!, 0.93)
        XCTAssertEqual(result.queriesUsed["attacker"], result.queryBudget)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        for f in ["settings.json", "metrics.jsonl", "results.json", "teacher.safetensors", "student-soft.safetensors",
                  "student-label.safetensors", "student-reference.safetensors"] {
            XCTAssertTrue(files.contains(f), "missing \(f)")
        }
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("settings.json")))
        XCTAssertEqual(record.settings, ExperimentSettings.defaults(for: "digits"))
        XCTAssertFalse(record.environment.blasCore.isEmpty)
        // A student checkpoint loads and has the student architecture.
        let (student, _) = try MLP.load(from: dir.appendingPathComponent("student-soft.safetensors"))
        XCTAssertEqual(student.sizes, [64, 32, 10])
    }

    func testJSONOutputSameSeedIsIdenticalAndRunsAreNeverOverwritten() throws {
        let args = ["train", "--output", root.path, "--run-name", "r", "--json", "-q",
                    "--teacher-epochs", "10", "--student-epochs", "20", "--seed", "7"]
        let a = try DistillLabBinary.run(args)
        let b = try DistillLabBinary.run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        let ra = try JSONDecoder().decode(ExperimentResult.self, from: Data(a.stdout.utf8))
        let rb = try JSONDecoder().decode(ExperimentResult.self, from: Data(b.stdout.utf8))
        XCTAssertEqual(ra.teacher.testAccuracy, rb.teacher.testAccuracy)
        XCTAssertEqual(ra.students.map(\.testAccuracy), rb.students.map(\.testAccuracy))
        // Bit-identical checkpoints, and the second run went to r-2.
        let t1 = try Data(contentsOf: root.appendingPathComponent("r/teacher.safetensors"))
        let t2 = try Data(contentsOf: root.appendingPathComponent("r-2/teacher.safetensors"))
        XCTAssertEqual(t1, t2)
        let s1 = try Data(contentsOf: root.appendingPathComponent("r/student-soft.safetensors"))
        let s2 = try Data(contentsOf: root.appendingPathComponent("r-2/student-soft.safetensors"))
        XCTAssertEqual(s1, s2)
    }

    /// Pinned mode runs OpenBLAS's Haswell kernels whatever the CPU picks, records
    /// it, and gives the same numbers as asking OpenBLAS for Haswell directly.
    func testPinnedBLASModeUsesAndRecordsTheHaswellKernels() throws {
        let args = ["train", "--no-save", "--json", "-q", "--teacher-epochs", "3", "--student-epochs", "3", "--seed", "3"]
        let pinned = try DistillLabBinary.run(args, environment: ["DISTILL_LAB_BLAS": "pinned"])
        XCTAssertEqual(pinned.status, 0, pinned.stderr)
        let r = try JSONDecoder().decode(ExperimentResult.self, from: Data(pinned.stdout.utf8))
        XCTAssertEqual(r.environment.blasCore, "Haswell")
        XCTAssertEqual(r.environment.blasMode, "pinned")
        let direct = try DistillLabBinary.run(args, environment: ["OPENBLAS_CORETYPE": "Haswell"])
        let d = try JSONDecoder().decode(ExperimentResult.self, from: Data(direct.stdout.utf8))
        XCTAssertEqual(d.environment.blasMode, "OPENBLAS_CORETYPE=Haswell")
        XCTAssertEqual(d.teacher.testAccuracy, r.teacher.testAccuracy)
        XCTAssertEqual(d.students.map(\.testAccuracy), r.students.map(\.testAccuracy))

        let bad = try DistillLabBinary.run(args, environment: ["DISTILL_LAB_BLAS": "fastest"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("not a BLAS mode") && bad.stderr.contains("pinned"), bad.stderr)
        let clash = try DistillLabBinary.run(args, environment: ["DISTILL_LAB_BLAS": "pinned", "OPENBLAS_CORETYPE": "Zen"])
        XCTAssertEqual(clash.status, 2)
        XCTAssertTrue(clash.stderr.contains("OPENBLAS_CORETYPE"), clash.stderr)
    }

    func testProgressGoesToStandardErrorUnlessQuiet() throws {
        let r = try DistillLabBinary.run(["train", "--no-save", "--teacher-epochs", "3", "--student-epochs", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("training teacher 64-256-128-10"), r.stderr)
        XCTAssertTrue(r.stderr.contains("student-label 64-32-10: test accuracy"), r.stderr)
        XCTAssertFalse(r.stdout.contains("run directory"))
    }

    func assertFails(_ args: [String], mentioning needles: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try DistillLabBinary.run(args + ["--output", root.appendingPathComponent("bad").path])
        XCTAssertNotEqual(r.status, 0, "expected failure for \(args)", file: file, line: line)
        for n in needles {
            XCTAssertTrue(r.stderr.contains(n), "stderr lacks '\(n)':\n\(r.stderr)", file: file, line: line)
        }
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
    }

    func testBadInputGetsOneClearError() throws {
        try assertFails(["train", "--budget", "100000"], mentioning: ["budget", "pool"])
        try assertFails(["train", "--dataset", "mnist-typo"], mentioning: ["mnist-typo", "digits", "fashion-mnist"])
        try assertFails(["train", "--teacher-epochs", "0"], mentioning: ["--teacher-epochs", "positive"])
        try assertFails(["train", "--teacher-hidden", "512,x"], mentioning: ["--teacher-hidden"])
        try assertFails(["train", "--alpha", "2"], mentioning: ["--alpha"])
        try assertFails(["train", "--threads", "0"], mentioning: ["--threads"])
        try assertFails(["train", "--no-such-flag"], mentioning: ["no-such-flag"])
        // A run name stays inside --output: nothing is written beside it.
        try assertFails(["train", "--run-name", "../outside"], mentioning: ["run name '../outside' must be a plain folder name inside --output"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("outside").path))
        // A ragged CSV names the file and the line.
        let csv = root.appendingPathComponent("ragged.csv")
        try "a,b,label\n1,2,0\n3,1\n".write(to: csv, atomically: true, encoding: .utf8)
        try assertFails(["train", "--dataset", csv.path], mentioning: ["ragged.csv:3", "2 fields", "header has 3"])
        // A truncated IDX folder.
        let idx = root.appendingPathComponent("idx")
        try FileManager.default.createDirectory(at: idx, withIntermediateDirectories: true)
        try Data([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2]).write(to: idx.appendingPathComponent("train-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 2, 3, 4]).write(to: idx.appendingPathComponent("train-labels-idx1-ubyte"))
        try assertFails(["train", "--dataset", idx.path], mentioning: ["train-images-idx3-ubyte", "truncated"])
    }

    /// A bad --feature-scale used to be blamed on the first override ("override `seed=2`: …").
    func testBadFeatureScaleIsBlamedOnTheFlagNotAnOverride() throws {
        for value in ["nan", "0", "inf"] {
            let r = try DistillLabBinary.run(["train", "--feature-scale", value, "seed=2", "--no-save"])
            XCTAssertNotEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("--feature-scale"), r.stderr)
            XCTAssertFalse(r.stderr.contains("seed=2"), r.stderr)
        }
    }

    /// A 48 KB gzip of 50 MB of NUL bytes took 40-100 s and printed megabytes; now it is refused at once in one short line.
    func testBinaryDatasetAndDeepOverrideGiveShortMessagesFast() throws {
        let gz = root.appendingPathComponent("zeros.csv.gz")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "head -c 50000000 /dev/zero | gzip -c > '\(gz.path)'"]
        try gzip.run(); gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw XCTSkip("no gzip to make the test file") }
        let start = Date()
        let r = try DistillLabBinary.run(["train", "--dataset", gz.path, "--no-save"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("binary data, not CSV"), String(r.stderr.prefix(500)))
        XCTAssertLessThan(r.stderr.utf8.count, 1_000, String(r.stderr.prefix(500)))
        let deep = "teacher.hidden=" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let o = try DistillLabBinary.run(["train", deep, "--no-save"])
        XCTAssertNotEqual(o.status, 0)
        XCTAssertLessThan(o.stderr.utf8.count, 1_000, String(o.stderr.prefix(500)))
    }

    /// `train` and `sweep` on a read-only volume (a tmpfs mounted read-only in a user and mount
    /// namespace, so it works as root too): one sentence with the reason and the fix.
    func testReadOnlyVolumeIsOneSentenceNotAnNSErrorDump() throws {
        let volume = root.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        func onReadOnlyVolume(_ arguments: [String]) throws -> CommandResult {
            let command = "mount -t tmpfs -o ro tmpfs '\(volume.path)' && exec '\(DistillLabBinary.url.path)' " + arguments.map { "'\($0)'" }.joined(separator: " ")
            return try DistillLabBinary.runProgram("/usr/bin/unshare", ["-rm", "sh", "-c", command])
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { throw XCTSkip("no /usr/bin/unshare") }
        let probe = try onReadOnlyVolume(["--version"])
        guard probe.status == 0 else { throw XCTSkip("no user and mount namespaces here: \(probe.stderr)") }
        let quick = ["--teacher-epochs", "1", "--student-epochs", "1", "-q"]
        for (arguments, folder) in [(["train", "--output", volume.path] + quick, volume.path),
                                    (["train", "--output", volume.appendingPathComponent("runs").path] + quick, volume.appendingPathComponent("runs").path),
                                    (["sweep", "seeds=0", "--output", volume.appendingPathComponent("sweep").path, "-q"], volume.appendingPathComponent("sweep").path),
                                    (["sweep", "seeds=0", "--output", volume.path, "-q"], volume.path)] {
            let r = try onReadOnlyVolume(arguments)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("Error: cannot create ") && r.stderr.contains(folder), r.stderr)
            XCTAssertTrue(r.stderr.contains("Read-only file system; choose a writable --output"), r.stderr)
            XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain") || r.stderr.contains("NSUnderlyingError"), r.stderr)
        }
    }

    /// A CSV of two features of scale ~1000 and one of ~0.001 (the label's).
    func writeUnscaledCSV() throws -> String {
        var text = "area,perimeter,smoothness,label\n"
        for i in 0..<200 {
            let label = i % 5 < 3 ? 0 : 1
            text += "\(900 + (i * 37) % 400),\(500 + (i * 53) % 300),\(Double(label) * 0.001 + Double(i % 7) * 0.00002),\(label)\n"
        }
        let csv = root.appendingPathComponent("cells.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        return csv.path
    }

    /// `--normalize` reaches the run (settings.json, normalization.json); a bad word is one
    /// error listing the choices; the [0, 1] warning is one stderr line, also with --quiet.
    func testNormalizeFlagAndTheInputRangeWarning() throws {
        let csv = try writeUnscaledCSV()
        // Adam: SGD at the recipe's rate diverges on the unscaled features.
        let quick = ["--teacher-hidden", "16", "--student-hidden", "8", "--teacher-epochs", "2", "--student-epochs", "1",
                     "--optimizer", "adam", "--teacher-lr", "0.01", "--student-lr", "0.01"]
        let r = try DistillLabBinary.run(["train", "--dataset", csv, "--normalize", "minmax", "--attack", "jacobian:seed-size=10,rounds=1",
                                          "--output", root.path, "--run-name", "minmax", "-q"] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "minmax puts the teacher's features in [0, 1]: no warning")
        let dir = root.appendingPathComponent("minmax")
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("settings.json")))
        XCTAssertEqual(record.settings.data.normalize, .minmax)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("normalization.json").path))
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("config.yaml"), encoding: .utf8).contains("normalize: minmax"))

        let warned = try DistillLabBinary.run(["train", "--dataset", csv, "--attack", "jacobian:seed-size=10,rounds=1",
                                               "--output", root.path, "--run-name", "raw", "-q"] + quick)
        XCTAssertEqual(warned.status, 0, warned.stderr)
        let lines = warned.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, warned.stderr)
        XCTAssertTrue(warned.stderr.hasPrefix("warning: the teacher's training features span ["), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("`jacobian` keeps its queries in [0, 1]") && warned.stderr.contains("data.normalize: minmax")
                      && warned.stderr.contains("--feature-scale"), warned.stderr)
        let result = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: root.appendingPathComponent("raw/results.json")))
        XCTAssertEqual(result.warnings, [String(lines[0].dropFirst("warning: ".count))])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("raw/normalization.json").path))

        try assertFails(["train", "--dataset", csv, "--normalize", "maybe"], mentioning: ["--normalize", "none", "minmax", "standardize"])
        let help = try DistillLabBinary.run(["train", "--help"])
        XCTAssertTrue(help.stdout.contains("--normalize <none|minmax|standardize>"), help.stdout)
    }

    /// `--teacher RUN/teacher.safetensors` serves an earlier run's teacher: same teacher and students,
    /// the table says it was not trained, and a file that is no model is one error line.
    func testTeacherFlagServesAnEarlierRunsTeacher() throws {
        let quick = ["--teacher-epochs", "2", "--student-epochs", "2", "--budget", "200", "-q"]
        let first = try DistillLabBinary.run(["train", "--output", root.path, "--run-name", "a", "--json"] + quick)
        XCTAssertEqual(first.status, 0, first.stderr)
        let teacher = root.appendingPathComponent("a/teacher.safetensors").path
        let again = try DistillLabBinary.run(["train", "--output", root.path, "--run-name", "b", "--teacher", teacher,
                                              "--student-epochs", "2", "--budget", "200", "-q"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("loaded"), again.stdout)
        XCTAssertTrue(again.stdout.contains("— (not trained)"), again.stdout)
        let a = try JSONDecoder().decode(ExperimentResult.self, from: Data(first.stdout.utf8))
        let b = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: root.appendingPathComponent("b/results.json")))
        XCTAssertEqual(b.teacher.testAccuracy, a.teacher.testAccuracy)
        XCTAssertEqual(b.students.map(\.testAccuracy), a.students.map(\.testAccuracy))
        XCTAssertEqual(b.students.map(\.fidelity), a.students.map(\.fidelity))
        XCTAssertEqual(try Data(contentsOf: root.appendingPathComponent("b/teacher.safetensors")), try Data(contentsOf: URL(fileURLWithPath: teacher)))

        let notes = root.appendingPathComponent("notes.txt")
        try "not a model\n".write(to: notes, atomically: true, encoding: .utf8)
        try assertFails(["train", "--teacher", notes.path], mentioning: ["teacher.file (--teacher)", "not a usable safetensors file", notes.path])
        try assertFails(["train", "--teacher", teacher, "--teacher-hidden", "64"], mentioning: ["--teacher-hidden cannot be combined with --teacher"])
    }

    func testDivergenceStopsWithAMessage() throws {
        try assertFails(["train", "--teacher-lr", "100000", "--schedule", "constant"], mentioning: ["diverged", "learning rate"])
        // Adam's loss at 1e9 stays finite (~1e29): stopped by the explosion rule, not run to the end.
        try assertFails(["train", "--optimizer", "adam", "--teacher-lr", "1e9"], mentioning: ["diverged", "more than 1000× its starting value", "Adam"])
        try assertFails(["train", "--optimizer", "adam", "--student-lr", "1e9", "--teacher-epochs", "1"], mentioning: ["diverged", "Adam"])
        // The incomplete run folder is reported and holds no results.json.
        let bad = root.appendingPathComponent("bad")
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: bad.path)) ?? []
        for r in runs {
            XCTAssertFalse(FileManager.default.fileExists(atPath: bad.appendingPathComponent(r).appendingPathComponent("results.json").path))
        }
    }
}

/// The headline numbers on Fashion-MNIST (skipped where Debian's
/// dataset-fashion-mnist is not installed; `.ci/install-deps` installs it).
final class FashionMNISTEndToEndTests: XCTestCase {
    func testTeacherAndSoftStudentReachTheirAccuracyTargets() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
                || ProcessInfo.processInfo.environment["FASHION_MNIST_DIR"] != nil else {
            throw XCTSkip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        }
        let r = try DistillLabBinary.run(["train", "--dataset", "fashion-mnist", "--no-save", "--json", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let result = try JSONDecoder().decode(ExperimentResult.self, from: Data(r.stdout.utf8))
        XCTAssertEqual([result.splits.teacherTrain, result.splits.validation, result.splits.attackerPool, result.splits.test],
                       [35_000, 5_000, 20_000, 10_000])
        XCTAssertEqual(result.queriesUsed["attacker"], 20_000)
        XCTAssertGreaterThanOrEqual(result.teacher.testAccuracy, 0.88)
        XCTAssertGreaterThanOrEqual(result.student("student-soft")!.testAccuracy, 0.84)
        XCTAssertGreaterThanOrEqual(result.student("student-label")!.testAccuracy, 0.82)
    }
}
