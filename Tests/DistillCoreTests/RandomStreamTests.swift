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
        for purpose in StreamPurpose.catalogue {
            var r = RandomStream(seed: 7, purpose: purpose)
            values.insert(r.next())
        }
        var other = RandomStream(seed: 8, purpose: .split)
        values.insert(other.next())
        XCTAssertEqual(values.count, StreamPurpose.catalogue.count + 1)
        XCTAssertEqual(Set(StreamPurpose.catalogue.map(\.family)).count, StreamPurpose.catalogue.count)
        var a = RandomStream(seed: 7, purpose: .controlInit(1)), b = RandomStream(seed: 7, purpose: .controlInit(2))
        XCTAssertNotEqual(a.next(), b.next())
    }

    /// The labels seed every published number: a purpose must keep the label
    /// its free-text predecessor had (renaming one would change results).
    func testLabelsAreTheOnesResultsWerePublishedWith() {
        let expected: [(StreamPurpose, String)] = [
            (.split, "split"), (.teacherInit, "teacherInit"), (.teacherShuffle, "teacherShuffle"),
            (.studentInit, "studentInit"), (.studentShuffle, "studentShuffle"), (.attack, "attack"),
            (.defense, "defense"), (.canary, "canary"), (.nastyTeacherInit, "nasty-teacher-init"),
            (.benignUsersDefense, "defense-benign"), (.benignTrafficDefense, "defense-benign-traffic"),
            (.benignInputs, "benign-inputs"), (.controlData(2), "control-2-data"),
            (.controlInit(2), "control-2-init"), (.controlShuffle(2), "control-2-shuffle"),
            (.periodicSignalKey, "canary.periodic-signal"), (.substituteInit, "substitute-init"),
            (.substituteShuffle, "substitute-shuffle"), (.ownerModel("mad-surrogate"), "mad-surrogate"),
            (.task(suite: "coding", difficulty: 2, split: "test", index: 5), "coding/d2/test/5"),
            (.benchCheck, "bench-check"), (.applyPlaceholderTeacher, "apply-placeholder-teacher"),
        ]
        for (purpose, label) in expected {
            XCTAssertEqual(purpose.label, label)
            var a = RandomStream(seed: 11, purpose: purpose), b = RandomStream(seed: 11, label: label)
            XCTAssertEqual(a.next(), b.next(), label)
        }
    }

    func testTheLedgerNotesFamiliesInCatalogueOrderOnlyWhereSet() {
        let ledger = StreamLedger()
        StreamLedger.$current.withValue(ledger) {
            _ = RandomStream(seed: 1, purpose: .controlInit(4))
            _ = RandomStream(seed: 1, purpose: .split)
            _ = RandomStream(seed: 1, purpose: .controlInit(0))
        }
        _ = RandomStream(seed: 1, purpose: .attack)  // outside: not noted
        XCTAssertEqual(ledger.families, ["split", "control-<i>-init"])
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
