import XCTest
import Foundation
import DistillCore
import DistillLab
import DistillSweep

/// A sweep over `teacher.file`: loaded and trained teachers side by side in one
/// folder, the cache keeping them apart, and `collect` finding every point.
final class SweepTeacherFileTests: SweepTestCase {
    /// A 64-7-10 MLP in the lab's checkpoint layout, random weights.
    func writeTeacher(_ name: String) throws -> URL {
        var rng = RandomStream(seed: 2, purpose: .teacherInit)
        func tensor(_ shape: [Int]) -> SafeTensor {
            SafeTensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal() * 0.3) })
        }
        let url = root.appendingPathComponent(name)
        try SafeTensors.write(["layers.0.weight": tensor([7, 64]), "layers.0.bias": tensor([7]),
                               "layers.1.weight": tensor([10, 7]), "layers.1.bias": tensor([10])],
                              metadata: ["architecture": "64-7-10", "activation": "relu"], to: url)
        return url
    }

    func testASweepOverTeacherFilesKeepsLoadedAndTrainedTeachersApart() throws {
        let file = try writeTeacher("mine.safetensors")
        let text = SweepTestCase.tinyBase + """
        attack: {budget: 200}
        sweep:
          teacher.file: [null, "\(file.path)"]
          defense.responses: [[rounding:decimals=1], [reverse-sigmoid:beta=0.7]]
        seeds: [0]

        """
        let out = root.appendingPathComponent("out")
        let runner = try SweepRunner(definition: try definition(text), folder: out)
        let summary = try runner.run()
        XCTAssertEqual(summary.ran.count, 4, "\(summary.failureReasons)")
        XCTAssertEqual([runner.cache.teacherStores, runner.cache.teacherHits], [1, 1], "only the trained teacher is cached")
        XCTAssertEqual([runner.cache.baselineStores, runner.cache.baselineHits], [2, 2], "one baseline per teacher, shared by the defenses")

        for point in runner.manifest.points {
            let folder = runner.runFolder(point)
            let swept = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
            let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: folder.appendingPathComponent("settings.json")))
            let loaded = point.settings.teacher.file != nil
            XCTAssertEqual(swept.teacher.architecture, loaded ? "64-7-10" : "64-256-128-10", point.name)
            XCTAssertEqual(record.teacherFile?.architecture, loaded ? "64-7-10" : nil, point.name)
            XCTAssertEqual(record.teacherFile?.path, loaded ? file.path : nil, point.name)
            // A loaded teacher's shared baseline gives what a run alone gives (SweepRunnerTests checks trained ones).
            guard loaded else { continue }
            let alone = try Experiment(settings: point.settings).run()
            XCTAssertEqual(swept.teacher.testAccuracy, alone.teacher.testAccuracy, point.name)
            XCTAssertEqual(swept.students.map(\.testAccuracy), alone.students.map(\.testAccuracy), point.name)
            XCTAssertEqual(swept.undefendedBaseline?.map(\.testAccuracy), alone.undefendedBaseline?.map(\.testAccuracy), point.name)
            XCTAssertEqual(swept.defensiveImpact, alone.defensiveImpact, point.name)
        }
        // Every run folder matches its point (settings.json keeps the settings as swept).
        let collection = try SweepCollection.read(out)
        XCTAssertEqual(collection.runs.count, 4)
        XCTAssertEqual(collection.missing, [])
        XCTAssertEqual(collection.unexpected, [])
        XCTAssertTrue(runner.manifest.points.map(\.name).contains { $0.hasPrefix("teacher.file=none__") }, "\(runner.manifest.points.map(\.name))")
    }

    /// A file a sweep names must exist when the sweep is expanded, not fail point by point.
    func testAMissingTeacherFileStopsTheSweepBeforeItRuns() throws {
        let gone = root.appendingPathComponent("gone.safetensors").path
        let text = SweepTestCase.tinyBase + "sweep:\n  teacher.file: [null, \"\(gone)\"]\nseeds: [0]\n"
        XCTAssertThrowsError(try SweepRunner(definition: try definition(text), folder: root.appendingPathComponent("out"))) { e in
            XCTAssertTrue("\(e)".contains("teacher.file") && "\(e)".contains("no such file"), "\(e)")
        }
    }
}
