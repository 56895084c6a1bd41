import DistillData
import XCTest

final class IDXLoaderTests: XCTestCase {
    private func checkPixels(_ ds: Dataset, file: StaticString = #filePath, line: UInt = #line) {
        for k in 0..<ds.count {
            for i in 0..<ds.featureCount {
                let expected = Float((k * 31 + i * 7) % 256) / 255
                XCTAssertEqual(ds.features[k, i], expected, accuracy: 1e-7, file: file, line: line)
            }
        }
    }

    func testPlainRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 5, rows: 3, cols: 4), to: "\(dir)/img")
        try write(idxLabels([0, 2, 1, 2, 0]), to: "\(dir)/lab")
        let ds = try Dataset.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab", name: "tiny")
        XCTAssertEqual(ds.count, 5)
        XCTAssertEqual(ds.featureCount, 12)
        XCTAssertEqual(ds.imageShape, ImageShape(height: 3, width: 4))
        XCTAssertEqual(ds.labels, [0, 2, 1, 2, 0])
        XCTAssertEqual(ds.classNames, ["0", "1", "2"])
        checkPixels(ds)
    }

    func testGzipRoundTripDetectedByContentNotName() throws {
        let dir = try makeTemporaryDirectory(self)
        // Gzip content under a plain name, plain content under a .gz name: both load.
        try write(try Gzip.compress(idxImages(count: 7, rows: 2, cols: 2)), to: "\(dir)/images-no-suffix")
        try write(idxLabels([1, 1, 0, 3, 2, 0, 1]), to: "\(dir)/labels.gz")
        let names = ["a", "b", "c", "d"]
        let ds = try Dataset.loadIDX(images: "\(dir)/images-no-suffix", labels: "\(dir)/labels.gz",
                                     name: "tiny", classNames: names)
        XCTAssertEqual(ds.count, 7)
        XCTAssertEqual(ds.classNames, names)
        XCTAssertEqual(ds.labels, [1, 1, 0, 3, 2, 0, 1])
        checkPixels(ds)
        // IDX.readLabels/readImages agree with the dataset.
        XCTAssertEqual(try IDX.readLabels("\(dir)/labels.gz"), [1, 1, 0, 3, 2, 0, 1])
        XCTAssertEqual(try IDX.readImages("\(dir)/images-no-suffix").shape, ImageShape(height: 2, width: 2))
    }

    func testMissingFile() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxLabels([0]), to: "\(dir)/lab")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/nope", labels: "\(dir)/lab", name: "x"),
                           mentions: ["\(dir)/nope", "not found"]) {
            $0 == .fileNotFound(path: "\(dir)/nope")
        }
        assertDatasetError(try Dataset.loadIDX(images: dir, labels: "\(dir)/lab", name: "x"), mentions: [dir]) {
            if case .unreadableFile = $0 { return true }; return false
        }
    }

    func testWrongMagic() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 2, rows: 2, cols: 2, magic: 0x0000_0804), to: "\(dir)/img")
        try write(idxLabels([0, 1]), to: "\(dir)/lab")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab", name: "x"),
                           mentions: ["\(dir)/img", "0x00000804", "0x00000803"]) {
            $0 == .badMagic(path: "\(dir)/img", expected: 0x803, found: 0x804)
        }
        // Swapped paths get a hint.
        try write(idxImages(count: 2, rows: 2, cols: 2), to: "\(dir)/img")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/lab", labels: "\(dir)/img", name: "x"),
                           mentions: ["\(dir)/lab", "swapped"]) {
            if case .badMagic = $0 { return true }; return false
        }
        // Garbage that is not even 4 bytes long; and an empty file.
        try write([0x00, 0x00], to: "\(dir)/two")
        assertDatasetError(try IDX.readLabels("\(dir)/two"), mentions: ["\(dir)/two"]) {
            if case .truncated = $0 { return true }; return false
        }
        try write([UInt8](), to: "\(dir)/empty")
        assertDatasetError(try IDX.readLabels("\(dir)/empty"), mentions: ["\(dir)/empty", "empty"]) {
            if case .emptyFile = $0 { return true }; return false
        }
    }

    func testTruncatedDataAndHeader() throws {
        let dir = try makeTemporaryDirectory(self)
        // Header declares 1,000,000 images of 28×28 but holds 3.
        try write(idxImages(count: 3, rows: 28, cols: 28, declaredCount: 1_000_000), to: "\(dir)/img")
        assertDatasetError(try IDX.readImages("\(dir)/img"), mentions: ["\(dir)/img", "784000016", "truncated"]) {
            $0 == .truncated(path: "\(dir)/img", expectedBytes: 784_000_016, actualBytes: 16 + 3 * 784)
        }
        // Same through gzip.
        try write(try Gzip.compress(idxLabels([1, 2], declaredCount: 9)), to: "\(dir)/lab.gz")
        assertDatasetError(try IDX.readLabels("\(dir)/lab.gz"), mentions: ["\(dir)/lab.gz"]) {
            $0 == .truncated(path: "\(dir)/lab.gz", expectedBytes: 17, actualBytes: 10)
        }
        // Header cut short.
        try write(Array(idxImages(count: 1, rows: 2, cols: 2).prefix(10)), to: "\(dir)/hdr")
        assertDatasetError(try IDX.readImages("\(dir)/hdr"), mentions: ["\(dir)/hdr"]) {
            $0 == .truncated(path: "\(dir)/hdr", expectedBytes: 16, actualBytes: 10)
        }
        // Extra bytes after the declared data.
        try write(idxLabels([1, 2, 3], declaredCount: 2), to: "\(dir)/extra")
        assertDatasetError(try IDX.readLabels("\(dir)/extra"), mentions: ["\(dir)/extra"]) {
            $0 == .trailingBytes(path: "\(dir)/extra", expectedBytes: 10, actualBytes: 11)
        }
        // Absurd dimensions must not allocate or overflow.
        try write(bigEndian(0x803) + bigEndian(.max) + bigEndian(.max) + bigEndian(.max), to: "\(dir)/huge")
        assertDatasetError(try IDX.readImages("\(dir)/huge"), mentions: ["\(dir)/huge"]) {
            if case .badHeader = $0 { return true }
            if case .truncated = $0 { return true }
            return false
        }
        try write(bigEndian(0x803) + bigEndian(1) + bigEndian(0) + bigEndian(5), to: "\(dir)/zero")
        assertDatasetError(try IDX.readImages("\(dir)/zero"), mentions: ["\(dir)/zero"]) {
            if case .badHeader = $0 { return true }; return false
        }
    }

    func testCountMismatch() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 4, rows: 2, cols: 2), to: "\(dir)/img")
        try write(idxLabels([0, 1, 2]), to: "\(dir)/lab")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab", name: "x"),
                           mentions: ["\(dir)/img", "\(dir)/lab", "4 images", "3 labels"]) {
            $0 == .countMismatch(imagesPath: "\(dir)/img", imageCount: 4, labelsPath: "\(dir)/lab", labelCount: 3)
        }
    }

    func testCorruptGzip() throws {
        let dir = try makeTemporaryDirectory(self)
        let packed = try Gzip.compress(idxImages(count: 50, rows: 4, cols: 4))
        try write(Array(packed.prefix(packed.count - 20)), to: "\(dir)/cut.gz")
        assertDatasetError(try IDX.readImages("\(dir)/cut.gz"), mentions: ["\(dir)/cut.gz", "gzip"]) {
            if case .corruptGzip(path: "\(dir)/cut.gz", _) = $0 { return true }; return false
        }
        try write([0x1f, 0x8b] + Array(repeating: UInt8(0xAB), count: 64), to: "\(dir)/junk")
        assertDatasetError(try IDX.readImages("\(dir)/junk"), mentions: ["\(dir)/junk"]) {
            if case .corruptGzip = $0 { return true }; return false
        }
    }

    func testLabelOutOfRange() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 3, rows: 1, cols: 1), to: "\(dir)/img")
        try write(idxLabels([0, 1, 10]), to: "\(dir)/lab")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab", name: "x",
                                               classNames: (0..<10).map(String.init)),
                           mentions: ["\(dir)/lab", "item 2", "10"]) {
            $0 == .labelOutOfRange(path: "\(dir)/lab", location: "item 2", label: "10", classCount: 10)
        }
    }

    func testIDXDirectorySource() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(try Gzip.compress(idxImages(count: 6, rows: 2, cols: 3)), to: "\(dir)/train-images-idx3-ubyte.gz")
        try write(idxLabels([0, 1, 2, 0, 1, 2]), to: "\(dir)/train-labels-idx1-ubyte")
        let source = try DataSource(parsing: dir)
        XCTAssertEqual(source, .idxDirectory(path: dir))
        var loaded = try source.load()
        XCTAssertEqual(loaded.train.count, 6)
        XCTAssertNil(loaded.test)

        // A lone half of the test pair is an error naming the missing file.
        try write(idxImages(count: 2, rows: 2, cols: 3), to: "\(dir)/t10k-images-idx3-ubyte")
        assertDatasetError(try source.load(), mentions: [dir, "t10k-labels-idx1-ubyte"]) {
            $0 == .idxFilesMissing(directory: dir, missing: ["t10k-labels-idx1-ubyte"])
        }
        // With the pair, the test labels widen the shared class list.
        try write(idxLabels([3, 0]), to: "\(dir)/t10k-labels-idx1-ubyte")
        loaded = try source.load()
        XCTAssertEqual(loaded.test?.count, 2)
        XCTAssertEqual(loaded.train.classNames, ["0", "1", "2", "3"])
        XCTAssertEqual(loaded.test?.classNames, loaded.train.classNames)

        // Mismatched test image shape.
        try write(idxImages(count: 2, rows: 3, cols: 2), to: "\(dir)/t10k-images-idx3-ubyte")
        assertDatasetError(try source.load(), mentions: ["t10k-images-idx3-ubyte"]) {
            if case .incompatibleTestSet = $0 { return true }; return false
        }

        let empty = try makeTemporaryDirectory(self)
        assertDatasetError(try DataSource(parsing: empty).load(),
                           mentions: [empty, "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]) {
            if case .idxFilesMissing = $0 { return true }; return false
        }
    }

    /// A t10k pair with zero examples used to reach the metrics and trap there; it is refused at load, naming the file.
    func testEmptyTestPairIsRefusedNamingTheFile() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(idxImages(count: 6, rows: 2, cols: 2), to: "\(dir)/train-images-idx3-ubyte")
        try write(idxLabels([0, 1, 0, 1, 0, 1]), to: "\(dir)/train-labels-idx1-ubyte")
        try write(idxImages(count: 0, rows: 2, cols: 2), to: "\(dir)/t10k-images-idx3-ubyte")
        try write(idxLabels([]), to: "\(dir)/t10k-labels-idx1-ubyte")
        assertDatasetError(try DataSource.idxDirectory(path: dir).load(), mentions: ["\(dir)/t10k-images-idx3-ubyte", "0 examples"]) {
            $0 == .noExamples(path: "\(dir)/t10k-images-idx3-ubyte")
        }
        // The training pair too.
        try write(idxImages(count: 0, rows: 2, cols: 2), to: "\(dir)/img")
        try write(idxLabels([]), to: "\(dir)/lab")
        assertDatasetError(try Dataset.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab", name: "x", classNames: ["a"]),
                           mentions: ["\(dir)/img"]) { $0 == .noExamples(path: "\(dir)/img") }
    }
}
