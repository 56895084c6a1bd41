import XCTest
import Foundation
@testable import DistillTasks

final class ChatMessageTests: XCTestCase {
    func testRolesEncodeAsOpenAINames() throws {
        let m = ChatMessage(.system, "tools: add")
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        XCTAssertTrue(json.contains("\"role\":\"system\""), json)
        XCTAssertEqual(try JSONDecoder().decode(ChatMessage.self, from: Data(json.utf8)), m)
    }
}
