import XCTest
import DistillCore

final class AtomicFileTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testWritesWholeFilesAndNeverClobbersUnlessAsked() throws {
        let url = folder.appendingPathComponent("a.json")
        try AtomicFile.write(Data("one".utf8), to: url, overwrite: false)
        XCTAssertThrowsError(try AtomicFile.write(Data("two".utf8), to: url, overwrite: false)) { e in
            XCTAssertEqual(e as? AtomicFile.Failure, .exists(path: url.path))
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "one")
        try AtomicFile.write(Data("three".utf8), to: url, overwrite: true)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "three")
        // No temporary names are left behind, after success or refusal.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["a.json"])
    }

    func testInstallRefusesAnExistingTargetAndDropsTheTemporary() throws {
        let url = folder.appendingPathComponent("b")
        try AtomicFile.write(Data("kept".utf8), to: url, overwrite: false)
        let temp = AtomicFile.temporaryURL(beside: url)
        try Data("new".utf8).write(to: temp)
        XCTAssertThrowsError(try AtomicFile.install(temp, at: url, overwrite: false))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.path))
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "kept")
    }

    func testMissingFolderAndDirectoryTargetAreNamed() {
        let missing = folder.appendingPathComponent("nope/c")
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: missing, overwrite: false)) { e in
            guard case let .io(path, _, detail)? = e as? AtomicFile.Failure else { return XCTFail("\(e)") }
            XCTAssertEqual(path, missing.path)
            XCTAssertTrue(detail.contains("does not exist"), detail)
        }
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: folder, overwrite: true)) { e in
            XCTAssertTrue("\(e)".contains("directory"), "\(e)")
        }
    }
}
