import XCTest
import Foundation
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// A teacher of one's own (`teacher.file`): a loaded teacher replaces the
/// trained one in every stage, is recorded by its bytes, and every bad file is
/// one clear error.
final class TeacherFileTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("teacher-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// The digits recipe at test size: 2 teacher epochs, 1 student epoch, 200 queries.
    func tiny() -> ExperimentSettings {
        var s = ExperimentSettings.defaults(for: "digits")
        s.teacher.training.epochs = 2
        s.student.training.epochs = 1
        s.attack.budget = 200
        s.evaluation.controls = 4
        return s
    }

    func run(_ s: ExperimentSettings, _ name: String?, cache: ExperimentCache? = nil,
             stages: UnsafeMutablePointer<[String]>? = nil) throws -> (result: ExperimentResult, dir: RunDirectory?) {
        let dir = try name.map { try RunDirectory.create(under: root, name: $0) }
        let r = try Experiment(settings: s).run(directory: dir, cache: cache) { e in
            if case let .stage(text) = e { stages?.pointee.append(text) }
        }
        return (r, dir)
    }

    /// A result without its timings, for equality across runs.
    func untimed(_ results: [ModelResult]?) -> [ModelResult]? {
        results?.map { var m = $0; m.trainSeconds = 0; return m }
    }

    func record(_ dir: RunDirectory) throws -> RunRecord {
        try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.file("settings.json")))
    }

    /// `sha256sum`'s digest: an implementation independent of the lab's.
    func sha256sum(_ url: URL) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [url.path]
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    /// The teacher saved by a run, served again: the same teacher accuracy and
    /// checkpoint bytes, and, since every student stream derives from (seed,
    /// purpose) and the students see only the teacher's answers, the same
    /// students, baseline, defense costs and canary verdicts, down to the bytes.
    func testATeacherSavedByARunServesExactlyAsItDidAndTheStudentsRepeat() throws {
        var s = tiny()
        s.defense.responses = [try ComponentSpec(parsing: "adaptive-misinformation:epochs=1"), try ComponentSpec(parsing: "keyed-canary:rate=0.05")]
        s.data.normalize = .standardize  // both runs fit it on the same teacher split: the teacher sees what it trained on
        let (first, a) = try run(s, "trained")
        let trainedTeacher = a!.file("teacher.safetensors")

        var again = s
        again.teacher.file = trainedTeacher.path
        var stages: [String] = []
        let (second, b) = try run(again, "loaded", stages: &stages)
        let dir = try XCTUnwrap(b)

        XCTAssertEqual(second.teacher.testAccuracy, first.teacher.testAccuracy)
        XCTAssertEqual(second.teacher.validationAccuracy, first.teacher.validationAccuracy)
        XCTAssertEqual(second.teacher.architecture, "64-256-128-10")
        XCTAssertEqual(second.teacher.objective, "loaded")
        XCTAssertEqual([second.teacher.epochs, second.teacher.trainExamples], [0, 0], "not trained")
        XCTAssertEqual(try Data(contentsOf: dir.file("teacher.safetensors")), try Data(contentsOf: trainedTeacher))

        XCTAssertEqual(untimed(second.students), untimed(first.students))
        XCTAssertEqual(untimed(second.undefendedBaseline), untimed(first.undefendedBaseline))
        XCTAssertNotNil(second.undefendedBaseline)
        XCTAssertEqual(second.defensiveImpact, first.defensiveImpact)
        XCTAssertEqual(second.defense?.benignUtility, first.defense?.benignUtility)
        XCTAssertEqual(second.canaries, first.canaries)
        XCTAssertEqual(second.queriesUsed, first.queriesUsed)
        for role in ["student-soft", "student-label", "student-reference"] {
            XCTAssertEqual(try Data(contentsOf: dir.file("\(role).safetensors")), try Data(contentsOf: a!.file("\(role).safetensors")), role)
        }
        XCTAssertEqual(try Data(contentsOf: dir.file("canary-log.json")), try Data(contentsOf: a!.file("canary-log.json")))

        // settings.json: the settings as given, and the file by path, hash and architecture.
        let rec = try record(dir)
        XCTAssertEqual(rec.settings, try again.resolved())
        let file = try XCTUnwrap(rec.teacherFile)
        XCTAssertEqual(file.path, trainedTeacher.path)
        XCTAssertEqual(file.absolutePath, trainedTeacher.standardizedFileURL.path)
        XCTAssertEqual(file.sha256, try sha256sum(trainedTeacher))
        XCTAssertEqual(file.bytes, try Data(contentsOf: trainedTeacher).count)
        XCTAssertEqual(file.architecture, "64-256-128-10")
        XCTAssertEqual(file.hidden, [256, 128])
        XCTAssertNil(try record(a!).teacherFile, "a trained teacher records no file")
        // No teacher stream drawn, no teacher epoch logged.
        XCTAssertEqual(rec.streams?.contains("teacherInit"), false)
        XCTAssertEqual(rec.streams?.contains("teacherShuffle"), false)
        let lines = try String(contentsOf: dir.file("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertFalse(lines.contains { $0.contains("\"model\":\"teacher\"") }, "\(lines.prefix(2))")
        XCTAssertTrue(stages.contains { $0.hasPrefix("loaded teacher 64-256-128-10 from") }, "\(stages)")
        XCTAssertFalse(stages.contains { $0.hasPrefix("training teacher") }, "\(stages)")
        // The epochs differ from the recipe and no nasty teacher uses them: a note says they are unused.
        XCTAssertTrue(stages.contains { $0.contains("teacher.training and teacher.initialization are not used") }, "\(stages)")
    }

    /// The run's test split, as the experiment draws it.
    func digitsTestSplit(seed: UInt64 = 0) throws -> Dataset {
        let (train, test) = try DataSource(parsing: "digits").load()
        return try DataSplits.make(train: train, test: test, fractions: ExperimentSettings.defaults().data.fractions, seed: seed).test
    }

    /// A teacher of widths no recipe has (64-7-10) is served as it is, its
    /// architecture recorded, its accuracy measured on the run's test split;
    /// defenses fitted on the teacher and the nasty teacher take its widths.
    func testATeacherOfOtherWidthsIsServedAndItsArchitectureRecorded() throws {
        var rng = RandomStream(seed: 11, purpose: .teacherInit)
        let model = MLP(sizes: [64, 7, 10], initialization: .he, rng: &rng)
        let url = root.appendingPathComponent("narrow.safetensors")
        try model.save(to: url, metadata: ["role": "teacher"])

        var s = tiny()
        s.teacher.file = url.path
        s.teacher.hidden = [7]  // the file's own widths: allowed
        s.defense.responses = [try ComponentSpec(parsing: "mad:surrogate=trained,surrogate-epochs=1")]
        let (r, dir) = try run(s, "narrow")
        XCTAssertEqual(r.teacher.architecture, "64-7-10")
        let test = try digitsTestSplit()
        XCTAssertEqual(r.teacher.testAccuracy, Metrics.accuracy(model.predictions(test.features), test.labels))
        XCTAssertEqual(r.students.map(\.architecture), ["64-32-10", "64-32-10", "64-32-10"])
        XCTAssertNotNil(r.undefendedBaseline)
        let rec = try record(try XCTUnwrap(dir))
        XCTAssertEqual(rec.teacherFile?.architecture, "64-7-10")
        XCTAssertEqual(rec.teacherFile?.hidden, [7])
        XCTAssertEqual(try MLP.load(from: dir!.file("teacher.safetensors")).model.sizes, [64, 7, 10])

        // The nasty teacher is trained against the loaded one, with its widths (teacher.hidden left at the recipe's).
        var nasty = tiny()
        nasty.teacher.file = url.path
        nasty.defense.nastyTeacher = NastyTeacherSettings()
        nasty.evaluation.undefendedBaseline = false
        let n = try run(nasty, nil).result
        XCTAssertEqual(n.teacher.architecture, "64-7-10")
        XCTAssertTrue(n.teacher.objective.hasPrefix("nasty"), n.teacher.objective)
        XCTAssertEqual(n.defense?.benignUtility.cleanAccuracy, r.teacher.testAccuracy, "honest users' clean answers are the loaded teacher's")
    }

    func message(_ s: ExperimentSettings) -> String {
        do { _ = try Experiment(settings: s).run(); return "(no error)" } catch {
            XCTAssertTrue(error is ExperimentError, "\(type(of: error)): \(error)")
            return "\(error)"
        }
    }

    func message(file: String, hidden: [Int]? = nil) -> String {
        var s = tiny()
        s.teacher.file = file
        if let hidden { s.teacher.hidden = hidden }
        return message(s)
    }

    func assertMessage(_ text: String, contains needles: [String], file: StaticString = #filePath, line: UInt = #line) {
        for n in needles { XCTAssertTrue(text.contains(n), "'\(n)' not in: \(text)", file: file, line: line) }
        XCTAssertTrue(text.hasPrefix("teacher.file (--teacher)"), text, file: file, line: line)
    }

    func save(_ sizes: [Int], _ name: String, edit: (MLP) -> Void = { _ in }) throws -> String {
        var rng = RandomStream(seed: 1, purpose: .teacherInit)
        let m = MLP(sizes: sizes, initialization: .he, rng: &rng)
        edit(m)
        let url = root.appendingPathComponent(name)
        try m.save(to: url)
        return url.path
    }

    /// Every bad file, and a teacher.hidden that contradicts it, is one
    /// `ExperimentError` naming `teacher.file`, the problem and the fix.
    func testEveryBadTeacherFileIsOneClearError() throws {
        let missing = root.appendingPathComponent("nope.safetensors").path
        assertMessage(message(file: missing), contains: [missing, "no such file"])
        assertMessage(message(file: ""), contains: ["is empty"])
        assertMessage(message(file: root.path), contains: ["is a folder", "teacher.safetensors"])

        let text = root.appendingPathComponent("notes.safetensors")
        try "these are not weights\n".write(to: text, atomically: true, encoding: .utf8)
        assertMessage(message(file: text.path), contains: ["not a usable safetensors file", text.path])

        let good = try save([64, 7, 10], "good.safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = root.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        assertMessage(message(file: cut.path), contains: ["not a usable safetensors file", "truncated"])

        let other = root.appendingPathComponent("other.safetensors")
        try SafeTensors.write(["weight": SafeTensor(shape: [10, 64], values: [Float](repeating: 0, count: 640))], to: other)
        assertMessage(message(file: other.path), contains: ["not an MLP checkpoint", "layers.0.weight"])

        let empty = root.appendingPathComponent("empty-layer.safetensors")
        try SafeTensors.write(["layers.0.weight": SafeTensor(shape: [0, 64], values: []), "layers.0.bias": SafeTensor(shape: [0], values: [])], to: empty)
        assertMessage(message(file: empty.path), contains: ["zero width"])

        assertMessage(message(file: try save([10, 5, 10], "ten-inputs.safetensors")), contains: ["takes 10 inputs", "64 features"])
        assertMessage(message(file: try save([64, 5, 3], "three-classes.safetensors")), contains: ["3 outputs", "10 classes"])
        assertMessage(message(file: good, hidden: [32]), contains: ["teacher.hidden", "[32]", "contradicts", "[7]"])
        assertMessage(message(file: try save([64, 7, 10], "nan.safetensors") { $0.parameters.storage[3] = .nan }),
                      contains: ["layers.0.weight", "NaN"])

        let tanh = root.appendingPathComponent("tanh.safetensors")
        try SafeTensors.write(try MLP.load(from: URL(fileURLWithPath: good)).model.namedTensors(), metadata: ["activation": "tanh"], to: tanh)
        assertMessage(message(file: tanh.path), contains: ["'tanh'", "ReLU"])

        // An absurd layer (10 million wide: 10.4 GB to hold) is refused from the header alone: the
        // file's 1.3 GB of data are a hole, never read.
        let n = 10_000_000
        let header = "{\"layers.0.bias\":{\"dtype\":\"F16\",\"shape\":[\(n)],\"data_offsets\":[0,\(2 * n)]},"
            + "\"layers.0.weight\":{\"dtype\":\"F16\",\"shape\":[\(n),64],\"data_offsets\":[\(2 * n),\(2 * n + 128 * n)]}}"
        let huge = root.appendingPathComponent("huge.safetensors")
        var prefix = Data(count: 8)
        prefix.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(header.utf8.count).littleEndian, as: UInt64.self) }
        try (prefix + Data(header.utf8)).write(to: huge)
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: UInt64(8 + header.utf8.count + 130 * n))
        try handle.close()
        let started = Date()
        assertMessage(message(file: huge.path), contains: ["would need", "the limit is 8.0 GiB", "smaller teacher"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "refused before reading the weights")

        if getuid() != 0 {  // root reads any file
            let locked = try save([64, 7, 10], "locked.safetensors")
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
            assertMessage(message(file: locked), contains: ["cannot be read"])
        }
    }

    final class MemoryCache: ExperimentCache {
        var teachers: [String: CachedTraining] = [:], baselines: [String: CachedTraining] = [:]
        var baselineHits = 0
        func teacher(for key: String) throws -> CachedTraining? { teachers[key] }
        func storeTeacher(_ t: CachedTraining, for key: String) throws { teachers[key] = t }
        func baseline(for key: String) throws -> CachedTraining? { baselines[key].map { baselineHits += 1; return $0 } }
        func storeBaseline(_ t: CachedTraining, for key: String) throws { baselines[key] = t }
    }

    /// The cache never hands a trained teacher to a run with a file, and keys
    /// a loaded teacher's baseline by the file's bytes: the same bytes at
    /// another path share it, other bytes at the same path never do.
    func testTheCacheKeysALoadedTeacherByItsBytesNotItsPathOrTheRecipe() throws {
        var s = tiny()
        s.defense.responses = [try ComponentSpec(parsing: "rounding:decimals=1")]
        let cache = MemoryCache()
        let (trained, a) = try run(s, "trained", cache: cache)
        XCTAssertEqual([cache.teachers.count, cache.baselines.count], [1, 1])

        let copy = root.appendingPathComponent("copy.safetensors"), elsewhere = root.appendingPathComponent("elsewhere.safetensors")
        try FileManager.default.copyItem(at: a!.file("teacher.safetensors"), to: copy)
        try FileManager.default.copyItem(at: copy, to: elsewhere)
        var f = s
        f.teacher.file = copy.path
        let loaded = try run(f, nil, cache: cache).result
        XCTAssertEqual(cache.teachers.count, 1, "a loaded teacher is not cached")
        XCTAssertEqual(cache.baselines.count, 2, "nor does it reuse the trained teacher's baseline")
        XCTAssertEqual(untimed(loaded.undefendedBaseline), untimed(trained.undefendedBaseline), "same bytes, same baseline")

        var g = f
        g.teacher.file = elsewhere.path
        g.teacher.training.epochs = 9  // a recipe the loaded teacher ignores
        _ = try run(g, nil, cache: cache)
        XCTAssertEqual(cache.baselines.count, 2, "same bytes under another path and recipe share the baseline")
        XCTAssertEqual(cache.baselineHits, 1)
        XCTAssertEqual(f.baselineCacheKey(teacherFileSHA256: "ab"), g.baselineCacheKey(teacherFileSHA256: "ab"))
        XCTAssertNotEqual(f.baselineCacheKey(teacherFileSHA256: "ab"), f.baselineCacheKey(teacherFileSHA256: "cd"))
        XCTAssertEqual(s.baselineCacheKey(teacherFileSHA256: nil), s.baselineCacheKey)

        // Other bytes at the same path: a new baseline, equal to one computed without a cache.
        _ = try save([64, 7, 10], "narrow.safetensors")
        try FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: root.appendingPathComponent("narrow.safetensors"), to: copy)
        let changed = try run(f, nil, cache: cache).result
        XCTAssertEqual(cache.baselines.count, 3)
        XCTAssertEqual(changed.teacher.architecture, "64-7-10")
        XCTAssertEqual(untimed(changed.undefendedBaseline), untimed(try run(f, nil).result.undefendedBaseline))
        XCTAssertNotEqual(untimed(changed.undefendedBaseline), untimed(trained.undefendedBaseline))
    }
}
