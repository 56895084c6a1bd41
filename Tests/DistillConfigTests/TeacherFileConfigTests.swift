import XCTest
import Foundation
import DistillConfig
import DistillLab
import DistillNN

/// `teacher.file` in experiment files and overrides: a plain string key of the
/// teacher section, off by default, checked with the file's line.
final class TeacherFileConfigTests: XCTestCase {
    var root: URL!
    var model: String!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("teacher-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        model = root.appendingPathComponent("teacher.safetensors").path
        try MLP(sizes: [64, 7, 10]).save(to: URL(fileURLWithPath: model))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testTheYAMLKeyAndTheOverrideSetTheFileAndNothingElse() throws {
        let plain = ExperimentSettings.defaults(for: "digits")
        XCTAssertNil(plain.teacher.file, "trained by default")

        let fromFile = try ExperimentFile.parse("teacher:\n  file: \(model!)\n", fileName: "exp.yaml")
        XCTAssertEqual(fromFile.teacher.file, model)
        var expected = plain
        expected.teacher.file = model
        XCTAssertEqual(fromFile, expected, "the rest of the recipe stays")

        XCTAssertEqual(try ExperimentFile.parse("", overrides: ["teacher.file=\(model!)"]).teacher.file, model)
        XCTAssertEqual(try ExperimentFile.apply(["teacher.file=\(model!)"], to: plain).teacher.file, model)
        // An empty override turns it off again (train the teacher).
        XCTAssertNil(try ExperimentFile.parse("teacher: {file: \(model!)}", overrides: ["teacher.file="]).teacher.file)
        XCTAssertNil(try ExperimentFile.parse("teacher: {file: null}").teacher.file)
    }

    /// config.yaml of a run with a file reads back to the same settings.
    func testTheRenderedConfigKeepsTheFile() throws {
        var s = ExperimentSettings.defaults(for: "digits")
        s.teacher.file = model
        let yaml = ExperimentFile.yaml(for: s)
        XCTAssertTrue(yaml.contains("  file: \(model!)\n"), yaml)
        XCTAssertEqual(try ExperimentFile.parse(yaml), s)
        XCTAssertFalse(ExperimentFile.yaml(for: ExperimentSettings.defaults(for: "digits")).contains("file:"), "absent when unset")
    }

    func error(_ text: String, overrides: [String] = []) throws -> ConfigError {
        do {
            _ = try ExperimentFile.parse(text, fileName: "exp.yaml", overrides: overrides)
        } catch let e as ConfigError {
            return e
        }
        XCTFail("\(text) \(overrides) parsed without error")
        throw ExperimentError.invalid("expected a ConfigError")
    }

    func testAMissingFileIsBlamedOnItsLineAndAWrongTypeOrTypoNamed() throws {
        let missing = root.appendingPathComponent("gone.safetensors").path
        let e = try error("seed: 1\nteacher:\n  file: \(missing)\n")
        XCTAssertEqual(e.keyPath, "teacher.file")
        XCTAssertEqual(e.line, 3)
        XCTAssertTrue(e.problem.contains("no such file") && e.problem.contains(missing), e.description)

        let o = try error("", overrides: ["teacher.file=\(root.path)"])
        XCTAssertEqual(o.keyPath, "teacher.file")
        XCTAssertTrue(o.problem.contains("is a folder"), o.description)

        let list = try error("teacher: {file: [a, b]}")
        XCTAssertEqual(list.kind, .wrongType)
        XCTAssertEqual(list.keyPath, "teacher.file")

        let typo = try error("teacher: {fiel: x.safetensors}")
        XCTAssertEqual(typo.kind, .unknownKey)
        XCTAssertTrue(typo.description.contains("did you mean `file`?"), typo.description)
    }
}
