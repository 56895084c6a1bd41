import XCTest
import DistillTasks
import DistillText
@testable import DistillTextLab

final class TextTaskDataTests: XCTestCase {
    func testColumnsFormatKeepsTheAnswerLine() {
        let text = "456+789=1245\n1245-123=1122\nanswer: 1122"
        let c = TextTaskData.columnsText(text)
        XCTAssertEqual(c, "456+789=[5421]1245\n1245-123=[2211]1122\nanswer: 1122")
        let suite = try! ReasoningSuite()
        XCTAssertEqual(suite.finalAnswer(in: c), "1122")
    }
}
