import XCTest
import DistillReport

final class ReportWritingTests: XCTestCase {

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("distill-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testRefusesToOverwriteUnlessAskedAndLeavesNoTemporaryFiles() throws {
        let folder = try temporaryFolder()
        let target = folder.appendingPathComponent("report.md")
        let report = ReportFixtures.sweep
        try report.write(.markdown, to: target)
        XCTAssertThrowsError(try report.write(.csv, to: target)) { error in
            XCTAssertEqual(error as? ReportError, .outputExists(target.path))
            XCTAssertTrue("\(error)".contains("overwrite"))
        }
        XCTAssertTrue(try String(contentsOf: target, encoding: .utf8).hasPrefix("# Output perturbations"))
        try report.write(.csv, to: target, overwrite: true)
        XCTAssertTrue(try String(contentsOf: target, encoding: .utf8).hasPrefix("setting,defense,budget,seeds"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["report.md"])
    }

    func testWriteAllWritesEveryFormatAndIsAllOrNothing() throws {
        let folder = try temporaryFolder()
        let written = try ReportFixtures.sweep.writeAll(to: folder)
        XCTAssertEqual(Set(written.map(\.lastPathComponent)),
                       ["report.html", "report.md", "report.csv", "report.json", "tradeoff-plot.svg", "budget-plot.svg",
                        "power-plot.svg", "canary-plot.svg", "curves-plot.svg"])
        XCTAssertThrowsError(try ReportFixtures.sweep.writeAll(to: folder)) { error in
            guard case .outputExists = error as? ReportError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 9)
    }

    /// A report written over an earlier one of another study leaves none of
    /// the earlier plots behind (a publication copies every .svg of the folder).
    func testOverwritingRemovesPlotsTheNewReportDoesNotDraw() throws {
        let folder = try temporaryFolder()
        try ReportFixtures.sweep.writeAll(to: folder)
        try Data("mine".utf8).write(to: folder.appendingPathComponent("notes.svg"))
        let written = try ReportFixtures.adaptive.writeAll(to: folder, overwrite: true)
        XCTAssertEqual(Set(written.map(\.lastPathComponent)),
                       ["report.html", "report.md", "report.csv", "report.json", "attacker-tradeoff-plot.svg", "detection-plot.svg"])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), Set(written.map(\.lastPathComponent) + ["notes.svg"]),
                       "a file that is no plot of a report stays")
    }

    func testMissingFolderIsAClearError() {
        let target = URL(fileURLWithPath: "/nonexistent-distill-folder/report.html")
        XCTAssertThrowsError(try ReportFixtures.sweep.write(.html, to: target)) { error in
            guard case .cannotWrite(let path, _)? = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
        }
    }
}
