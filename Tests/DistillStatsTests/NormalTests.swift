import DistillStats
import XCTest

final class NormalTests: XCTestCase {

  /// (p, scipy.stats.norm.ppf(p)) from SciPy 1.17.1.
  let quantileReference: [(Double, Double)] = [
    (1e-300, -37.0470962993612),
    (1e-20, -9.262340089798409),
    (1e-10, -6.361340902404056),
    (1e-05, -4.264890793922825),
    (0.001, -3.090232306167813),
    (0.02425, -1.972961051311885),
    (0.1, -1.2815515655446004),
    (0.3, -0.5244005127080409),
    (0.5, 0.0),
    (0.7, 0.5244005127080407),
    (0.9, 1.2815515655446004),
    (0.975, 1.959963984540054),
    (0.999, 3.090232306167813),
    (0.9999999999, 6.361340889697422),
  ]

  func testQuantileMatchesScipy() {
    for (p, expected) in quantileReference {
      // AS 241 is accurate to ~1e-16; allow a few ulps for libm differences.
      assertRelative(Normal.quantile(p), expected, tolerance: 1e-14, "p = \(p)")
    }
  }

  /// (x, scipy.stats.norm.cdf(x), scipy.stats.norm.sf(x)) from SciPy 1.17.1.
  let cdfReference: [(Double, Double, Double)] = [
    (-38.0, 0.0, 1.0),
    (-20.0, 2.7536241186061556e-89, 1.0),
    (-5.0, 2.866515718791933e-07, 0.9999997133484281),
    (-1.5, 0.06680720126885807, 0.9331927987311419),
    (0.0, 0.5, 0.5),
    (0.3, 0.6179114221889526, 0.3820885778110474),
    (2.0, 0.9772498680518208, 0.022750131948179195),
    (8.0, 0.9999999999999993, 6.22096057427174e-16),
    (30.0, 1.0, 4.906713927147908e-198),
  ]

  func testCDFAndSurvivalMatchScipy() {
    for (x, cdf, sf) in cdfReference {
      if cdf == 0 {
        XCTAssertLessThan(Normal.cdf(x), 1e-300, "x = \(x)")
      } else {
        assertRelative(Normal.cdf(x), cdf, tolerance: 1e-13, "cdf at \(x)")
      }
      assertRelative(Normal.survival(x), sf, tolerance: 1e-13, "sf at \(x)")
    }
  }

  func testQuantileInvertsCDF() {
    for x in stride(from: -35.0, through: 3.0, by: 0.25) {  // Beyond ~3, p = Φ(x) rounds too coarsely near 1.
      // Relative to the density, the round-trip error is a few ulps of p.
      let roundTrip = Normal.quantile(Normal.cdf(x))
      XCTAssertEqual(roundTrip, x, accuracy: 1e-12 * max(1, abs(x)), "x = \(x)")
    }
  }

  func testQuantileSymmetryAndEdges() {
    // Probabilities whose complement 1 − p is exact in binary.
    for p in [0x1p-20, 0.03125, 0.2, 0.45] {
      XCTAssertEqual(Normal.quantile(p), -Normal.quantile(1 - p), accuracy: 1e-14 * abs(Normal.quantile(p)))
    }
    XCTAssertEqual(Normal.quantile(0), -.infinity)
    XCTAssertEqual(Normal.quantile(1), .infinity)
    XCTAssertTrue(Normal.quantile(-0.1).isNaN)
    XCTAssertTrue(Normal.quantile(1.5).isNaN)
    XCTAssertTrue(Normal.quantile(.nan).isNaN)
  }

  func testDensity() {
    XCTAssertEqual(Normal.density(0), 1 / (2 * Double.pi).squareRoot(), accuracy: 1e-16)
    // scipy.stats.norm.pdf(1.5) = 0.12951759566589174
    assertRelative(Normal.density(1.5), 0.12951759566589174, tolerance: 1e-14)
  }
}
