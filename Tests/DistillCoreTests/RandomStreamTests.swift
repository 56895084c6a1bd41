import XCTest
import DistillCore

final class RandomStreamTests: XCTestCase {
    func testSameSeedAndPurposeGiveSameSequence() {
        var a = RandomStream(seed: 42, purpose: .teacherShuffle)
        var b = RandomStream(seed: 42, purpose: .teacherShuffle)
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
    }

    func testPurposesAndSeedsGiveDifferentStreams() {
        var values = Set<UInt64>()
        for purpose in StreamPurpose.allCases {
            var r = RandomStream(seed: 7, purpose: purpose)
            values.insert(r.next())
        }
        var other = RandomStream(seed: 8, purpose: .split)
        values.insert(other.next())
        XCTAssertEqual(values.count, StreamPurpose.allCases.count + 1)
    }

    func testBoundedIntegersAreInRangeAndRoughlyUniform() {
        var r = RandomStream(seed: 3, label: "t")
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[r.int(below: 7)] += 1 }
        // Chi-square with 6 dof: 22.46 is the 0.999 quantile.
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - 10_000, 2) / 10_000 }
        XCTAssertLessThan(chi2, 22.46)
    }

    func testNormalMomentsAndUniformRange() {
        var r = RandomStream(seed: 5, label: "n")
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let z = r.normal(); s += z; s2 += z * z }
        XCTAssertEqual(s / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(s2 / Double(n), 1, accuracy: 0.02)
        for _ in 0..<1000 { let u = r.uniform(); XCTAssertTrue(u >= 0 && u < 1) }
    }

    func testPermutationAndSampleAreValid() {
        var r = RandomStream(seed: 9, label: "p")
        let p = r.permutation(100)
        XCTAssertEqual(p.sorted(), Array(0..<100))
        XCTAssertNotEqual(p, Array(0..<100))
        let s = r.sample(30, from: 50)
        XCTAssertEqual(Set(s).count, 30)
        XCTAssertTrue(s.allSatisfy { $0 >= 0 && $0 < 50 })
    }
}
