import XCTest
import DistillCore
import DistillNN
import DistillLab

/// The foundation experiment on the shipped digits, driven from Swift.
final class ExperimentTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID().uuidString)")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// The digits recipe, shortened for test time.
    func quickSettings(seed: UInt64 = 0) -> ExperimentSettings {
        var s = ExperimentSettings.defaults(for: "digits")
        s.seed = seed
        s.teacher.training.epochs = 15
        s.student.training.epochs = 30
        return s
    }

    func testRunWritesEveryArtifactAndCheckpointsReproducePredictions() throws {
        let dir = try RunDirectory.create(under: root, name: "run")
        var stages: [String] = []
        let result = try Experiment(settings: quickSettings()).run(directory: dir) { e in
            if case let .stage(s) = e { stages.append(s) }
        }
        XCTAssertGreaterThanOrEqual(result.teacher.testAccuracy, 0.93)
        XCTAssertEqual(result.students.map(\.role), ["student-soft", "student-label", "student-reference"])
        XCTAssertEqual(result.queriesUsed, ["attacker": 400])
        XCTAssertEqual(result.splits.test + result.splits.teacherTrain + result.splits.validation + result.splits.attackerPool, 1797)
        XCTAssertEqual(result.teacher.selection, .bestValidation)
        XCTAssertTrue(stages.contains { $0.contains("attacker (random) querying the oracle") }, "\(stages)")

        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.url.path))
        XCTAssertEqual(files, ["settings.json", "config.yaml", "metrics.jsonl", "results.json", "teacher.safetensors",
                               "student-soft.safetensors", "student-label.safetensors", "student-reference.safetensors"])
        // metrics.jsonl: one line per epoch per model.
        let lines = try String(contentsOf: dir.file("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 15 + 3 * 30)
        let first = try JSONDecoder().decode(EpochLogLine.self, from: Data(lines[0].utf8))
        XCTAssertEqual(first.model, "teacher")
        XCTAssertNotNil(first.metrics.validationAccuracy)
        // results.json decodes to what run() returned; settings.json holds the resolved settings.
        let saved = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: dir.file("results.json")))
        XCTAssertEqual(saved, result)
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.file("settings.json")))
        XCTAssertEqual(record.settings, quickSettings())
        XCTAssertEqual(record.environment.blasThreads, 1)
        XCTAssertEqual(record.streams, ["split", "teacherInit", "teacherShuffle", "studentInit", "studentShuffle", "attack", "defense"])
        // The saved teacher reproduces the reported accuracy.
        let (teacher, meta) = try MLP.load(from: dir.file("teacher.safetensors"))
        XCTAssertEqual(meta["architecture"], "64-256-128-10")
        XCTAssertEqual(teacher.architecture, result.teacher.architecture)
    }

    final class MemoryCache: ExperimentCache {
        var teachers: [String: CachedTraining] = [:], baselines: [String: CachedTraining] = [:]
        func teacher(for key: String) throws -> CachedTraining? { teachers[key] }
        func storeTeacher(_ t: CachedTraining, for key: String) throws { teachers[key] = t }
        func baseline(for key: String) throws -> CachedTraining? { baselines[key] }
        func storeBaseline(_ t: CachedTraining, for key: String) throws { baselines[key] = t }
    }

    /// settings.json lists the streams a run drew from, the same whether its
    /// teacher and baseline came from a cache or not.
    func testSettingsListTheStreamsDrawnWithOrWithoutACache() throws {
        var s = quickSettings()
        s.teacher.training.epochs = 3
        s.student.training.epochs = 3
        s.defense.responses = [try ComponentSpec(parsing: "periodic-signal"), try ComponentSpec(parsing: "rounding:decimals=2")]
        s.evaluation.controls = 4
        let cache = MemoryCache()
        var streams: [[String]] = []
        for name in ["cold", "warm"] {
            let dir = try RunDirectory.create(under: root, name: name)
            _ = try Experiment(settings: s).run(directory: dir, cache: cache)
            let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.file("settings.json")))
            streams.append(try XCTUnwrap(record.streams))
        }
        XCTAssertEqual(cache.teachers.count, 1)
        XCTAssertEqual(streams[0], streams[1])
        XCTAssertEqual(streams[0], ["split", "teacherInit", "teacherShuffle", "studentInit", "studentShuffle", "attack",
                                    "defense", "defense-benign", "canary.periodic-signal",
                                    "control-<i>-data", "control-<i>-init", "control-<i>-shuffle"])
    }

    func testSameSeedAndThreadsGiveIdenticalResults() throws {
        let a = try Experiment(settings: quickSettings(seed: 3)).run()
        let b = try Experiment(settings: quickSettings(seed: 3)).run()
        let c = try Experiment(settings: quickSettings(seed: 4)).run()
        XCTAssertEqual(a.teacher.testAccuracy, b.teacher.testAccuracy)
        XCTAssertEqual(a.teacher.selectedEpoch, b.teacher.selectedEpoch)
        XCTAssertEqual(a.students.map(\.testAccuracy), b.students.map(\.testAccuracy))
        XCTAssertEqual(a.students.map(\.fidelity), b.students.map(\.fidelity))
        XCTAssertNotEqual(a.students.map(\.testAccuracy) + [a.teacher.testAccuracy],
                          c.students.map(\.testAccuracy) + [c.teacher.testAccuracy])
    }

    func testRunDirectoriesAreNeverReused() throws {
        let a = try RunDirectory.create(under: root, name: "same")
        let b = try RunDirectory.create(under: root, name: "same")
        XCTAssertEqual(a.url.lastPathComponent, "same")
        XCTAssertEqual(b.url.lastPathComponent, "same-2")
        try a.write(Data("x".utf8), to: "results.json")
        XCTAssertThrowsError(try a.write(Data("y".utf8), to: "results.json"))
        XCTAssertEqual(try String(contentsOf: a.file("results.json"), encoding: .utf8), "x")
        XCTAssertThrowsError(try RunDirectory.exact(a.url))
    }

    /// A CSV of the user's runs out of the box: a test split carved out (no
    /// official test set) and a budget of one query per pool input.
    func testARecipeFitsACSVWithoutATestSet() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var rng = RandomStream(seed: 5, purpose: .split)
        var text = "x0,x1,x2,label\n"
        for i in 0..<300 {
            let c = i % 2
            text += (0..<3).map { _ in String(format: "%.4f", Double(c) * 0.5 + rng.uniform() * 0.5) }.joined(separator: ",") + ",\(c)\n"
        }
        let csv = root.appendingPathComponent("blobs.csv").path
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        var s = ExperimentSettings.defaults(for: csv)
        XCTAssertEqual([s.data.teacherFraction, s.data.validationFraction, s.data.poolFraction, s.data.testFraction], [0.45, 0.10, 0.25, 0.20])
        XCTAssertEqual(s.attack.budget, 75, "one query per pool input: 300 · 0.25")
        XCTAssertEqual(s.attack.queryBatch, 75)
        s.teacher.training.epochs = 3
        s.student.training.epochs = 3
        let r = try Experiment(settings: s).run()
        XCTAssertEqual(r.splits.test, 60)
        XCTAssertEqual(r.splits.attackerPool, 75)
        XCTAssertEqual(r.attack?.queriesSpent, 75)
        // Fashion-MNIST's recipe is unchanged (official test set, 20,000-input pool).
        let fashion = ExperimentSettings.defaults(for: "fashion-mnist")
        XCTAssertEqual(fashion.attack.budget, 20_000)
        XCTAssertEqual(fashion.data.poolFraction, 20.0 / 60)
    }

    func testImpossibleSettingsFailBeforeTraining() {
        var s = quickSettings()
        s.attack.budget = 5_000
        XCTAssertThrowsError(try Experiment(settings: s).run()) { e in
            guard case .incompatible(component: "random", _)? = e as? AttackError else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("lower the budget (attack.budget, --budget) to at most 449"), "\(e)")
        }
        s = quickSettings(); s.student.training.selection = .bestValidation
        XCTAssertThrowsError(try Experiment(settings: s).run()) { XCTAssertTrue("\($0)".contains("selection 'last'")) }
        s = quickSettings(); s.teacher.training.epochs = 0
        XCTAssertThrowsError(try Experiment(settings: s).run()) { XCTAssertTrue("\($0)".contains("epochs must be positive")) }
        s = quickSettings(); s.data.source = "no-such-data"
        XCTAssertThrowsError(try Experiment(settings: s).run()) { XCTAssertTrue("\($0)".contains("fashion-mnist"), "\($0)") }
        // A 100 KB source name: the error and the "loading …" progress line are cut short (the line was 100 KB).
        s = quickSettings(); s.data.source = String(repeating: "x", count: 100_000)
        var stages: [String] = []
        XCTAssertThrowsError(try Experiment(settings: s).run { if case let .stage(text) = $0 { stages.append(text) } }) {
            XCTAssertLessThan("\($0)".utf8.count, 1_000)
        }
        XCTAssertFalse(stages.isEmpty)
        for text in stages { XCTAssertLessThan(text.utf8.count, 1_000, String(text.prefix(200))) }
    }

    func testDivergingTeacherStopsAndSaysSo() {
        var s = quickSettings()
        s.teacher.training.optimizer.learningRate = 1e5
        s.teacher.training.schedule = .constant
        XCTAssertThrowsError(try Experiment(settings: s).run()) { e in
            guard case .diverged = e as? TrainingError else { return XCTFail("\(e)") }
        }
    }
}
