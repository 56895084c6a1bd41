import XCTest
import DistillReport

final class ParetoFrontTests: XCTestCase {

    func testDominatedPointsAreExcludedAndFrontIsSortedByCost() {
        let points: [(cost: Double, benefit: Double)] = [
            (0.00, 0.00),  // 0: cheapest → front
            (0.01, 0.20),  // 1: front
            (0.02, 0.10),  // 2: dominated by 1 (costs more, protects less)
            (0.05, 0.30),  // 3: front
            (0.05, 0.25),  // 4: same cost as 3, less benefit → dominated
            (0.10, 0.30),  // 5: same benefit as 3 at higher cost → dominated
            (0.20, 0.50),  // 6: front
        ]
        XCTAssertEqual(ParetoFront.indices(of: points), [0, 1, 3, 6])
    }

    func testIdenticalPointsAreAllOnTheFront() {
        // Neither of two equal points is strictly better, so both stay.
        let points: [(cost: Double, benefit: Double)] = [(0.1, 0.2), (0.3, 0.1), (0.1, 0.2), (0.0, 0.0)]
        XCTAssertEqual(ParetoFront.indices(of: points), [3, 0, 2])
    }

    func testNaNPointsAreIgnoredAndOthersStillCompared() {
        let points: [(cost: Double, benefit: Double)] = [(.nan, 1.0), (0.2, 0.1), (0.1, .nan), (0.3, 0.4)]
        XCTAssertEqual(ParetoFront.indices(of: points), [1, 3])
    }

    func testSinglePointAndEmptyInput() {
        XCTAssertEqual(ParetoFront.indices(of: [(cost: 0.5, benefit: -0.1)]), [0])
        XCTAssertEqual(ParetoFront.indices(of: []), [])
    }

    func testChainWhereEachPointDominatesTheNext() {
        // Cheaper and more protective each time: only the first survives.
        let points: [(cost: Double, benefit: Double)] = [(0.3, 0.1), (0.2, 0.2), (0.1, 0.3)]
        XCTAssertEqual(ParetoFront.indices(of: points), [2])
    }
}
