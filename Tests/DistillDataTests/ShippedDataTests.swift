import DistillData
import Foundation
import XCTest

final class ShippedDataTests: XCTestCase {
    func testDigitsLoad() throws {
        let (train, test) = try DataSource.digits.load()
        XCTAssertNil(test)
        XCTAssertEqual(train.name, "digits")
        XCTAssertEqual(train.count, 1797)
        XCTAssertEqual(train.featureCount, 64)
        XCTAssertEqual(train.classCount, 10)
        XCTAssertEqual(train.classNames, (0..<10).map(String.init))
        XCTAssertEqual(train.imageShape, ImageShape(height: 8, width: 8))
        XCTAssertTrue(train.features.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(train.features.values.max(), 1)
        // First row of the UCI file: 0,0,5,13,9,1,0,0,… label 0.
        XCTAssertEqual(Array(train.features.rowValues(0).prefix(8)), [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
        XCTAssertEqual(train.labels[0], 0)
        XCTAssertEqual(train.labels[1], 1)
        XCTAssertEqual(train.classCounts(), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    }

    func testDataDirectorySearch() throws {
        let found = try DataDirectory.locate(environment: [:])
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(found)/digits.csv.gz"))
        // Explicit variable wins.
        XCTAssertEqual(try DataDirectory.locate(environment: ["DISTILL_LAB_DATA": found]), found)
        // A wrong explicit variable is an error naming it, not silently bypassed.
        assertDatasetError(try DataDirectory.locate(environment: ["DISTILL_LAB_DATA": "/nonexistent/dir"]),
                           mentions: ["DISTILL_LAB_DATA=/nonexistent/dir"]) {
            if case .dataDirectoryNotFound = $0 { return true }; return false
        }
        // Executable path walk: <root>/.build/release/tool → <root>/Data.
        let root = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: "\(root)/Data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/.build/release", withIntermediateDirectories: true)
        try write([0], to: "\(root)/Data/digits.csv.gz")
        XCTAssertEqual(try DataDirectory.locate(environment: [:], currentDirectory: "/nonexistent",
                                                executablePath: "\(root)/.build/release/distill-lab",
                                                sourceFile: "/nonexistent/a/b.swift"), "\(root)/Data")
        // Nothing anywhere: the error lists the places searched and the fix.
        assertDatasetError(try DataDirectory.locate(environment: [:], currentDirectory: "/nonexistent/cwd",
                                                    executablePath: nil, sourceFile: "/nonexistent/src/x.swift"),
                           mentions: ["/nonexistent/cwd/Data", "/nonexistent/src/Data", "DISTILL_LAB_DATA"]) {
            if case .dataDirectoryNotFound = $0 { return true }; return false
        }
    }

    func testFashionMNISTMissingMessage() throws {
        let empty = try makeTemporaryDirectory(self)
        assertDatasetError(try DataSource.fashionMNIST.load(environment: ["FASHION_MNIST_DIR": empty]),
                           mentions: [empty, "apt-get install dataset-fashion-mnist", "FASHION_MNIST_DIR"]) {
            $0 == .fashionMNISTNotInstalled(directory: empty)
        }
    }

    func testFashionMNISTLoadsWhenPresent() throws {
        let dir = ProcessInfo.processInfo.environment["FASHION_MNIST_DIR"] ?? DataSource.debianFashionMNISTDirectory
        guard FileManager.default.fileExists(atPath: "\(dir)/train-images-idx3-ubyte.gz")
                || FileManager.default.fileExists(atPath: "\(dir)/train-images-idx3-ubyte") else {
            throw XCTSkip("Fashion-MNIST not installed in \(dir) (apt-get install dataset-fashion-mnist)")
        }
        let start = Date()
        let (train, test) = try DataSource.fashionMNIST.load()
        let elapsed = Date().timeIntervalSince(start)
        print("Fashion-MNIST loaded in \(Int(elapsed * 1000)) ms")
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(test?.count, 10_000)
        XCTAssertEqual(train.featureCount, 784)
        XCTAssertEqual(test?.featureCount, 784)
        XCTAssertEqual(train.imageShape, ImageShape(height: 28, width: 28))
        XCTAssertEqual(train.classNames, DataSource.fashionMNISTClassNames)
        XCTAssertEqual(train.classNames[9], "Ankle boot")
        XCTAssertEqual(train.classCounts(), Array(repeating: 6000, count: 10))
        XCTAssertEqual(test?.classCounts(), Array(repeating: 1000, count: 10))
        var lo: Float = 1, hi: Float = 0
        for i in 0..<train.features.count { lo = min(lo, train.features.storage[i]); hi = max(hi, train.features.storage[i]) }
        XCTAssertEqual(lo, 0)
        XCTAssertEqual(hi, 1)
        XCTAssertLessThan(elapsed, 5, "loading should take well under a second in release builds")
    }
}
