import XCTest
@testable import DistillLabCommands
import DistillTextLab

/// `distill-lab text train`'s settings: files and overrides replace the keys they name; a key that is
/// not a setting, or a bad value, is one error naming it.
final class TextCommandTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func testNoArgumentsIsTheDefaultAndOverridesAndFilesEditTheKeysTheyName() throws {
        XCTAssertEqual(try DistillLabCommand.TextTrain.parse([]).resolvedSettings(), .standard)
        let s = try DistillLabCommand.TextTrain.parse(["--budget", "40", "student.steps=70", "attack.curve=[10, 20]"]).resolvedSettings()
        XCTAssertEqual(s.attack.budget, 40)
        XCTAssertEqual(s.student.steps, 70)
        XCTAssertEqual(s.attack.curve, [10, 20])
        XCTAssertEqual(s.teacher, TextTeacherSettings.standard)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("text-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "attack:\n  budget: 90\n  temperature: 0.5\ntestExamples: 30\n".write(to: file, atomically: true, encoding: .utf8)
        let f = try DistillLabCommand.TextTrain.parse(["--config", file.path, "attack.budget=70"]).resolvedSettings()
        XCTAssertEqual(f.attack.budget, 70)  // the override comes last
        XCTAssertEqual(f.attack.temperature, 0.5)
        XCTAssertEqual(f.testExamples, 30)
        XCTAssertEqual(f.attack.topLogprobs, TextAttackSettings().topLogprobs)
        // The subcommand is the default of `text`.
        XCTAssertTrue(try DistillLabCommand.parseAsRoot(["text", "attack.budget=5"]) is DistillLabCommand.TextTrain)
    }

    func testTheNotebooksFullRecipeFileReads() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Notebooks-as-scripts/experiments/text-full.yaml")
        let s = try DistillLabCommand.TextTrain.parse(["--config", file.path]).resolvedSettings()
        XCTAssertEqual(s.teacher.steps, 6000)
        XCTAssertEqual(s.teacher.suites.map(\.trainExamples), [60_000, 60_000, 60_000])
        XCTAssertEqual(s.attack.budgets, [100, 300, 1000, 3000])
        XCTAssertEqual(s.teacher.model, TextTeacherSettings.standard.model)
    }

    func testTheTeacherCommandsBatchingAndFormatOptions() throws {
        XCTAssertEqual(try DistillLabCommand.TextTeacherCommand.parse([]).settings().mixedBatches, true)
        let perSuite = try DistillLabCommand.TextTeacherCommand.parse(["--batches", "per-suite", "--answer-format", "scratch"]).settings()
        XCTAssertNil(perSuite.mixedBatches)
        XCTAssertEqual(perSuite.answerFormat, .scratch)
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTeacherCommand.parse(["--batches", "some"]).settings() }.contains("--batches"))
        XCTAssertEqual(try DistillLabCommand.TextTeacherCommand.parse(["--pack", "true"]).settings().packedBatches, true)
        XCTAssertNil(try DistillLabCommand.TextTeacherCommand.parse([]).settings().packedBatches)
    }

    /// Optional settings (absent from settings.json while unset) are keys `text train` accepts.
    func testOptionalSettingsCanBeSetAndStayUnsetByDefault() throws {
        let packed = try DistillLabCommand.TextTrain.parse(["teacher.packedBatches=true", "student.packedBatches=true"]).resolvedSettings()
        XCTAssertEqual(packed.teacher.packedBatches, true)
        XCTAssertEqual(packed.student.packedBatches, true)
        let plain = try DistillLabCommand.TextTrain.parse([]).resolvedSettings()
        XCTAssertNil(plain.teacher.packedBatches)
        XCTAssertNil(plain.student.packedBatches)
        XCTAssertEqual(plain.teacher, TextExperimentSettings.standard.teacher)
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["teacher.packedBatches=maybe"]).resolvedSettings() }.contains("teacher.packedBatches"))
    }

    func testBadKeysAndValuesAreOneErrorNamingThem() {
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["attack.budgit=5"]).resolvedSettings() }.contains("unknown text setting attack.budgit"))
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["attack.budget=0"]).resolvedSettings() }.contains("attack.budget"))
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["attack.budget=many"]).resolvedSettings() }.contains("attack.budget"))
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["budget"]).resolvedSettings() }.contains("key.path=value"))
        XCTAssertTrue(message { _ = try DistillLabCommand.TextTrain.parse(["--config", "/nonexistent.yaml"]).resolvedSettings() }.contains("cannot read --config"))
    }
}
