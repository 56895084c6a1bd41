import XCTest
@testable import DistillData

/// `DataSource.outline()`: what the recipe reads before loading (example count, official test set).
final class DataSourceOutlineTests: XCTestCase {
    func testCSVCountsDataRowsLikeTheLoader() throws {
        let dir = try makeTemporaryDirectory(self)
        // Header, 5 rows, blank lines and a trailing line without newline, CRLF on one.
        let text = "a,b,label\n1,2,0\n\n3,4,1\r\n  \n5,6,0\n7,8,1\n9,10,0"
        try write(Array(text.utf8), to: "\(dir)/x.csv")
        try write(try Gzip.compress(Array(text.utf8)), to: "\(dir)/y.csv.gz")
        for name in ["x.csv", "y.csv.gz"] {
            let source = try DataSource(parsing: "\(dir)/\(name)")
            XCTAssertEqual(source.outline(), DataSource.Outline(splitExamples: 5, hasOfficialTest: false), name)
            XCTAssertEqual(try source.load().train.count, 5, name)
        }
        XCTAssertNil(try DataSource(parsing: "\(dir)/missing.csv").outline(), "unreadable: loading says why")
    }

    /// A file whose first line holds a NUL is binary: no outline (loading refuses it), and no
    /// count through all of it (a 48 KB gzip of 50 MB of zeros took seconds per sweep point).
    func testBinaryCSVHasNoOutlineAndIsNotCounted() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(try Gzip.compress([UInt8](repeating: 0, count: 50_000_000)), to: "\(dir)/zeros.csv.gz")
        try write(Array("a,label\n".utf8) + [0, 0] + Array("\n1,0\n".utf8), to: "\(dir)/late.csv")
        let start = Date()
        XCTAssertNil(try DataSource(parsing: "\(dir)/zeros.csv.gz").outline())
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        // A NUL after a text header is the loader's to judge; the lines are counted as ever.
        XCTAssertEqual(try DataSource(parsing: "\(dir)/late.csv").outline()?.splitExamples, 2)
    }

    /// Whether the source has its own test set is known without reading any data.
    func testOfficialTestSetIsKnownWithoutReading() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertFalse(DataSource.digits.hasOfficialTest)
        XCTAssertTrue(DataSource.fashionMNIST.hasOfficialTest)
        XCTAssertFalse(try DataSource(parsing: "\(dir)/none.csv").hasOfficialTest)
        XCTAssertFalse(DataSource.idxDirectory(path: dir).hasOfficialTest)
        try write(idxLabels([0, 1]), to: "\(dir)/t10k-labels-idx1-ubyte")
        XCTAssertTrue(DataSource.idxDirectory(path: dir).hasOfficialTest)
    }

    func testIDXFolderReadsOnlyItsLabels() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 6, rows: 2, cols: 3), to: "\(dir)/train-images-idx3-ubyte")
        try write(try Gzip.compress(idxLabels([0, 1, 2, 0, 1, 2])), to: "\(dir)/train-labels-idx1-ubyte.gz")
        XCTAssertEqual(DataSource.idxDirectory(path: dir).outline(), DataSource.Outline(splitExamples: 6, hasOfficialTest: false))
        let withTest = try makeTemporaryDirectory(self)
        for f in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: "\(dir)/\(f)", toPath: "\(withTest)/\(f)")
        }
        try write(idxImages(count: 2, rows: 2, cols: 3), to: "\(withTest)/t10k-images-idx3-ubyte")
        try write(idxLabels([0, 1]), to: "\(withTest)/t10k-labels-idx1-ubyte")
        XCTAssertEqual(DataSource.idxDirectory(path: withTest).outline(), DataSource.Outline(splitExamples: 6, hasOfficialTest: true))
    }
}
