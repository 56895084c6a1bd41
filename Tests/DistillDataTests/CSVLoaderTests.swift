import DistillData
import XCTest

final class CSVLoaderTests: XCTestCase {
    func testValidIntegerLabels() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/ok.csv"
        // Label column in the middle, CRLF endings, spaces, a blank line, scientific notation.
        try write("a, label ,b\r\n1.5,2,-3\r\n\r\n 4 ,0,5e-1\r\n0,1,7\r\n", to: path)
        let ds = try Dataset.loadCSV(path, featureScale: 2)
        XCTAssertEqual(ds.name, "ok.csv")
        XCTAssertEqual(ds.count, 3)
        XCTAssertEqual(ds.featureCount, 2)
        XCTAssertEqual(ds.labels, [2, 0, 1])
        XCTAssertEqual(ds.classNames, ["0", "1", "2"])
        XCTAssertEqual(ds.features.values, [3, -6, 8, 1, 0, 14])
        XCTAssertNil(ds.imageShape)
    }

    func testStringLabelsAreSortedClassNames() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/iris.csv.gz"
        try write(try Gzip.compress(Array("x,y,species\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n".utf8)), to: path)
        let ds = try Dataset.loadCSV(path, labelColumn: "species", name: "iris")
        XCTAssertEqual(ds.name, "iris")
        XCTAssertEqual(ds.classNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(ds.labels, [2, 0, 1, 0])
        XCTAssertEqual(ds.classCounts(), [2, 1, 1])
    }

    func testImageShapeMustMatch() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/img.csv"
        try write("p0,p1,p2,p3,label\n0,1,2,3,0\n", to: path)
        XCTAssertEqual(try Dataset.loadCSV(path, imageShape: ImageShape(height: 2, width: 2)).imageShape,
                       ImageShape(height: 2, width: 2))
        assertDatasetError(try Dataset.loadCSV(path, imageShape: ImageShape(height: 3, width: 3)), mentions: ["3×3"]) {
            if case .invalidDataset = $0 { return true }; return false
        }
    }

    /// A gzip of 50 MB of NUL bytes is refused as binary at its first NUL, quickly, with a short message.
    func testBinaryFileIsRefusedQuicklyWithAShortMessage() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/zeros.csv.gz"
        try write(try Gzip.compress([UInt8](repeating: 0, count: 50_000_000)), to: path)
        let start = Date()
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "binary data, not CSV"]) {
            $0 == .binaryFile(path: path, offset: 0)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "rejecting binary data must not parse it")
        do { _ = try Dataset.loadCSV(path) } catch { XCTAssertLessThan("\(error)".utf8.count, 1_000) }
    }

    /// Huge header names and cells are quoted cut short: every message stays under 1 KB.
    func testHugeInputGivesABoundedMessage() throws {
        let dir = try makeTemporaryDirectory(self)
        let huge = String(repeating: "x", count: 1_000_000)
        let cases: [(String, String, String)] = [
            ("header.csv", huge + "\n1\n", "label"),                                   // no label column: the 1 MB name is listed
            ("manyColumns.csv", (0..<5_000).map { "c\($0)" + huge.prefix(100) }.joined(separator: ",") + "\n", "label"),
            ("cell.csv", "a,label\n" + huge + ",1\n", "label"),                        // a non-numeric 1 MB cell
            ("column.csv", "a,label\n1,2\n", huge),                                    // a 1 MB --label-column
            ("twice.csv", huge + "," + huge + ",b\n1,2,3\n", huge),                     // the same 1 MB name twice
        ]
        for (name, text, column) in cases {
            let path = "\(dir)/\(name)"
            try write(text, to: path)
            XCTAssertThrowsError(try Dataset.loadCSV(path, labelColumn: column), name) {
                XCTAssertLessThan("\($0)".utf8.count, 1_000, "\(name): \("\($0)".prefix(300))")
                XCTAssertTrue("\($0)".contains(path), "\(name): \("\($0)".prefix(300))")
            }
        }
        XCTAssertLessThan(DatasetError.unknownSource(name: huge, valid: ["digits"]).description.utf8.count, 1_000)
    }

    func testTwoLabelColumnsAreRefused() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/twice.csv"
        try write("a,label,label\n1,2,0\n3,1,1\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "2 columns named 'label'"]) {
            $0 == .duplicateLabelColumn(path: path, column: "label", count: 2)
        }
    }

    func testRaggedRow() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/ragged.csv"
        try write("a,b,label\n1,2,0\n1,2,3,0\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: ["\(path):3", "4 fields", "header has 3"]) {
            $0 == .raggedRow(path: path, line: 3, expected: 3, found: 4)
        }
        try write("a,b,label\n1,2,0\n\n1,0\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path)) { $0 == .raggedRow(path: path, line: 4, expected: 3, found: 2) }
    }

    func testNonNumericFeature() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/nn.csv"
        for bad in ["abc", "", "1.2.3", "nan", "inf", "12x"] {
            try write("a,b,label\n1,2,0\n3,\(bad),1\n", to: path)
            assertDatasetError(try Dataset.loadCSV(path), mentions: ["\(path):3", "\"b\""]) {
                $0 == .nonNumeric(path: path, line: 3, column: "b", value: bad)
            }
        }
    }

    func testMissingLabelColumnListsColumns() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/nolabel.csv"
        try write("x,y,class\n1,2,0\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "\"label\"", "x, y, class"]) {
            $0 == .missingLabelColumn(path: path, column: "label", available: ["x", "y", "class"])
        }
        XCTAssertEqual(try Dataset.loadCSV(path, labelColumn: "class").count, 1)
        try write("label\n1\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path]) { $0 == .noFeatureColumns(path: path) }
    }

    func testEmptyFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/empty.csv"
        for content in ["", "\n\n  \n"] {
            try write(content, to: path)
            assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "empty"]) {
                if case .emptyFile(path: path, _) = $0 { return true }; return false
            }
        }
        try write("a,label\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "no data rows"]) {
            if case .emptyFile(path: path, _) = $0 { return true }; return false
        }
        try write(try Gzip.compress([]), to: "\(path).gz")
        assertDatasetError(try Dataset.loadCSV("\(path).gz")) {
            if case .emptyFile = $0 { return true }; return false
        }
    }

    func testQuotesAreRejected() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/q.csv"
        try write("a,label\n1,\"cat, big\"\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: ["\(path):2", "quoted"]) {
            $0 == .quotedField(path: path, line: 2)
        }
        try write("\"a\",label\n1,0\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path)) { $0 == .quotedField(path: path, line: 1) }
    }

    func testBadLabels() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = "\(dir)/labels.csv"
        try write("a,label\n1,0\n2,-1\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: [path, "line 3", "-1"]) {
            if case .labelOutOfRange(path: path, _, label: "-1", _) = $0 { return true }; return false
        }
        try write("a,label\n1,0\n2,123456\n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: ["line 3"]) {
            if case .labelOutOfRange = $0 { return true }; return false
        }
        try write("a,label\n1,0\n2, \n", to: path)
        assertDatasetError(try Dataset.loadCSV(path), mentions: ["\(path):3"]) {
            $0 == .emptyLabel(path: path, line: 3, column: "label")
        }
    }

    func testMissingFileAndBadOptions() throws {
        let dir = try makeTemporaryDirectory(self)
        assertDatasetError(try Dataset.loadCSV("\(dir)/none.csv"), mentions: ["\(dir)/none.csv"]) {
            $0 == .fileNotFound(path: "\(dir)/none.csv")
        }
        try write("a,label\n1,0\n", to: "\(dir)/ok.csv")
        for scale in [Float.nan, .infinity, 0] {
            assertDatasetError(try Dataset.loadCSV("\(dir)/ok.csv", featureScale: scale)) {
                if case .invalidOption = $0 { return true }; return false
            }
        }
        // Corrupt gzip content under a .csv.gz name.
        try write([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff], to: "\(dir)/bad.csv.gz")
        assertDatasetError(try Dataset.loadCSV("\(dir)/bad.csv.gz"), mentions: ["\(dir)/bad.csv.gz"]) {
            if case .corruptGzip = $0 { return true }; return false
        }
    }

    func testBinaryGarbageDoesNotCrash() throws {
        let dir = try makeTemporaryDirectory(self)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<20 {
            let bytes = (0..<(i * 97 + 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try write(bytes, to: "\(dir)/g.csv")
            XCTAssertThrowsError(try Dataset.loadCSV("\(dir)/g.csv"))
            try write(bytes, to: "\(dir)/g.idx")
            XCTAssertThrowsError(try IDX.readImages("\(dir)/g.idx"))
        }
    }

    func testDataSourceParsing() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertEqual(try DataSource(parsing: "digits"), .digits)
        XCTAssertEqual(try DataSource(parsing: "Fashion-MNIST"), .fashionMNIST)
        XCTAssertEqual(try DataSource(parsing: "x/data.CSV.gz", labelColumn: "y", featureScale: 0.5),
                       .csv(path: "x/data.CSV.gz", labelColumn: "y", featureScale: 0.5))
        assertDatasetError(try DataSource(parsing: "digitz"), mentions: ["digitz", "digits", "fashion-mnist", ".csv"]) {
            if case .unknownSource = $0 { return true }; return false
        }
        assertDatasetError(try DataSource(parsing: "\(dir)/missing-folder")) {
            $0 == .fileNotFound(path: "\(dir)/missing-folder")
        }
        try write("x", to: "\(dir)/notes.txt")
        assertDatasetError(try DataSource(parsing: "\(dir)/notes.txt")) { $0 == .unsupportedFile(path: "\(dir)/notes.txt") }

        try write("f1,f2,target\n1,2,yes\n3,4,no\n", to: "\(dir)/t.csv")
        let loaded = try DataSource(parsing: "\(dir)/t.csv", labelColumn: "target").load()
        XCTAssertEqual(loaded.train.classNames, ["no", "yes"])
        XCTAssertNil(loaded.test)
    }
}
