import DistillCore
import DistillData
import XCTest

final class DataSplitsTests: XCTestCase {
    /// n examples, feature 0 = row index (to identify rows after the split), imbalanced classes.
    private func synthetic(_ classSizes: [Int]) throws -> Dataset {
        let n = classSizes.reduce(0, +)
        let m = Matrix(rows: n, cols: 2)
        var labels: [Int32] = []
        for (c, size) in classSizes.enumerated() { labels += Array(repeating: Int32(c), count: size) }
        for i in 0..<n { m[i, 0] = Float(i); m[i, 1] = Float(labels[i]) }
        return try Dataset(name: "synthetic", features: m, labels: labels,
                           classNames: classSizes.indices.map { "c\($0)" })
    }

    private func ids(_ d: Dataset) -> [Int] { (0..<d.count).map { Int(d.features[$0, 0]) } }

    private func parts(_ s: DataSplits) -> [Dataset] { [s.teacherTrain, s.validation, s.attackerPool, s.test] }

    func testDigitsSplitSizesDisjointStratified() throws {
        let (digits, _) = try DataSource.digits.load()
        // Tag each row with its index in feature 0 so the parts can be compared.
        let tagged = digits.features.copy()
        for i in 0..<tagged.rows { tagged[i, 0] = Float(i) }
        let train = try Dataset(name: digits.name, features: tagged, labels: digits.labels,
                                classNames: digits.classNames, imageShape: digits.imageShape)
        let s = try DataSplits.make(train: train, test: nil, fractions: .digits, seed: 42)
        XCTAssertEqual(s.sizes, [809, 180, 449, 359])
        checkStratifiedAndDisjoint(whole: train, parts: parts(s), total: train.count)
        XCTAssertEqual(s.attackerPool.name, "digits/attacker-pool")
        // Rows keep their features and labels.
        for i in 0..<s.test.count {
            let source = Int(s.test.features[i, 0])
            XCTAssertEqual(s.test.labels[i], digits.labels[source])
            XCTAssertEqual(Array(s.test.features.rowValues(i).dropFirst()), Array(digits.features.rowValues(source).dropFirst()))
        }
        XCTAssertEqual(s.test.featureCount, 64)
        XCTAssertEqual(s.test.imageShape, train.imageShape)
    }

    func testDeterministicAndSeedDependent() throws {
        let data = try synthetic([50, 30, 20])
        let a = try DataSplits.make(train: data, test: nil, fractions: .digits, seed: 7)
        let b = try DataSplits.make(train: data, test: nil, fractions: .digits, seed: 7)
        let c = try DataSplits.make(train: data, test: nil, fractions: .digits, seed: 8)
        XCTAssertEqual(parts(a).map(ids), parts(b).map(ids))
        XCTAssertEqual(parts(a).map(\.labels), parts(b).map(\.labels))
        XCTAssertNotEqual(parts(a).map(ids), parts(c).map(ids))
        checkStratifiedAndDisjoint(whole: data, parts: parts(a), total: 100)
        checkStratifiedAndDisjoint(whole: data, parts: parts(c), total: 100)
        // Parts are shuffled, not grouped by class: the pool is not sorted by label.
        XCTAssertNotEqual(a.attackerPool.labels, a.attackerPool.labels.sorted())
        for i in 0..<a.teacherTrain.count {
            XCTAssertEqual(Int32(a.teacherTrain.features[i, 1]), a.teacherTrain.labels[i])
        }
    }

    func testSmallImbalancedStaysStratified() throws {
        for sizes in [[7, 3, 11, 1, 2], [4, 4, 4], [97, 13], [1, 1, 1, 1, 30]] {
            let data = try synthetic(sizes)
            for seed: UInt64 in 0..<5 {
                let s = try DataSplits.make(train: data, test: nil,
                                            fractions: SplitFractions(teacherTrain: 0.4, validation: 0.15, attackerPool: 0.25, test: 0.2),
                                            seed: seed)
                checkStratifiedAndDisjoint(whole: data, parts: parts(s), total: data.count)
            }
        }
    }

    func testOfficialTestAndPoolSize() throws {
        let train = try synthetic([600, 600, 600, 600, 600, 600])
        let official = try synthetic([10, 10, 10, 10, 10, 10])
        let s = try DataSplits.make(train: train, test: official, fractions: .fashionMNIST, seed: 1)
        XCTAssertEqual(s.sizes, [2100, 300, 1200, 60])
        XCTAssertTrue(s.test.features === official.features, "the official test set is used as-is")
        checkStratifiedAndDisjoint(whole: train, parts: [s.teacherTrain, s.validation, s.attackerPool], total: 3600)

        let p = try DataSplits.make(train: train, test: official,
                                    fractions: SplitFractions(teacherTrain: 0.5, validation: 0.1, attackerPool: 0.01, test: 0),
                                    seed: 1, poolSize: 1000)
        XCTAssertEqual(p.sizes, [1800, 360, 1000, 60])
        checkStratifiedAndDisjoint(whole: train, parts: [p.teacherTrain, p.validation, p.attackerPool], total: 3160)
        assertDatasetError(try DataSplits.make(train: train, test: official, fractions: .fashionMNIST, seed: 1, poolSize: 3000),
                           mentions: ["poolSize"]) {
            if case .invalidSplit = $0 { return true }; return false
        }
        assertDatasetError(try DataSplits.make(train: train, test: official, fractions: .fashionMNIST, seed: 1, poolSize: 0)) {
            if case .invalidSplit = $0 { return true }; return false
        }
    }

    func testInvalidFractionsAndSizes() throws {
        let data = try synthetic([5, 5])
        let bad: [SplitFractions] = [
            SplitFractions(teacherTrain: 0.5, validation: 0.3, attackerPool: 0.3, test: 0.2),   // sum > 1
            SplitFractions(teacherTrain: 0, validation: 0.3, attackerPool: 0.3, test: 0.2),     // empty teacher
            SplitFractions(teacherTrain: 0.5, validation: -0.1, attackerPool: 0.3, test: 0.2),
            SplitFractions(teacherTrain: .nan, validation: 0.1, attackerPool: 0.3, test: 0.2),
            SplitFractions(teacherTrain: 0.5, validation: 0.1, attackerPool: 0.3, test: 0),     // no test, none official
        ]
        for f in bad {
            assertDatasetError(try DataSplits.make(train: data, test: nil, fractions: f, seed: 0), mentions: ["fraction"]) {
                if case .invalidSplit = $0 { return true }; return false
            }
        }
        // Valid fractions, but 10 examples are too few for a non-empty validation part.
        assertDatasetError(try DataSplits.make(train: data, test: nil,
                                               fractions: SplitFractions(teacherTrain: 0.6, validation: 0.01, attackerPool: 0.2, test: 0.19),
                                               seed: 0), mentions: ["validation", "empty"]) {
            if case .invalidSplit = $0 { return true }; return false
        }
        // Test set with other classes.
        let other = try Dataset(name: "other", features: Matrix(rows: 1, cols: 2), labels: [0], classNames: ["z"])
        assertDatasetError(try DataSplits.make(train: data, test: other, fractions: .fashionMNIST, seed: 0)) {
            if case .incompatibleTestSet = $0 { return true }; return false
        }
    }

    /// An empty official test set is refused when splitting (it would trap in the accuracy metric).
    func testEmptyOfficialTestSetIsRefused() throws {
        let train = try synthetic([60, 60])
        let empty = try Dataset(name: "mine/test", features: Matrix(rows: 0, cols: 2), labels: [], classNames: ["c0", "c1"])
        assertDatasetError(try DataSplits.make(train: train, test: empty, fractions: .fashionMNIST, seed: 0),
                           mentions: ["mine/test", "empty"]) {
            if case .invalidSplit = $0 { return true }; return false
        }
    }

    func testFashionMNISTSplitWhenPresent() throws {
        let dir = ProcessInfo.processInfo.environment["FASHION_MNIST_DIR"] ?? DataSource.debianFashionMNISTDirectory
        guard FileManager.default.fileExists(atPath: "\(dir)/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST not installed in \(dir)")
        }
        let (train, test) = try DataSource.fashionMNIST.load()
        let s = try DataSplits.make(train: train, test: test, fractions: .fashionMNIST, seed: 3)
        XCTAssertEqual(s.sizes, [35_000, 5_000, 20_000, 10_000])
        XCTAssertEqual(s.attackerPool.classCounts(), Array(repeating: 2_000, count: 10))
        XCTAssertEqual(s.validation.classCounts(), Array(repeating: 500, count: 10))
    }

    func testDatasetValidation() {
        assertDatasetError(try Dataset(name: "bad", features: Matrix(rows: 2, cols: 1), labels: [0, 3], classNames: ["a", "b"]),
                           mentions: ["bad", "label 3"]) {
            if case .invalidDataset = $0 { return true }; return false
        }
        assertDatasetError(try Dataset(name: "bad", features: Matrix(rows: 2, cols: 1), labels: [0], classNames: ["a"])) {
            if case .invalidDataset = $0 { return true }; return false
        }
        assertDatasetError(try Dataset(name: "bad", features: Matrix(rows: 0, cols: 1), labels: [], classNames: [])) {
            if case .invalidDataset = $0 { return true }; return false
        }
    }

    /// Parts are disjoint, sized as requested in total, and each part's class
    /// counts are within ±1 of proportional.
    private func checkStratifiedAndDisjoint(whole: Dataset, parts: [Dataset], total: Int,
                                            file: StaticString = #filePath, line: UInt = #line) {
        let all = parts.flatMap(ids)
        XCTAssertEqual(Set(all).count, all.count, "parts overlap", file: file, line: line)
        XCTAssertEqual(all.count, total, file: file, line: line)
        let wholeCounts = whole.classCounts()
        for part in parts {
            XCTAssertGreaterThan(part.count, 0, file: file, line: line)
            let counts = part.classCounts()
            for c in 0..<whole.classCount {
                let quota = Double(wholeCounts[c]) * Double(part.count) / Double(whole.count)
                XCTAssertLessThan(abs(Double(counts[c]) - quota), 1.0,
                                  "class \(c) in \(part.name): \(counts[c]) vs quota \(quota)", file: file, line: line)
            }
        }
    }
}
