import DistillStats
import XCTest

final class DescriptiveTests: XCTestCase {

  // Classic example: mean 5, population variance 4, sample variance 32/7.
  let data: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]

  func testMeanAndStandardDeviations() {
    XCTAssertEqual(Descriptive.mean(data), 5, accuracy: 1e-15)
    XCTAssertEqual(Descriptive.populationStandardDeviation(data), 2, accuracy: 1e-15)
    XCTAssertEqual(Descriptive.sampleStandardDeviation(data), (32.0 / 7).squareRoot(), accuracy: 1e-15)
  }

  func testStandardDeviationWithLargeOffset() {
    // A naive Σx² − n·x̄² loses all digits here; the two-pass form is exact.
    let shifted: [Double] = [4, 7, 13, 16].map { $0 + 1e9 }
    XCTAssertEqual(Descriptive.sampleStandardDeviation(shifted), (30.0).squareRoot(), accuracy: 1e-9)
  }

  func testMedian() {
    XCTAssertEqual(Descriptive.median(data), 4.5)
    XCTAssertEqual(Descriptive.median([3, 1, 2]), 2)
    XCTAssertEqual(Descriptive.median([7]), 7)
  }

  func testDegenerateInputsGiveNaN() {
    XCTAssertTrue(Descriptive.mean([]).isNaN)
    XCTAssertTrue(Descriptive.median([]).isNaN)
    XCTAssertTrue(Descriptive.populationStandardDeviation([]).isNaN)
    XCTAssertTrue(Descriptive.sampleStandardDeviation([1]).isNaN)
    XCTAssertEqual(Descriptive.populationStandardDeviation([1]), 0)
  }

  func testSummary() {
    let summary = Descriptive.Summary([0.91, 0.93, 0.89, 0.95])
    XCTAssertEqual(summary.count, 4)
    XCTAssertEqual(summary.mean, 0.92, accuracy: 1e-15)
    // Sample sd of deviations (−.01, .01, −.03, .03): √(0.002/3).
    XCTAssertEqual(summary.standardDeviation, (0.002 / 3).squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(summary.min, 0.89)
    XCTAssertEqual(summary.max, 0.95)
    XCTAssertEqual(summary.description, "0.92 ± 0.02582 (n = 4, min 0.89, max 0.95)")

    let empty = Descriptive.Summary([])
    XCTAssertEqual(empty.count, 0)
    XCTAssertTrue(empty.mean.isNaN && empty.min.isNaN && empty.max.isNaN)
  }
}
