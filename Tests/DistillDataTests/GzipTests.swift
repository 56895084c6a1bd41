import DistillData
import XCTest

final class GzipTests: XCTestCase {
    func testRoundTrip() throws {
        let original = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let packed = try Gzip.compress(original)
        XCTAssertTrue(Gzip.hasGzipMagic(packed))
        XCTAssertEqual(try Gzip.decompress(packed, path: "x.gz"), original)
    }

    func testEmptyRoundTrip() throws {
        let packed = try Gzip.compress([])
        XCTAssertEqual(try Gzip.decompress(packed, path: "empty.gz"), [])
    }

    func testConcatenatedMembers() throws {
        let a = try Gzip.compress(Array("hello ".utf8)), b = try Gzip.compress(Array("world".utf8))
        XCTAssertEqual(String(decoding: try Gzip.decompress(a + b, path: "ab.gz"), as: UTF8.self), "hello world")
    }

    func testCorruptAndTruncated() throws {
        var packed = try Gzip.compress(Array(repeating: UInt8(7), count: 5000) + Array(0...255))
        let truncated = Array(packed.prefix(packed.count / 2))
        assertDatasetError(try Gzip.decompress(truncated, path: "t.gz"), mentions: ["t.gz", "truncated"]) {
            if case .corruptGzip = $0 { return true }; return false
        }
        packed[12] ^= 0xff
        packed[13] ^= 0x55
        assertDatasetError(try Gzip.decompress(packed, path: "c.gz"), mentions: ["c.gz"]) {
            if case .corruptGzip = $0 { return true }; return false
        }
        assertDatasetError(try Gzip.decompress([0x1f, 0x8b, 1, 2], path: "short.gz"), mentions: ["short.gz"]) {
            if case .corruptGzip = $0 { return true }; return false
        }
        assertDatasetError(try Gzip.decompress([1, 2, 3], path: "plain")) {
            if case .corruptGzip = $0 { return true }; return false
        }
    }

    func testBadLevel() {
        assertDatasetError(try Gzip.compress([1], level: 12)) {
            if case .invalidOption = $0 { return true }; return false
        }
    }
}
