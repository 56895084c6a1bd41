import XCTest
import DistillCore
import DistillData
import DistillNN
@testable import DistillLab

/// `data.normalize` in a run: fitted on the teacher's split, the oracle's input
/// space, recorded in normalization.json; `none` changes nothing; the warning
/// for attacks that keep their queries in [0, 1].
final class NormalizationTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("norm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// Breast-cancer-like data: two features of scale ~1000 that carry no
    /// signal, and one of scale ~0.001 that decides the label (60 % class 0).
    func unscaledCSV(rows: Int = 400) throws -> String {
        var rng = RandomStream(seed: 11, purpose: .split)
        var text = "area,perimeter,smoothness,label\n"
        for i in 0..<rows {
            let label = i % 5 < 3 ? 0 : 1
            let area = 1000 + 300 * rng.normal(), perimeter = 600 + 150 * rng.normal()
            let smoothness = 0.001 * (Double(label) + 0.25 * rng.normal())
            text += String(format: "%.3f,%.3f,%.7f,%d\n", area, perimeter, smoothness, label)
        }
        let path = root.appendingPathComponent("cells.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A quick recipe for the CSV: the CSV defaults with a small teacher, few
    /// epochs and Adam (the default SGD diverges on unscaled features at once).
    func settings(_ csv: String, normalize: FeatureNormalization) -> ExperimentSettings {
        var s = ExperimentSettings.defaults(for: csv)
        s.data.normalize = normalize
        s.teacher.hidden = [32]
        s.teacher.training.epochs = 12
        s.teacher.training.batchSize = 32
        s.teacher.training.optimizer = OptimizerConfig(kind: .adam, learningRate: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0)
        s.student.hidden = [16]
        s.student.training.epochs = 3
        s.student.training.batchSize = 32
        s.student.training.optimizer = s.teacher.training.optimizer
        return s
    }

    func testUnscaledFeaturesGiveAMajorityClassTeacherAndNormalisingLearns() throws {
        let csv = try unscaledCSV()
        let dir = try RunDirectory.create(under: root, name: "none")
        let s = settings(csv, normalize: .none)
        let none = try Experiment(settings: s).run(directory: dir)
        // The test split is stratified: 60 % of it is class 0. The unscaled teacher answers
        // mostly that, and is no better than always answering it (margins for other BLAS kernels).
        let raw = try DataSplits.make(train: try Dataset.loadCSV(csv), test: nil, fractions: s.data.fractions, seed: s.seed)
        let teacher = try MLP.load(from: dir.file("teacher.safetensors")).model
        let predictions = teacher.predictions(raw.test.features)
        let majority = predictions.filter { $0 == 0 }.count
        XCTAssertGreaterThanOrEqual(Double(majority) / Double(predictions.count), 0.8, "\(predictions)")
        XCTAssertEqual(none.teacher.testAccuracy, Metrics.accuracy(predictions, raw.test.labels), "the oracle's space is the raw one")
        XCTAssertLessThanOrEqual(none.teacher.testAccuracy, 0.65)
        for method in [FeatureNormalization.minmax, .standardize] {
            let r = try Experiment(settings: settings(csv, normalize: method)).run()
            XCTAssertGreaterThan(r.teacher.testAccuracy, 0.9, "\(method) lets the small feature decide")
        }
        // The recipe's own optimizer (SGD 0.05) does not even finish on the unscaled features.
        var sgd = s
        sgd.teacher.training.optimizer = ExperimentSettings.defaults(for: csv).teacher.training.optimizer
        sgd.student.training.optimizer = sgd.teacher.training.optimizer
        XCTAssertThrowsError(try Experiment(settings: sgd).run()) { XCTAssertTrue("\($0)".contains("diverged"), "\($0)") }
        sgd.data.normalize = .minmax
        XCTAssertGreaterThan(try Experiment(settings: sgd).run().teacher.testAccuracy, 0.9)
    }

    func testNormalizationJSONIsWrittenAndReproducesTheOraclesInputs() throws {
        let csv = try unscaledCSV(rows: 200)
        var s = settings(csv, normalize: .minmax)
        s.teacher.training.epochs = 1
        s.student.training.epochs = 1
        let dir = try RunDirectory.create(under: root, name: "minmax")
        let result = try Experiment(settings: s).run(directory: dir)
        let record = try JSONDecoder().decode(NormalizationRecord.self, from: Data(contentsOf: dir.file(RunFiles.normalization)))
        XCTAssertEqual(record.method, .minmax)
        XCTAssertEqual(record.fittedOn, "teacher-train")
        XCTAssertEqual(record.fittedRows, 90, "45 % of 200 rows")
        XCTAssertEqual(record.rawValueScale, 1)
        // The same parameters as fitting the run's own teacher split.
        let raw = try DataSplits.make(train: try Dataset.loadCSV(csv), test: nil, fractions: s.data.fractions, seed: s.seed)
        XCTAssertEqual(record.normalizer, FeatureNormalizer.fit(.minmax, on: raw.teacherTrain))
        XCTAssertEqual(record.shift.count, 3)
        XCTAssertTrue(record.spread.allSatisfy { $0 > 0 })
        // The file puts raw rows into the teacher's input space: the checkpoint's accuracy on
        // the raw test rows rescaled with it is the reported one.
        let teacher = try MLP.load(from: dir.file("teacher.safetensors")).model
        let test = record.normalizer.apply(to: raw.test)
        XCTAssertEqual(Metrics.accuracy(teacher.predictions(test.features), test.labels), result.teacher.testAccuracy)
        let saved = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.file(RunFiles.settings)))
        XCTAssertEqual(saved.settings.data.normalize, .minmax)

        // `none` writes no such file.
        s.data.normalize = .none
        let plain = try RunDirectory.create(under: root, name: "none")
        _ = try Experiment(settings: s).run(directory: plain)
        XCTAssertFalse(FileManager.default.fileExists(atPath: plain.file(RunFiles.normalization).path))
    }

    /// settings.json files from before `data.normalize` existed decode as `none`.
    func testSettingsWithoutTheKeyDecodeAsNone() throws {
        let defaults = ExperimentSettings.defaults(for: "digits")
        var tree = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONCoding.compact(defaults)) as? [String: Any])
        var data = try XCTUnwrap(tree["data"] as? [String: Any])
        XCTAssertEqual(data["normalize"] as? String, "none", "new files record the setting")
        data["normalize"] = nil
        tree["data"] = data
        let old = try JSONDecoder().decode(ExperimentSettings.self, from: JSONSerialization.data(withJSONObject: tree))
        XCTAssertEqual(old, defaults)
        // A run folder published before the setting existed.
        let published = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Notebooks-as-scripts/experiments/digits-baseline.run/settings.json")
        let text = try String(contentsOf: published, encoding: .utf8)
        XCTAssertFalse(text.contains("normalize"))
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(text.utf8))
        XCTAssertEqual(record.settings.data.normalize, .none)
        // An unknown word is refused, not read as none.
        data["normalize"] = "maybe"
        tree["data"] = data
        XCTAssertThrowsError(try JSONDecoder().decode(ExperimentSettings.self, from: JSONSerialization.data(withJSONObject: tree)))
    }

    /// The teacher identity as encoded before `data.normalize` existed.
    struct OldDataSettings: Encodable {
        var source: String, labelColumn: String, featureScale: Float
        var teacherFraction: Double, validationFraction: Double, poolFraction: Double, testFraction: Double
    }
    struct OldTeacherIdentity: Encodable {
        var version: String, seed: UInt64, threads: Int, blasCore: String
        var data: OldDataSettings
        var teacher: TeacherSettings
    }

    func testTeacherCacheKeyIsUnchangedForNoneAndChangesOtherwise() throws {
        for source in ["digits", "fashion-mnist"] {
            let s = ExperimentSettings.defaults(for: source)
            let d = s.data
            let old = OldTeacherIdentity(version: DistillLabVersion.current, seed: s.seed, threads: s.threads, blasCore: BLAS.coreName,
                                         data: OldDataSettings(source: d.source, labelColumn: d.labelColumn, featureScale: d.featureScale,
                                                               teacherFraction: d.teacherFraction, validationFraction: d.validationFraction,
                                                               poolFraction: d.poolFraction, testFraction: d.testFraction),
                                         teacher: s.teacher)
            XCTAssertEqual(s.teacherCacheKey, ExperimentSettings.hash(old), source)
            var minmax = s, standardize = s
            minmax.data.normalize = .minmax
            standardize.data.normalize = .standardize
            XCTAssertEqual(Set([s.teacherCacheKey, minmax.teacherCacheKey, standardize.teacherCacheKey]).count, 3, source)
            XCTAssertNotEqual(s.baselineCacheKey, minmax.baselineCacheKey, source)
        }
    }

    /// One warning line (event and results.json) exactly when the teacher's
    /// features leave [0, 1] and the attack keeps its queries there.
    func testWarningOnlyWhenFeaturesLeaveTheRangeAnAttackClipsTo() throws {
        let csv = try unscaledCSV(rows: 200)
        func run(_ normalize: FeatureNormalization, attack: String, counters: [String] = []) throws -> (events: [String], result: ExperimentResult) {
            var s = settings(csv, normalize: normalize)
            s.teacher.training.epochs = 1
            s.student.training.epochs = 1
            s.attack.strategy = try AttackSpec(parsing: attack)
            s.attack.counters = try counters.map { try AttackSpec(parsing: $0) }
            var warnings: [String] = []
            let r = try Experiment(settings: s).run { if case let .warning(w) = $0 { warnings.append(w) } }
            return (warnings, r)
        }
        let unscaled = try run(.none, attack: "jacobian:seed-size=20,rounds=1")
        XCTAssertEqual(unscaled.events.count, 1)
        XCTAssertEqual(unscaled.result.warnings, unscaled.events)
        let line = try XCTUnwrap(unscaled.events.first)
        XCTAssertTrue(line.contains("`jacobian` keeps its queries in [0, 1]"), line)
        XCTAssertTrue(line.contains("data.normalize: none"), line)
        XCTAssertTrue(line.contains("set data.normalize: minmax"), line)
        XCTAssertTrue(line.contains("--feature-scale"), line)
        XCTAssertFalse(line.contains("\n"))

        // Standardised features are negative too: still outside; noise in [0, 1] is named as well.
        let standardized = try run(.standardize, attack: "ood:source=noise")
        XCTAssertEqual(standardized.events.count, 1)
        XCTAssertTrue(standardized.events[0].contains("`ood`"), standardized.events[0])
        XCTAssertTrue(standardized.events[0].contains("data.normalize: standardize"), standardized.events[0])

        // No warning: minmax puts the teacher split in [0, 1]; random queries natural rows.
        for (normalize, attack) in [(FeatureNormalization.minmax, "jacobian:seed-size=20,rounds=1"), (.minmax, "ood:source=noise"), (.none, "random")] {
            let quiet = try run(normalize, attack: attack)
            XCTAssertEqual(quiet.events, [], "\(normalize) \(attack)")
            XCTAssertNil(quiet.result.warnings, "\(normalize) \(attack)")
        }
        // The digits lie in [0, 1]: jacobian is fine there.
        var digits = ExperimentSettings.defaults(for: "digits")
        digits.teacher.training.epochs = 1
        digits.student.training.epochs = 1
        digits.attack.strategy = try AttackSpec(parsing: "jacobian:seed-size=20,rounds=1")
        XCTAssertNil(try Experiment(settings: digits).run().warnings)
    }

    func testWarningTextNamesEveryComponentOutOfRange() throws {
        let teacher = try Dataset(name: "t", features: Matrix([[-2, 0.5], [3, 0.25]]), labels: [0, 1], classNames: ["a", "b"])
        let inRange = try Dataset(name: "t", features: Matrix([[0, 0.5], [1, 0.25]]), labels: [0, 1], classNames: ["a", "b"])
        let jacobian = try Attack(parsing: "jacobian")
        XCTAssertEqual(jacobian.inputRanges.map(\.component), ["jacobian"])
        XCTAssertEqual(jacobian.inputRangeWarning(teacherTrain: teacher, normalize: .none),
                       "the teacher's training features span [-2, 3] (data.normalize: none), but `jacobian` keeps its queries in [0, 1], so they miss the data; set data.normalize: minmax (--normalize minmax), or scale the features into [0, 1] with data.featureScale (--feature-scale)")
        XCTAssertNil(jacobian.inputRangeWarning(teacherTrain: inRange, normalize: .none), "0 and 1 themselves are inside")
        XCTAssertEqual(try Attack(parsing: "random", counters: ["argmax"]).inputRanges.count, 0)
        XCTAssertEqual(try Attack(parsing: "ood:source=digits").inputRanges.count, 0, "another dataset's rows are not confined")
        XCTAssertNil(try Attack(parsing: "random").inputRangeWarning(teacherTrain: teacher, normalize: .none))
    }
}
