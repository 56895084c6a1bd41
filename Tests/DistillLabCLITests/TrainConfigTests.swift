import XCTest
import Foundation
import DistillLab

/// `distill-lab train --config FILE key=value…`: the binary end to end.
final class TrainConfigTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests at \(DistillLabBinary.url.path)")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testConfigAndOverridesRunAndTheSavedConfigReproducesTheRun() throws {
        let file = root.appendingPathComponent("exp.yaml")
        try "teacher: {training: {epochs: 2}}\nstudent: {training: {epochs: 2}}\nattack: {budget: 300}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("runs")
        let first = try DistillLabBinary.run(["train", "--quiet", "--json", "--config", file.path, "attack.budget=150",
                                              "student.hidden=[16]", "--output", out.path, "--run-name", "a"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let a = try JSONDecoder().decode(ExperimentResult.self, from: Data(first.stdout.utf8))
        XCTAssertEqual(a.queryBudget, 150, "the override wins over the file")
        XCTAssertEqual(a.students.first?.architecture, "64-16-10")
        XCTAssertEqual(a.teacher.epochs, 2)

        // The run directory keeps the resolved settings as an experiment file; rerunning it gives the same run.
        let saved = out.appendingPathComponent("a/config.yaml")
        let text = try String(contentsOf: saved, encoding: .utf8)
        XCTAssertTrue(text.contains("budget: 150"), text)
        let second = try DistillLabBinary.run(["train", "--quiet", "--json", "--config", saved.path, "--output", out.path, "--run-name", "b"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let b = try JSONDecoder().decode(ExperimentResult.self, from: Data(second.stdout.utf8))
        XCTAssertEqual(b.students.map(\.testAccuracy), a.students.map(\.testAccuracy))
        XCTAssertEqual(b.students.map(\.fidelity), a.students.map(\.fidelity))
        XCTAssertEqual(b.teacher.testAccuracy, a.teacher.testAccuracy)
    }

    func testConfigErrorsNameFileLineAndKey() throws {
        let file = root.appendingPathComponent("typo.yaml")
        try "seed: 1\nteacher:\n  training:\n    epoch: 5\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try DistillLabBinary.run(["train", "--config", file.path, "--no-save"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("typo.yaml:4:5: `teacher.training.epoch`: unknown key; did you mean `epochs`?"), r.stderr)
        let o = try DistillLabBinary.run(["train", "--no-save", "attack.budgit=5"])
        XCTAssertNotEqual(o.status, 0)
        XCTAssertTrue(o.stderr.contains("override `attack.budgit=5`: `attack.budgit`: unknown key; did you mean `budget`?"), o.stderr)
    }
}
