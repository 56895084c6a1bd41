import XCTest
import Foundation
@testable import DistillCore

/// `SafeTensors.readHeader` reads what `read` would, without the data: the same
/// shapes and dtypes, and the same error for every damaged file.
final class SafeTensorsHeaderTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("st-header-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testTheHeaderAgreesWithAFullReadOnEveryPrefixOfAFile() throws {
        let url = root.appendingPathComponent("m.safetensors")
        try SafeTensors.write(["a.weight": SafeTensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]), "a.bias": SafeTensor([7, 8, 9]),
                               "s": SafeTensor(scalar: 1)], metadata: ["role": "teacher"], to: url)
        let (tensors, meta) = try SafeTensors.read(from: url)
        let header = try SafeTensors.readHeader(from: url)
        XCTAssertEqual(header.metadata, meta)
        XCTAssertEqual(header.tensors.mapValues(\.shape), tensors.mapValues(\.shape))
        XCTAssertEqual(Set(header.tensors.values.map(\.dtype)), [.f32])

        // Every truncation (and one trailing byte too many) fails alike in both readers.
        let bytes = try Data(contentsOf: url)
        var cases = (0..<bytes.count).map { bytes.prefix($0) }
        cases.append(bytes + Data([0]))
        for (i, data) in cases.enumerated() {
            let cut = root.appendingPathComponent("cut-\(i).safetensors")
            try data.write(to: cut)
            var full: String?, head: String?
            do { _ = try SafeTensors.read(from: cut) } catch { full = "\(error)" }
            do { _ = try SafeTensors.readHeader(from: cut) } catch { head = "\(error)" }
            XCTAssertNotNil(full, "\(data.count) bytes")
            XCTAssertEqual(head, full, "\(data.count) of \(bytes.count) bytes")
        }
        XCTAssertThrowsError(try SafeTensors.readHeader(from: root.appendingPathComponent("absent"))) { e in
            XCTAssertTrue("\(e)".contains("no such file"), "\(e)")
        }
    }
}
