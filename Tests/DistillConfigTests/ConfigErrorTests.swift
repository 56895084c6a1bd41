import XCTest
import DistillConfig
import DistillLab

/// Every kind of mistake gives one error naming the file and line (or the
/// override), the key path, the problem and the fix.
final class ConfigErrorTests: XCTestCase {
    /// Parses `text` expecting a ConfigError.
    func error(_ text: String, overrides: [String] = [], validating: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            let s = try ExperimentFile.parse(text, fileName: "exp.yaml", overrides: overrides, validating: validating)
            XCTFail("parsed without error: \(s)", file: file, line: line)
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
        }
        return nil
    }

    func testUnknownTopLevelKeySuggestsTheNearest() throws {
        let e = try XCTUnwrap(error("seed: 1\nteachr:\n  hidden: [8]\n"))
        XCTAssertEqual(e.kind, .unknownKey)
        XCTAssertEqual(e.file, "exp.yaml")
        XCTAssertEqual(e.line, 2)
        XCTAssertEqual(e.column, 1)
        XCTAssertEqual(e.keyPath, "teachr")
        XCTAssertTrue(e.description.hasPrefix("exp.yaml:2:1: `teachr`: unknown key; did you mean `teacher`?"), e.description)
        XCTAssertTrue(e.description.contains("top-level keys: seed, threads, data, teacher, student, attack, defense, evaluation"), e.description)
    }

    /// `data.normalize` takes one of three words; anything else is one error naming the key and the choices.
    func testNormalizeTakesOneOfItsWords() throws {
        let e = try XCTUnwrap(error("data:\n  normalize: maybe\n"))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertEqual(e.keyPath, "data.normalize")
        XCTAssertEqual(e.line, 2)
        XCTAssertEqual(e.description, "exp.yaml:2:14: `data.normalize`: 'maybe' is not a valid normalisation; choose one of none, minmax, standardize")
        let o = try XCTUnwrap(error("", overrides: ["data.normalize=minmx"]))
        XCTAssertEqual(o.keyPath, "data.normalize")
        XCTAssertTrue(o.description.contains("did you mean `minmax`?"), o.description)
        XCTAssertTrue(o.description.contains("choose one of none, minmax, standardize"), o.description)
        XCTAssertEqual(error("data: {normalize: 1}")?.keyPath, "data.normalize")
    }

    func testUnknownNestedKeySuggestsTheNearest() throws {
        let e = try XCTUnwrap(error("""
        teacher:
          training:
            epoch: 5
        """))
        XCTAssertEqual(e.kind, .unknownKey)
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.column, 5)
        XCTAssertEqual(e.keyPath, "teacher.training.epoch")
        XCTAssertEqual(e.description, "exp.yaml:3:5: `teacher.training.epoch`: unknown key; did you mean `epochs`?; "
                       + "keys of `teacher.training`: epochs, batchSize, optimizer, schedule, selection")
    }

    func testWordWhereANumberGoes() throws {
        let e = try XCTUnwrap(error("teacher:\n  training:\n    epochs: many\n"))
        XCTAssertEqual(e.kind, .wrongType)
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.column, 13)
        XCTAssertEqual(e.keyPath, "teacher.training.epochs")
        XCTAssertEqual(e.description, "exp.yaml:3:13: `teacher.training.epochs`: expected an integer (e.g. `epochs: 60`), got the string 'many'")
        // A fraction where an integer goes, and a word for a real number.
        XCTAssertEqual(error("attack: {budget: 2.5}")?.problem, "expected an integer (e.g. `budget: 400`), got the number 2.5")
        XCTAssertEqual(error("teacher: {training: {optimizer: {learningRate: fast}}}")?.keyPath, "teacher.training.optimizer.learningRate")
        XCTAssertEqual(error("evaluation: {undefendedBaseline: 3}")?.problem, "expected true or false (e.g. `undefendedBaseline: true`), got the integer 3")
    }

    func testDecoderErrorsKeepTheirLine() throws {
        // Types the schema cannot see (unsigned), and null for a required section, are caught by the decoder.
        let e = try XCTUnwrap(error("threads: 1\nseed: -1\n"))
        XCTAssertEqual(e.description, "exp.yaml:2:7: `seed`: expected a non-negative integer, got the integer -1")
        let n = try XCTUnwrap(error("data: null\n"))
        XCTAssertEqual(n.line, 1)
        XCTAssertEqual(n.keyPath, "data")
        XCTAssertTrue(n.problem.hasPrefix("cannot be null"), n.description)
    }

    func testListWhereAMapGoesAndMapWhereAListGoes() throws {
        let e = try XCTUnwrap(error("seed: 2\nattack: [400, 100]\n"))
        XCTAssertEqual(e.kind, .wrongType)
        XCTAssertEqual(e.line, 2)
        XCTAssertEqual(e.keyPath, "attack")
        XCTAssertTrue(e.description.hasPrefix("exp.yaml:2:9: `attack`: expected a map with keys budget, queryBatch"), e.description)
        XCTAssertTrue(e.description.hasSuffix("got a list"), e.description)

        let m = try XCTUnwrap(error("student:\n  hidden: {a: 1}\n"))
        XCTAssertEqual(m.keyPath, "student.hidden")
        XCTAssertEqual(m.line, 2)
        XCTAssertEqual(m.problem, "expected a list (e.g. `hidden: [32]`), got a map")
    }

    func testInvalidValueFromValidateNamesTheLine() throws {
        let e = try XCTUnwrap(error("seed: 1\nteacher:\n  training:\n    epochs: 0\n"))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertEqual(e.line, 4)
        XCTAssertEqual(e.keyPath, "teacher.training.epochs")
        XCTAssertEqual(e.description, "exp.yaml:4:13: `teacher.training.epochs`: teacher: invalid training configuration: epochs must be positive, got 0")

        // A combination: Nesterov needs SGD; the recipe has Nesterov on, the file asks for Adam.
        let c = try XCTUnwrap(error("student:\n  training:\n    optimizer: {kind: adam}\n"))
        XCTAssertEqual(c.keyPath, "student.training.optimizer.kind")
        XCTAssertTrue(c.description.hasPrefix("exp.yaml:3:23: `student.training.optimizer.kind`: student: invalid training configuration: Nesterov needs SGD"), c.description)

        // Inside an optional section, and a schedule parameter.
        XCTAssertEqual(error("defense: {nastyTeacher: {temperature: -1}}")?.keyPath, "defense.nastyTeacher.temperature")
        XCTAssertEqual(error("teacher: {training: {schedule: {step: {gamma: 2}}}}")?.keyPath, "teacher.training.schedule.step.gamma")
    }

    func testMalformedYAMLNamesItsLine() throws {
        let e = try XCTUnwrap(error("seed: 1\nteacher:\n  hidden: [8, 4\nstudent: {}\n"))
        XCTAssertEqual(e.kind, .malformedYAML)
        XCTAssertEqual(e.file, "exp.yaml")
        XCTAssertEqual(e.line, 4)
        XCTAssertTrue(e.description.hasPrefix("exp.yaml:4:"), e.description)
        XCTAssertTrue(e.description.contains("not valid YAML"), e.description)

        let tab = try XCTUnwrap(error("seed: 1\nteacher:\n\thidden: [8]\n"))
        XCTAssertEqual(tab.kind, .malformedYAML)
        XCTAssertEqual(tab.line, 3)

        let dup = try XCTUnwrap(error("seed: 1\nattack: {budget: 5}\nseed: 2\n"))
        XCTAssertEqual(dup.kind, .duplicateKey)
        XCTAssertTrue(dup.description.contains("seed"), dup.description)
    }

    func testUnknownEnumerationWordsSuggestTheNearest() throws {
        let e = try XCTUnwrap(error("teacher:\n  training:\n    optimizer: {kind: adm}\n"))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.description, "exp.yaml:3:23: `teacher.training.optimizer.kind`: 'adm' is not a valid kind (did you mean `adam`?); choose one of sgd, adam, adamw")
        let s = try XCTUnwrap(error("teacher: {training: {schedule: cosin}}"))
        XCTAssertEqual(s.keyPath, "teacher.training.schedule")
        XCTAssertTrue(s.problem.hasPrefix("unknown learning-rate schedule 'cosin' (did you mean `cosine`?)"), s.description)
        let p = try XCTUnwrap(error("teacher: {training: {schedule: {step: {gama: 0.5}}}}"))
        XCTAssertEqual(p.kind, .unknownKey)
        XCTAssertEqual(p.keyPath, "teacher.training.schedule.step.gama")
        XCTAssertTrue(p.problem.contains("did you mean `gamma`?"), p.description)
    }

    func testUnknownDefenseNameInTheResponsesList() throws {
        let e = try XCTUnwrap(error("""
        defense:
          responses:
            - no-such-defense-xyz:decimals=2
        """))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.column, 7)
        XCTAssertEqual(e.keyPath, "defense.responses[0]")
        XCTAssertTrue(e.description.hasPrefix("exp.yaml:3:7: `defense.responses[0]`: unknown defense 'no-such-defense-xyz'"), e.description)
        XCTAssertTrue(e.description.contains("see `distill-lab defenses`"), e.description)

        // Structure errors, found before any registry check.
        let m = try XCTUnwrap(error("defense: {responses: [{sigma: 1, clip: 2}]}", validating: false))
        XCTAssertEqual(m.kind, .wrongType)
        XCTAssertTrue(m.problem.contains("needs a `name`"), m.description)
        let n = try XCTUnwrap(error("defense: {responses: [{name: zzz, k: [1, 2]}]}", validating: false))
        XCTAssertEqual(n.keyPath, "defense.responses[0]")
        XCTAssertTrue(n.problem.contains("parameter `k` must be a single value"), n.description)
        let bad = try XCTUnwrap(error("defense: {responses: ['zzz:k']}", validating: false))
        XCTAssertTrue(bad.problem.contains("'k' is not key=value"), bad.description)
    }

    func testOverrideErrorsNameTheOverride() throws {
        let e = try XCTUnwrap(error("seed: 1\n", overrides: ["attack.budget=100", "teacher.training.epoch=5"]))
        XCTAssertEqual(e.kind, .unknownKey)
        XCTAssertEqual(e.source, .override("teacher.training.epoch=5"))
        XCTAssertNil(e.line)
        XCTAssertTrue(e.description.hasPrefix("override `teacher.training.epoch=5`: `teacher.training.epoch`: unknown key; did you mean `epochs`?"),
                      e.description)

        let t = try XCTUnwrap(error("", overrides: ["attack.budget=lots"]))
        XCTAssertEqual(t.description, "override `attack.budget=lots`: `attack.budget`: expected an integer (e.g. `budget: 400`), got the string 'lots'")

        let v = try XCTUnwrap(error("teacher: {training: {epochs: 3}}", overrides: ["student.hidden=[64,0]"]))
        XCTAssertEqual(v.source, .override("student.hidden=[64,0]"))
        XCTAssertEqual(v.keyPath, "student.hidden")
        XCTAssertTrue(v.problem.contains("student.hidden must be positive widths"), v.description)

        XCTAssertEqual(error("", overrides: ["budget"])?.kind, .malformedOverride)
        XCTAssertEqual(error("", overrides: ["attack..budget=3"])?.kind, .malformedOverride)
        let y = try XCTUnwrap(error("", overrides: ["student.hidden=[64,"]))
        XCTAssertEqual(y.kind, .malformedYAML)
        XCTAssertTrue(y.description.hasPrefix("override `student.hidden=[64,`: `student.hidden`: not valid YAML"), y.description)
    }

    func testHugeHiddenWidthsAreRefusedByKeyWithTheMemoryTheyNeed() throws {
        // 1e11 in YAML, 2^62 in the file and in an override: one error naming the key, before any allocation.
        let yaml = try XCTUnwrap(error("teacher:\n  hidden: [100000000000]\n"))
        XCTAssertEqual(yaml.keyPath, "teacher.hidden")
        XCTAssertEqual(yaml.line, 2)
        XCTAssertTrue(yaml.problem.contains("would need 5.8 TiB"), yaml.description)
        XCTAssertTrue(yaml.problem.contains("the limit is 8.0 GiB"), yaml.description)
        let pow62 = try XCTUnwrap(error("teacher:\n  hidden: [4611686018427387904]\n"))
        XCTAssertEqual(pow62.keyPath, "teacher.hidden")
        XCTAssertTrue(pow62.problem.contains("would need more than 8.0 EiB"), pow62.description)
        let o = try XCTUnwrap(error("", overrides: ["student.hidden=[64, 4611686018427387904]"]))
        XCTAssertEqual(o.source, .override("student.hidden=[64, 4611686018427387904]"))
        XCTAssertEqual(o.keyPath, "student.hidden")
        XCTAssertTrue(o.problem.contains("student.hidden = [64, 4611686018427387904] would need"), o.description)
        // Two wide layers multiply: 100,000 × 100,000 is 149 GiB.
        let wide = try XCTUnwrap(error("", overrides: ["teacher.hidden=[100000, 100000]"]))
        XCTAssertTrue(wide.problem.contains("149.0 GiB"), wide.description)
        // The Fashion-MNIST teacher and a 1M-parameter model pass.
        XCTAssertNoThrow(try ExperimentFile.parse("teacher: {hidden: [512, 256]}", fileName: "exp.yaml"))
    }

    func testFractionErrorsNameTheFileAndKey() throws {
        let e = try XCTUnwrap(error("data:\n  teacherFraction: 0.7\n  poolFraction: 0.4\n"))
        XCTAssertEqual(e.source, .file("exp.yaml"))
        XCTAssertNotNil(e.line)
        XCTAssertTrue(e.keyPath == "data.teacherFraction" || e.keyPath == "data.poolFraction", e.description)
        XCTAssertTrue(e.description.hasPrefix("exp.yaml:"), e.description)
        XCTAssertTrue(e.problem.contains("data.teacherFraction 0.7 + data.validationFraction 0.1 + data.poolFraction 0.4"), e.description)
        let n = try XCTUnwrap(error("data: {validationFraction: -0.1}"))
        XCTAssertEqual(n.keyPath, "data.validationFraction")
        XCTAssertTrue(n.problem.contains("data.validationFraction must be a fraction in [0, 1], got -0.1"), n.description)
        // The digits have no official test set, so data.testFraction is a part too; it and a zero part used
        // to pass here and fail only when splitting, as "invalid data split" without the file or key.
        let t = try XCTUnwrap(error("data:\n  testFraction: 0.99\n"))
        XCTAssertEqual(t.keyPath, "data.testFraction")
        XCTAssertEqual(t.line, 2)
        XCTAssertTrue(t.description.hasPrefix("exp.yaml:2:"), t.description)
        XCTAssertTrue(t.problem.contains("data.testFraction 0.99 sum to 1.79"), t.description)
        let zero = try XCTUnwrap(error("data:\n  teacherFraction: 0\n"))
        XCTAssertEqual(zero.keyPath, "data.teacherFraction")
        XCTAssertTrue(zero.problem.contains("data.teacherFraction = 0.0 must be in (0, 1]"), zero.description)
        XCTAssertEqual(try XCTUnwrap(error("", overrides: ["data.testFraction=0.9"])).keyPath, "data.testFraction")
        // Fashion-MNIST brings its own test set: its testFraction is ignored, not counted.
        XCTAssertNoThrow(try ExperimentFile.parse("data: {source: fashion-mnist, testFraction: 0.9}", fileName: "exp.yaml"))
    }

    func testMissingFile() {
        XCTAssertThrowsError(try ExperimentFile.load("/nonexistent/dir/exp.yaml")) { error in
            let e = error as? ConfigError
            XCTAssertEqual(e?.kind, .unreadableFile)
            XCTAssertTrue(e?.description.hasPrefix("/nonexistent/dir/exp.yaml: cannot read the experiment file") ?? false, "\(error)")
        }
        // A 100 KB "path" names no file (PATH_MAX is 4096): the message shows it cut.
        XCTAssertThrowsError(try ExperimentFile.load(String(repeating: "x", count: 100_000))) { error in
            XCTAssertLessThan("\(error)".utf8.count, 5_000)
        }
    }

    /// A binary or mis-encoded file used to get Foundation's "The file isn't in the correct format".
    func testBinaryOrNonUTF8FileIsNamedAsNotText() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let latin1 = dir.appendingPathComponent("latin1.yaml")
        try Data("seed: 1 # caf".utf8 + [0xE9, 0x0A]).write(to: latin1)
        let binary = dir.appendingPathComponent("model.yaml")
        try Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x00, 0x01, 0x00]).write(to: binary)
        let nul = dir.appendingPathComponent("nul.yaml")
        try Data("seed: 1\n".utf8 + [0, 0, 0]).write(to: nul)
        for (url, needle) in [(latin1, "not UTF-8 text (invalid byte 0xE9 at byte offset 13)"), (binary, "not UTF-8 text"), (nul, "binary, not text")] {
            XCTAssertThrowsError(try ExperimentFile.load(url.path)) { error in
                let e = error as? ConfigError
                XCTAssertEqual(e?.kind, .unreadableFile, "\(error)")
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(url.path + ": the experiment file is "), text)
                XCTAssertTrue(text.contains(needle) && text.contains("UTF-8"), text)
                XCTAssertFalse(text.contains("correct format"), text)
            }
        }
    }

    /// A 10,000-deep override (or a huge value) used to be echoed whole, 20-50 KB per message.
    func testHugeOrDeepOverridesGiveBoundedMessages() {
        let deep = 10_000
        let overrides = [
            "teacher.hidden=" + String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
            Array(repeating: "a", count: deep).joined(separator: ".") + "=1",
            "teacher=" + String(repeating: "{a: ", count: deep) + "1" + String(repeating: "}", count: deep),
            "teacher.training.schedule=" + String(repeating: "x", count: 100_000),
            "attack.budget=" + String(repeating: "y", count: 100_000),
            "defense.responses=[" + String(repeating: "q", count: 100_000) + "]",
        ]
        for o in overrides {
            XCTAssertThrowsError(try ExperimentFile.apply([o], to: ExperimentSettings.defaults(for: "digits"))) {
                XCTAssertLessThan("\($0)".utf8.count, 1_000, String("\($0)".prefix(400)))
                XCTAssertTrue("\($0)".hasPrefix("override `"), String("\($0)".prefix(400)))
            }
        }
    }
}
