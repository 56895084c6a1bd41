import DistillCore
@testable import DistillData
import XCTest

final class FeatureNormalizerTests: XCTestCase {
    private func dataset(_ rows: [[Float]], name: String = "d") throws -> Dataset {
        try Dataset(name: name, features: Matrix(rows), labels: rows.indices.map { Int32($0 % 2) }, classNames: ["a", "b"])
    }

    private func column(_ d: Dataset, _ j: Int) -> [Float] { (0..<d.count).map { d.features[$0, j] } }

    /// Four splits of very different ranges: the parameters are the teacher
    /// split's alone, and every split is mapped with them.
    func testParametersComeFromTheTeacherSplitOnly() throws {
        let splits = DataSplits(
            teacherTrain: try dataset([[2, 0], [3, 1], [4, 2]], name: "teacher"),
            validation: try dataset([[-10, 50], [10, 60]], name: "validation"),
            attackerPool: try dataset([[100, -7], [200, 9]], name: "pool"),
            test: try dataset([[-1000, 5], [0, 3]], name: "test"))

        let (minmax, m) = splits.normalized(.minmax)
        let mm = try XCTUnwrap(m)
        XCTAssertEqual(mm.shift, [2, 0])
        XCTAssertEqual(mm.spread, [2, 2])
        XCTAssertEqual(mm.fittedRows, 3)
        XCTAssertEqual(column(minmax.teacherTrain, 0), [0, 0.5, 1])
        // Other splits use the teacher's parameters, so they may leave [0, 1].
        XCTAssertEqual(column(minmax.attackerPool, 0), [49, 99])
        XCTAssertEqual(column(minmax.test, 0), [-501, -1])
        XCTAssertEqual(column(minmax.validation, 1), [25, 30])
        XCTAssertEqual(minmax.test.name, "test")
        XCTAssertEqual(minmax.test.labels, splits.test.labels)

        let (standard, s) = splits.normalized(.standardize)
        let st = try XCTUnwrap(s)
        XCTAssertEqual(st.shift, [3, 1])
        XCTAssertEqual(st.spread[0], Float((2.0 / 3.0).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(standard.attackerPool.features[0, 0], Float(97 / (2.0 / 3.0).squareRoot()), accuracy: 1e-3)
        // The raw splits are not modified in place.
        XCTAssertEqual(column(splits.teacherTrain, 0), [2, 3, 4])
    }

    /// Through `DataSplits.make` with an official test set of another range:
    /// the fitted minimum and maximum are those of the teacher rows.
    func testSplitsFromMakeFitOnTheirTeacherRows() throws {
        var rows: [[Float]] = []
        for i in 0..<200 { rows.append([Float(i), Float(i % 7) * 0.001]) }
        let train = try dataset(rows)
        let official = try dataset((0..<20).map { [Float(5000 + $0), 9] }, name: "official")
        let raw = try DataSplits.make(train: train, test: official, fractions: .fashionMNIST, seed: 3)
        let (splits, fitted) = raw.normalized(.minmax)
        let n = try XCTUnwrap(fitted)
        let teacher0 = column(raw.teacherTrain, 0), teacher1 = column(raw.teacherTrain, 1)
        XCTAssertEqual(n.shift, [teacher0.min()!, teacher1.min()!])
        XCTAssertEqual(n.spread, [teacher0.max()! - teacher0.min()!, teacher1.max()! - teacher1.min()!])
        XCTAssertEqual(n.fittedRows, raw.teacherTrain.count)
        // The fit would differ had the other splits entered it.
        let everything = try dataset([raw.teacherTrain, raw.validation, raw.attackerPool, raw.test].flatMap { part in
            (0..<part.count).map { part.features.rowValues($0) }
        })
        let leaky = try XCTUnwrap(FeatureNormalizer.fit(.minmax, on: everything))
        XCTAssertNotEqual(leaky.spread, n.spread)
        XCTAssertTrue(column(splits.test, 0).allSatisfy { $0 > 1 }, "the test set lies beyond the teacher's range")
        XCTAssertEqual(splits.sizes, raw.sizes)
    }

    func testMinmaxPutsTheTeacherSplitExactlyOntoTheUnitInterval() throws {
        var rng = RandomStream(seed: 1, purpose: .split)
        let rows: [[Float]] = (0..<300).map { _ in
            [Float(rng.uniform() * 4000 - 1000), Float(rng.uniform() * 0.003), 7.25, Float(rng.normal() * 1e-3 + 0.5)]
        }
        let data = try dataset(rows)
        let n = try XCTUnwrap(FeatureNormalizer.fit(.minmax, on: data))
        let out = n.apply(to: data)
        for j in [0, 1, 3] {
            let c = column(out, j)
            XCTAssertEqual(c.min(), 0, "feature \(j)")
            XCTAssertEqual(c.max(), 1, "feature \(j)")
            XCTAssertTrue(c.allSatisfy { $0 >= 0 && $0 <= 1 }, "feature \(j)")
        }
        XCTAssertEqual(column(out, 2), Array(repeating: 0, count: 300), "a constant feature maps to 0")
        XCTAssertEqual(n.spread[2], 0)
    }

    /// Reference values from numpy: `(X - X.mean(0)) / X.std(0)` (ddof 0), 0 where std is 0.
    func testStandardizeMatchesNumpy() throws {
        let data = try dataset([[1, 10, 0.001, -50], [2, 10, 0.002, 20], [3, 10, 0.004, 35], [4, 10, 0.009, 5]])
        let n = try XCTUnwrap(FeatureNormalizer.fit(.standardize, on: data))
        let mean: [Float] = [2.5, 10, 0.004, 2.5]
        let std: [Float] = [1.1180339887498949, 0, 0.0030822068173929360, 32.113081446662825]
        for j in 0..<4 {
            XCTAssertEqual(n.shift[j], mean[j], accuracy: abs(mean[j]) * 1e-6, "mean \(j)")
            XCTAssertEqual(n.spread[j], std[j], accuracy: std[j] * 1e-6, "std \(j)")
        }
        let expected: [[Double]] = [
            [-1.3416407864998738, 0, -0.9733285267845754, -1.634847782739198],
            [-0.4472135954999579, 0, -0.6488856845230503, 0.5449492609130661],
            [0.4472135954999579, 0, 0, 1.0120486274099798],
            [1.3416407864998738, 0, 1.6222142113076252, 0.0778498944161523],
        ]
        let out = n.apply(to: data)
        for i in 0..<4 {
            for j in 0..<4 { XCTAssertEqual(Double(out.features[i, j]), expected[i][j], accuracy: 1e-5, "(\(i), \(j))") }
        }
        for j in [0, 2, 3] {
            let c = column(out, j).map(Double.init)
            let m = c.reduce(0, +) / 4
            let v = c.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 4
            XCTAssertEqual(m, 0, accuracy: 1e-6, "mean of feature \(j)")
            XCTAssertEqual(v, 1, accuracy: 1e-5, "variance of feature \(j)")
        }
    }

    /// A constant teacher feature gives 0 everywhere, also where another split's value differs (not NaN or ±inf).
    func testConstantFeatureIsZeroNotNaN() throws {
        let teacher = try dataset([[5, 1], [5, 2], [5, 3]])
        let other = try dataset([[6, 1], [-3, 2]])
        for method in [FeatureNormalization.minmax, .standardize] {
            let n = try XCTUnwrap(FeatureNormalizer.fit(method, on: teacher))
            XCTAssertEqual(n.spread[0], 0, "\(method)")
            XCTAssertEqual(column(n.apply(to: teacher), 0), [0, 0, 0], "\(method)")
            XCTAssertEqual(column(n.apply(to: other), 0), [0, 0], "\(method)")
            XCTAssertTrue(n.apply(to: other).features.values.allSatisfy(\.isFinite), "\(method)")
        }
    }

    func testNoneLeavesTheSplitsUntouched() throws {
        let splits = DataSplits(teacherTrain: try dataset([[2, 0], [3, 1]]), validation: try dataset([[9, 9]]),
                                attackerPool: try dataset([[100, -7]]), test: try dataset([[-1000, 5]]))
        let (same, normalizer) = splits.normalized(.none)
        XCTAssertNil(normalizer)
        XCTAssertNil(FeatureNormalizer.fit(.none, on: splits.teacherTrain))
        XCTAssertTrue(same.teacherTrain.features === splits.teacherTrain.features)
        XCTAssertTrue(same.test.features === splits.test.features)
    }

    func testCodableRoundTrip() throws {
        let n = FeatureNormalizer(method: .standardize, fittedRows: 3, shift: [1, 2], spread: [0.5, 0])
        XCTAssertEqual(try JSONDecoder().decode(FeatureNormalizer.self, from: JSONEncoder().encode(n)), n)
        XCTAssertEqual(FeatureNormalization.allCases.map(\.rawValue), ["none", "minmax", "standardize"])
    }
}
