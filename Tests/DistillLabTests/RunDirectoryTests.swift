import XCTest
import Foundation
import DistillLab

/// Run folders stay inside their output folder, and file-system trouble is one clear sentence.
final class RunDirectoryTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rundir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testRunNamesThatLeaveTheOutputFolderAreRefused() throws {
        let output = root.appendingPathComponent("runs")
        for name in ["../outside", "..", ".", "a/b", "/etc", "", "x\0y"] {
            XCTAssertThrowsError(try RunDirectory.create(under: output, name: name), name) { e in
                XCTAssertTrue("\(e)".contains("must be a plain folder name inside --output"), "\(e)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("outside").path))
        let ok = try RunDirectory.create(under: output, name: "good-1")
        XCTAssertEqual(ok.url.deletingLastPathComponent().standardizedFileURL.path, output.standardizedFileURL.path)
    }

    func testOutputUnderAFileNamesTheFile() throws {
        let file = root.appendingPathComponent("plain.txt")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try RunDirectory.create(under: file.appendingPathComponent("sub"), name: "r")) { e in
            XCTAssertEqual("\(e)", "cannot create the output folder \(file.path)/sub: \(file.path) is a file, not a folder; choose another --output")
        }
        XCTAssertThrowsError(try RunDirectory.create(under: file, name: "r")) { e in
            XCTAssertTrue("\(e)".contains("\(file.path) is a file, not a folder"), "\(e)")
        }
    }

    func testUnwritableOutputIsOneSentenceNotAnNSErrorDump() throws {
        let locked = root.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
        guard getuid() != 0 else { throw XCTSkip("root ignores folder permissions") }
        XCTAssertThrowsError(try RunDirectory.create(under: locked.appendingPathComponent("runs"), name: "r")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("Permission denied"), text)
            XCTAssertFalse(text.contains("NSCocoaErrorDomain"), text)
            XCTAssertFalse(text.contains("NSUnderlyingError"), text)
        }
    }

    func testQuotedInputIsTruncated() {
        let huge = String(repeating: "\0", count: 5_000_000)
        let q = ExperimentError.quote(huge)
        XCTAssertLessThan(q.utf8.count, 1_000)
        XCTAssertTrue(q.hasPrefix("'\\u{0}\\u{0}"), q)
        XCTAssertTrue(q.hasSuffix("(5000000 characters, first 120 shown)"), q)
        XCTAssertEqual(ExperimentError.quote("short"), "'short'")
    }
}
