import XCTest
import Foundation
import DistillConfig
import DistillLab
import DistillNN

/// Parsing experiment files and overrides into settings.
final class ExperimentFileTests: XCTestCase {
    /// A bad value already in the base settings (from a flag) is not blamed on an unrelated override.
    func testBaseSettingsErrorIsNotBlamedOnTheFirstOverride() throws {
        var base = ExperimentSettings.defaults(for: "digits")
        base.data.featureScale = .nan
        XCTAssertThrowsError(try ExperimentFile.apply(["seed=2", "attack.budget=50"], to: base)) {
            let e = $0 as? ConfigError
            XCTAssertEqual(e?.kind, .invalidValue, "\($0)")
            XCTAssertNil(e?.source, "\($0)")
            XCTAssertFalse("\($0)".contains("seed=2"), "\($0)")
            XCTAssertTrue("\($0)".contains("featureScale"), "\($0)")
        }
        // An override that causes the error is still the one named.
        XCTAssertThrowsError(try ExperimentFile.apply(["seed=2", "data.featureScale=0"], to: ExperimentSettings.defaults(for: "digits"))) {
            XCTAssertTrue("\($0)".contains("data.featureScale=0"), "\($0)")
        }
    }

    /// `data.normalize` from a file, an override and a rendered config.yaml; absent = none.
    func testNormalizeFromFileOverrideAndRenderedConfig() throws {
        XCTAssertEqual(try ExperimentFile.parse("seed: 1\n").data.normalize, .none)
        let file = try ExperimentFile.parse("data:\n  normalize: standardize\n")
        XCTAssertEqual(file.data.normalize, .standardize)
        let overridden = try ExperimentFile.parse("data:\n  normalize: standardize\n", overrides: ["data.normalize=minmax"])
        XCTAssertEqual(overridden.data.normalize, .minmax)
        XCTAssertEqual(try ExperimentFile.apply(["data.normalize=standardize"], to: ExperimentSettings.defaults(for: "digits")).data.normalize,
                       .standardize)
        let text = ExperimentFile.yaml(for: overridden)
        XCTAssertTrue(text.contains("  normalize: minmax\n"), text)
        XCTAssertEqual(try ExperimentFile.parse(text), overridden)
        // `none` is written out too, and reads back as the word, not as null.
        let plain = ExperimentSettings.defaults(for: "digits")
        XCTAssertTrue(ExperimentFile.yaml(for: plain).contains("  normalize: none\n"))
        XCTAssertEqual(try ExperimentFile.parse(ExperimentFile.yaml(for: plain)), plain)
    }

    func testFullFileGivesExactlyItsSettings() throws {
        let text = """
        seed: 7
        threads: 2
        data:
          source: digits
          labelColumn: y
          featureScale: 0.5
          teacherFraction: 0.5
          validationFraction: 0.1
          poolFraction: 0.2
          testFraction: 0.2
        teacher:
          hidden: [64, 32]
          initialization: xavier
          training:
            epochs: 12
            batchSize: 32
            optimizer: {kind: adam, learningRate: 1.0e-3, momentum: 0, nesterov: false, weightDecay: 0.0001,
                        beta1: 0.8, beta2: 0.99, epsilon: 1.0e-7}
            schedule: {step: {everyEpochs: 4, gamma: 0.5}}
            selection: last
        student:
          hidden: [16]
          initialization: he
          training:
            epochs: 9
            batchSize: 8
            optimizer: {kind: sgd, learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0}
            schedule: constant
            selection: last
          temperature: 2.5
          alpha: 0.75
        attack:
          budget: 300
          queryBatch: 50
        defense:
          responses: []
          nastyTeacher: {temperature: 3, omega: 0.1}
        evaluation:
          undefendedBaseline: false
          alpha: 0.05
          controls: 4
        """
        let s = try ExperimentFile.parse(text, fileName: "full.yaml")
        var expected = ExperimentSettings.defaults(for: "digits")
        expected.seed = 7
        expected.threads = 2
        expected.data = DataSettings(source: "digits", labelColumn: "y", featureScale: 0.5, teacherFraction: 0.5,
                                     validationFraction: 0.1, poolFraction: 0.2, testFraction: 0.2)
        expected.teacher.hidden = [64, 32]
        expected.teacher.initialization = .xavier
        expected.teacher.training = TrainingConfig(
            epochs: 12, batchSize: 32,
            optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-3, momentum: 0, nesterov: false,
                                       weightDecay: 1e-4, beta1: 0.8, beta2: 0.99, epsilon: 1e-7),
            schedule: .step(everyEpochs: 4, gamma: 0.5), selection: .last)
        expected.student.hidden = [16]
        expected.student.initialization = .he
        expected.student.training = TrainingConfig(
            epochs: 9, batchSize: 8,
            optimizer: OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.5, nesterov: true,
                                       weightDecay: 0),  // betas/epsilon: the recipe's (= init defaults)
            schedule: .constant, selection: .last)
        expected.student.temperature = 2.5
        expected.student.alpha = 0.75
        expected.attack.budget = 300
        expected.attack.queryBatch = 50
        expected.defense = DefenseSettings(responses: [], nastyTeacher: NastyTeacherSettings(temperature: 3, omega: 0.1))
        expected.evaluation = EvaluationSettings(undefendedBaseline: false, alpha: 0.05, controls: 4)
        XCTAssertEqual(s, expected)
    }

    func testPartialFileKeepsTheRecipe() throws {
        let s = try ExperimentFile.parse("""
        teacher:
          training:
            epochs: 5
        attack: {budget: 250}
        """, fileName: "partial.yaml")
        var expected = ExperimentSettings.defaults(for: "digits")
        expected.teacher.training.epochs = 5
        expected.attack.budget = 250
        XCTAssertEqual(s, expected)
        // An empty file (or only comments) is the digits recipe.
        XCTAssertEqual(try ExperimentFile.parse("# nothing\n", fileName: "empty.yaml"), .defaults(for: "digits"))
        XCTAssertEqual(try ExperimentFile.resolve(file: nil, overrides: []), .defaults(for: "digits"))
    }

    func testFashionSourcePicksTheFashionRecipe() throws {
        let s = try ExperimentFile.parse("data: {source: fashion-mnist}\nseed: 3\n", fileName: "f.yaml")
        var expected = ExperimentSettings.defaults(for: "fashion-mnist")
        expected.seed = 3
        XCTAssertEqual(s, expected)
        XCTAssertEqual(s.teacher.hidden, [512, 256])
        XCTAssertEqual(s.attack.budget, 20_000)
        // An override choosing the source picks the recipe too (last word wins).
        let o = try ExperimentFile.parse("seed: 3\n", fileName: "f.yaml", overrides: ["data.source=fashion-mnist"])
        XCTAssertEqual(o, expected)
    }

    func testScheduleSpellings() throws {
        func schedule(_ yaml: String) throws -> LearningRateSchedule {
            try ExperimentFile.parse("teacher: {training: {schedule: \(yaml)}}", fileName: "s.yaml").teacher.training.schedule
        }
        XCTAssertEqual(try schedule("constant"), .constant)
        XCTAssertEqual(try schedule("cosine"), .cosine(minFactor: 0))
        XCTAssertEqual(try schedule("{cosine: {minFactor: 0.1}}"), .cosine(minFactor: 0.1))
        XCTAssertEqual(try schedule("step"), .step(everyEpochs: 10, gamma: 0.1))
        XCTAssertEqual(try schedule("{step: {gamma: 0.5}}"), .step(everyEpochs: 10, gamma: 0.5))
        XCTAssertEqual(try schedule("{step: {everyEpochs: 3, gamma: 0.2}}"), .step(everyEpochs: 3, gamma: 0.2))
        XCTAssertEqual(try schedule("{constant: {}}"), .constant)
        // A later layer with the same case keeps the earlier parameters it does not give.
        let s = try ExperimentFile.parse("teacher: {training: {schedule: {step: {everyEpochs: 3, gamma: 0.2}}}}", fileName: "s.yaml",
                                         overrides: ["teacher.training.schedule={step: {gamma: 0.4}}"])
        XCTAssertEqual(s.teacher.training.schedule, .step(everyEpochs: 3, gamma: 0.4))
    }

    func testOverridesWinOverTheFileAndLaterOverridesWin() throws {
        let text = "teacher: {training: {epochs: 7}}\nattack: {budget: 300}\nstudent: {hidden: [16]}\n"
        let s = try ExperimentFile.parse(text, fileName: "o.yaml", overrides: [
            "teacher.training.epochs=5", "attack.budget=1000", "student.hidden=[64,32]", "attack.budget=350",
            "teacher.training.optimizer.kind=adamw", "teacher.training.optimizer.nesterov=false",
        ])
        XCTAssertEqual(s.teacher.training.epochs, 5)
        XCTAssertEqual(s.attack.budget, 350)
        XCTAssertEqual(s.student.hidden, [64, 32])
        XCTAssertEqual(s.teacher.training.optimizer.kind, .adamw)
        XCTAssertEqual(s.student.training.epochs, 100, "untouched keys keep the recipe")

        // Through a real file, with resolve(file:overrides:).
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("distill-config-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try ExperimentFile.load(url.path).teacher.training.epochs, 7)
        XCTAssertEqual(try ExperimentFile.resolve(file: url.path, overrides: ["teacher.training.epochs=9"]).teacher.training.epochs, 9)
    }

    func testOptionalSectionsOpenAndClose() throws {
        // Absent from the defaults, accepted through the schema example; `{}` takes its defaults.
        XCTAssertEqual(try ExperimentFile.parse("defense: {nastyTeacher: {}}", fileName: "n.yaml").defense.nastyTeacher,
                       NastyTeacherSettings())
        XCTAssertEqual(try ExperimentFile.parse("defense: {nastyTeacher: {omega: 0.2}}", fileName: "n.yaml").defense.nastyTeacher,
                       NastyTeacherSettings(temperature: 4, omega: 0.2))
        // null (and an empty override value) turns it off again.
        let off = try ExperimentFile.parse("defense: {nastyTeacher: {}}", fileName: "n.yaml", overrides: ["defense.nastyTeacher="])
        XCTAssertNil(off.defense.nastyTeacher)
    }

    /// The defense registry is filled by other work, so these check the
    /// structure without validation; with validation, unknown names fail.
    func testDefenseSpellings() throws {
        let text = """
        defense:
          responses:
            - zzz-one:decimals=2
            - {name: zzz-two, sigma: 0.1, clip: true}
            - {zzz-three: {k: 3}}
            - {name: zzz-four, parameters: {beta: 1}}
            - zzz-five
        """
        let s = try ExperimentFile.parse(text, fileName: "d.yaml", validating: false)
        XCTAssertEqual(s.defense.responses, [
            DefenseSpec(name: "zzz-one", parameters: ["decimals": "2"]),
            DefenseSpec(name: "zzz-two", parameters: ["sigma": "0.1", "clip": "true"]),
            DefenseSpec(name: "zzz-three", parameters: ["k": "3"]),
            DefenseSpec(name: "zzz-four", parameters: ["beta": "1"]),
            DefenseSpec(name: "zzz-five"),
        ])
        // An override's flow list; commas inside a spec split YAML items, which are joined back.
        let o = try ExperimentFile.parse("", fileName: "d.yaml",
                                         overrides: ["defense.responses=[zzz-a:decimals=2, zzz-b:sigma=0.1,clip=1]"], validating: false)
        XCTAssertEqual(o.defense.responses, [DefenseSpec(name: "zzz-a", parameters: ["decimals": "2"]),
                                             DefenseSpec(name: "zzz-b", parameters: ["sigma": "0.1", "clip": "1"])])
    }

    func testOfficialExperimentFilesParse() throws {
        let folder = packageRoot.appendingPathComponent("Notebooks-as-scripts/experiments")
        // (text-*.yaml are the text track's files, read by `text train --config`: TextCommandTests.)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("text-") }.sorted()
        XCTAssertEqual(files, ["digits-baseline.yaml", "fashion-mnist-rounding.yaml"])

        // The baseline writes out the digits recipe in full.
        XCTAssertEqual(try ExperimentFile.load(folder.appendingPathComponent("digits-baseline.yaml").path), .defaults(for: "digits"))

        let rounding = folder.appendingPathComponent("fashion-mnist-rounding.yaml").path
        var expected = ExperimentSettings.defaults(for: "fashion-mnist")
        expected.defense.responses = [DefenseSpec(name: "rounding", parameters: ["decimals": "2"])]
        XCTAssertEqual(try ExperimentFile.load(rounding, validating: false), expected)
        if ComponentRegistry.shared.descriptor(.defense, named: "rounding") != nil {
            XCTAssertEqual(try ExperimentFile.load(rounding), expected)
        } else {
            XCTAssertThrowsError(try ExperimentFile.load(rounding)) { error in
                XCTAssertTrue("\(error)".contains("unknown defense 'rounding'"), "\(error)")
            }
        }
    }

    func testRenderedYAMLRoundTrips() throws {
        var s = ExperimentSettings.defaults(for: "fashion-mnist")
        s.seed = 12_345_678_901_234
        s.data.labelColumn = "yes"  // a string YAML would read as a boolean: must be quoted
        s.teacher.training.schedule = .step(everyEpochs: 5, gamma: 0.3)
        s.student.training.schedule = .cosine(minFactor: 0.05)
        s.teacher.training.optimizer = OptimizerConfig(kind: .adamw, learningRate: 3e-4, momentum: 0, nesterov: false, weightDecay: 0.01)
        s.student.temperature = 0.1
        s.defense.responses = [DefenseSpec(name: "zzz-a", parameters: ["x": "1", "y": "0.25"]), DefenseSpec(name: "zzz-b")]
        s.defense.nastyTeacher = NastyTeacherSettings(temperature: 2, omega: 0.01)
        s.evaluation.undefendedBaseline = false
        let text = ExperimentFile.yaml(for: s)
        XCTAssertEqual(try ExperimentFile.parse(text, fileName: "config.yaml", validating: false), s, text)
        XCTAssertTrue(text.contains("- zzz-a:x=1,y=0.25"), text)
        XCTAssertTrue(text.contains("labelColumn: \"yes\""), text)
        XCTAssertTrue(text.contains("hidden: [512, 256]"), text)

        let d = ExperimentSettings.defaults(for: "digits")
        let dt = ExperimentFile.yaml(for: d)
        XCTAssertTrue(dt.contains("schedule: cosine\n"), dt)
        XCTAssertTrue(dt.contains("responses: []"), dt)
        XCTAssertEqual(try ExperimentFile.parse(dt, fileName: "config.yaml"), d)
    }

    var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
