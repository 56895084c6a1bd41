import XCTest
import Foundation
@testable import DistillLabCommands
import DistillLab
import DistillNN

/// `distill-lab train --teacher FILE`, parsed in process: the flag sets
/// `teacher.file`, and teacher flags a loaded teacher would ignore are refused.
final class TrainTeacherFlagTests: XCTestCase {
    var root: URL!
    var model: String!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("teacher-flag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        model = root.appendingPathComponent("mine.safetensors").path
        try MLP(sizes: [64, 7, 10]).save(to: URL(fileURLWithPath: model))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "(no error)" } catch { return DistillLabCommand.Train.message(for: error) }
    }

    func testTheFlagSetsTeacherFileOnTopOfAConfigAndBeforeOverrides() throws {
        let s = try DistillLabCommand.Train.parse(["--teacher", model]).resolvedSettings()
        XCTAssertEqual(s.teacher.file, model)
        XCTAssertEqual(s.teacher.hidden, [256, 128], "left at the recipe's")
        XCTAssertNil(try DistillLabCommand.Train.parse([]).resolvedSettings().teacher.file)

        let config = root.appendingPathComponent("exp.yaml")
        try "seed: 4\nteacher: {training: {epochs: 3}}\n".write(to: config, atomically: true, encoding: .utf8)
        let f = try DistillLabCommand.Train.parse(["--config", config.path, "--teacher", model]).resolvedSettings()
        XCTAssertEqual([f.seed, UInt64(f.teacher.training.epochs)], [4, 3])
        XCTAssertEqual(f.teacher.file, model)
        // Overrides come last: an empty one turns the file off again.
        XCTAssertNil(try DistillLabCommand.Train.parse(["--teacher", model, "teacher.file="]).resolvedSettings().teacher.file)
        // The nasty teacher's recipe flags are allowed beside a file: they train it.
        let n = try DistillLabCommand.Train.parse(["--teacher", model, "--nasty-teacher", "--teacher-epochs", "3"]).resolvedSettings()
        XCTAssertEqual(n.teacher.training.epochs, 3)
    }

    func testIgnoredTeacherFlagsAndAMissingFileAreOneClearError() throws {
        let hidden = message { _ = try DistillLabCommand.Train.parse(["--teacher", model, "--teacher-hidden", "64"]) }
        XCTAssertTrue(hidden.contains("--teacher-hidden cannot be combined with --teacher"), hidden)
        for flag in [["--teacher-epochs", "3"], ["--teacher-lr", "0.1"], ["--teacher-selection", "last"]] {
            let text = message { _ = try DistillLabCommand.Train.parse(["--teacher", model] + flag) }
            XCTAssertTrue(text.contains("\(flag[0]) has no effect with --teacher"), text)
        }
        let gone = root.appendingPathComponent("gone.safetensors").path
        let missing = message { _ = try DistillLabCommand.Train.parse(["--teacher", gone]).resolvedSettings() }
        XCTAssertTrue(missing.contains("teacher.file (--teacher) '\(gone)': no such file"), missing)
    }

    func testTheHelpListsTheFlag() {
        // Words joined again across the help's line wrapping.
        let help = DistillLabCommand.Train.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("--teacher <file.safetensors>"), help)
        XCTAssertTrue(help.contains("instead of training a teacher"), help)
    }
}
