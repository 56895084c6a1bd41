import XCTest
import Foundation
@testable import DistillLabCommands
import DistillLab

/// `distill-lab train` flags parsed in process (this target links the commands): a flag's
/// error names the flag, and quoted input is cut short.
final class TrainFlagMessageTests: XCTestCase {
    func message(_ arguments: [String]) -> String {
        do { _ = try DistillLabCommand.Train.parse(arguments).resolvedSettings(); return "(no error)" } catch {
            return DistillLabCommand.Train.message(for: error)
        }
    }

    /// 1e11 and 2^62 widths on the command line: the size check names the flag and the memory, before any allocation
    /// (the settings check said only "settings: teacher.hidden …").
    func testHugeHiddenWidthsNameTheFlagAndTheMemory() {
        let big = message(["--teacher-hidden", "100000000000"])
        XCTAssertTrue(big.hasPrefix("teacher.hidden (--teacher-hidden) = [100000000000] would need 5.8 TiB"), big)
        XCTAssertTrue(big.contains("the limit is 8.0 GiB"), big)
        let pow62 = message(["--student-hidden", "4611686018427387904"])
        XCTAssertTrue(pow62.hasPrefix("student.hidden (--student-hidden) = [4611686018427387904] would need more than 8.0 EiB"), pow62)
        XCTAssertTrue(message(["--teacher-hidden", "100000,100000"]).contains("149.0 GiB"))
        XCTAssertEqual(message(["--teacher-hidden", "512,256", "--student-hidden", "64"]), "(no error)")
    }

    /// Flag values are quoted cut short: a 100 KB value made a 100 KB message.
    func testHugeFlagValuesGiveBoundedMessages() {
        let huge = String(repeating: "x", count: 100_000)
        for arguments in [["--defense", huge], ["--defense", "rounding:\(huge)=1"], ["--teacher-hidden", String(repeating: "1,", count: 50_000) + "x"],
                          ["--attack", huge]] {
            let text = message(arguments)
            XCTAssertNotEqual(text, "(no error)", arguments[0])
            XCTAssertLessThan(text.utf8.count, 1_000, "\(arguments[0]): \(text.prefix(300))")
        }
    }
}
