import DistillCore
import DistillData
import Foundation
import XCTest

/// A fresh temporary folder removed when the test case ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("distilldata-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
}

func bigEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
}

/// An IDX images file: `count` images of rows×cols, pixel i of image k = (k·31 + i·7) mod 256.
func idxImages(count: Int, rows: Int, cols: Int, declaredCount: Int? = nil, magic: UInt32 = 0x803) -> [UInt8] {
    var bytes = bigEndian(magic) + bigEndian(UInt32(declaredCount ?? count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
    for k in 0..<count {
        for i in 0..<(rows * cols) { bytes.append(UInt8((k * 31 + i * 7) % 256)) }
    }
    return bytes
}

func idxLabels(_ labels: [UInt8], declaredCount: Int? = nil, magic: UInt32 = 0x801) -> [UInt8] {
    bigEndian(magic) + bigEndian(UInt32(declaredCount ?? labels.count)) + labels
}

/// Asserts that `body` throws a `DatasetError` that `matches` accepts and
/// whose message contains every string in `mentions`.
func assertDatasetError<T>(_ body: @autoclosure () throws -> T, mentions: [String] = [],
                           file: StaticString = #filePath, line: UInt = #line,
                           _ matches: (DatasetError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected a DatasetError", file: file, line: line)
    } catch let error as DatasetError {
        XCTAssertTrue(matches(error), "unexpected error case: \(error)", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(error.description.contains(m), "message lacks \"\(m)\": \(error)", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
    }
}
