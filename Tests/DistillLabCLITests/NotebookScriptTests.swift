import XCTest
import Foundation

/// The quick mode of every numbered notebook script runs end to end with the
/// built binary and produces its table (and, for sweeps, a complete collection
/// and the report).
final class NotebookScriptTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// The package root, from this file's location.
    var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func runQuick(_ script: String) throws -> URL {
        let out = root.appendingPathComponent(script)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [packageRoot.appendingPathComponent("Notebooks-as-scripts/\(script).sh").path]
        var env = ProcessInfo.processInfo.environment
        env["QUICK"] = "1"
        env["DISTILL_LAB_BIN"] = DistillLabBinary.url.path
        env["OUT"] = out.path
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(script): \(errText)")
        return out
    }

    /// The first capture group of `pattern` in `text`, for each match.
    func captures(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Data rows of a Markdown table (lines starting with "| " after the separator row).
    func tableRows(_ url: URL) throws -> [String] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let sep = lines.firstIndex(where: { $0.hasPrefix("| :--") || $0.hasPrefix("|:--") || $0.hasPrefix("| ---") }) else { return [] }
        return lines[(sep + 1)...].filter { $0.hasPrefix("|") }
    }

    /// 07 runs the text track (a toy teacher in quick mode): its table has the teacher and the three
    /// students, the budget curve, and the attacker's spend summing to the budget (24 exchanges).
    func testTextBaselinesScript() throws {
        let out = try runQuick("07-text-baselines")
        let table = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        for model in ["| teacher |", "| seq-kd |", "| logit-kd |", "| reference |", "| 12 |", "| 24 |"] { XCTAssertTrue(table.contains(model), model) }
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("text/results.json"))) as! [String: Any]
        let spend = results["spend"] as! [[String: Any]]
        XCTAssertEqual(spend.map { $0["exchanges"] as! Int }.reduce(0, +), 24)
        XCTAssertEqual((results["curve"] as! [Any]).count, 6)
    }

    func testBaselinesScript() throws {
        let out = try runQuick("01-baselines")
        var parts = ["digits"]
        if FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") { parts.append("fashion-mnist") }
        for part in parts {
            XCTAssertEqual(try tableRows(out.appendingPathComponent("\(part)/results.md")).count, 1, part)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(part)/report/report.html").path), part)
        }
    }

    func testSweepScriptsProduceTheirTablesAndReports() throws {
        // script → settings its quick mode sweeps (one seed each).
        let expected = ["02-query-budget": 2, "03-perturbations": 12, "04-canaries": 3, "05-adaptive-attackers": 4, "06-detection": 2]
        for (script, rows) in expected.sorted(by: { $0.key < $1.key }) {
            let out = try runQuick(script)
            XCTAssertEqual(try tableRows(out.appendingPathComponent("results.md")).count, rows, script)
            let html = try String(contentsOf: out.appendingPathComponent("report/report.html"), encoding: .utf8)
            // Plots follow the data, not the script's name: the budget plot only where the budget varies, the power
            // curve where the canary rate does, one front per attacker where the counters differ, the detection plot
            // with a detector, training curves everywhere (every run logs its epochs).
            let plots: [String: [String]] = [
                "02-query-budget": ["budget-plot", "curves-plot"],
                "03-perturbations": ["tradeoff-plot", "curves-plot"],
                "04-canaries": ["tradeoff-plot", "power-plot", "canary-plot", "curves-plot"],
                "05-adaptive-attackers": ["attacker-tradeoff-plot", "curves-plot"],
                "06-detection": ["detection-plot", "curves-plot"],
            ]
            let drawn = captures("<svg id=\"([a-z-]+-plot)\"", in: html)
            XCTAssertEqual(drawn, plots[script], script)
            let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("report").path).filter { $0.hasSuffix(".svg") }
            XCTAssertEqual(Set(files), Set((plots[script] ?? []).map { $0 + ".svg" }), script)
            XCTAssertFalse(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("Notebooks-as-scripts/published/\(script)/quick").path))
        }
    }
}
