import XCTest
@testable import DistillText

final class ByteTokenizerTests: XCTestCase {
    func testRoundTripIsExactForUTF8() {
        let text = "12+345=357\n→ tool(\"x\")"
        let tokens = ByteTokenizer.encode(text)
        XCTAssertEqual(tokens.count, text.utf8.count)
        XCTAssertTrue(tokens.allSatisfy { (0..<256).contains($0) })
        XCTAssertEqual(ByteTokenizer.decode(tokens), text)
    }
}
