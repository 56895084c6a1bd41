import XCTest
import Foundation
import DistillLab
import DistillSweep

/// Tiny digits sweeps (2-epoch teacher and students) in a fresh temporary folder.
class SweepTestCase: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// The experiment part shared by the tests: fast, and with a canary-free default.
    static let tinyBase = """
    teacher: {training: {epochs: 2}}
    student: {training: {epochs: 2}}
    evaluation: {controls: 4}

    """

    /// Two defenses × two seeds.
    static let twoByTwo = tinyBase + """
    sweep:
      defense.responses: [[rounding:decimals=1], [reverse-sigmoid:beta=0.7]]
    seeds: [0, 1]

    """

    func definition(_ text: String = SweepTestCase.twoByTwo, arguments: [String] = []) throws -> SweepDefinition {
        let file = root.appendingPathComponent("sweep-\(UUID().uuidString.prefix(6)).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try SweepDefinition.make(file: file.path, arguments: arguments)
    }

    /// The pid of a process that has exited (for stale locks).
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func files(in url: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: url.path))
    }
}
