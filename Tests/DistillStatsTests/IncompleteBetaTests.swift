import DistillStats
import XCTest

final class IncompleteBetaTests: XCTestCase {

  /// (x, a, b, scipy.special.betainc(a, b, x)), SciPy 1.17.1.
  let reference: [(Double, Double, Double, Double)] = [
    (0.1, 2.0, 3.0, 0.05230000000000001),
    (0.5, 0.5, 0.5, 0.5000000000000001),
    (0.9, 10.0, 2.5, 0.8121862743088557),
    (0.3, 60.0, 1.0, 4.239115827521611e-32),
    (0.02, 1.0, 60.0, 0.7024468573078793),
    (0.4, 150.0, 200.0, 0.13980933951984723),
    (0.001, 0.3, 7.0, 0.24736406489314075),
    (0.999, 5.0, 0.2, 0.6288900790266132),
    (0.1, 40, 21, 5.387085605086933e-26),
  ]

  func testMatchesScipy() {
    for (x, a, b, expected) in reference {
      // lgamma-based prefactor: ~1e-13 relative for these parameter sizes.
      assertRelative(IncompleteBeta.regularized(x: x, a: a, b: b), expected,
                     tolerance: 1e-11, "x = \(x), a = \(a), b = \(b)")
    }
  }

  func testAgreesWithBinomialTail() {
    // P[Bin(n, p) ≥ m] = I_p(m, n − m + 1).
    for (n, p) in [(60, 0.1), (200, 0.45), (1000, 0.02)] {
      for m in stride(from: 1, through: n, by: max(1, n / 25)) {
        let tail = Binomial.upperTail(successes: m, trials: n, probability: p)
        guard tail > 1e-250 else { continue }
        assertRelative(IncompleteBeta.regularized(x: p, a: Double(m), b: Double(n - m + 1)), tail,
                       tolerance: 1e-10, "m = \(m), n = \(n), p = \(p)")
      }
    }
  }

  func testEndpointsAndSymmetry() {
    XCTAssertEqual(IncompleteBeta.regularized(x: 0, a: 2, b: 3), 0)
    XCTAssertEqual(IncompleteBeta.regularized(x: 1, a: 2, b: 3), 1)
    // I_x(1, 1) = x (uniform CDF); I_x(a, b) = 1 − I_{1−x}(b, a).
    XCTAssertEqual(IncompleteBeta.regularized(x: 0.37, a: 1, b: 1), 0.37, accuracy: 1e-15)
    for (x, a, b) in [(0.2, 3.5, 1.5), (0.7, 20.0, 8.0), (0.05, 0.7, 0.9)] {
      XCTAssertEqual(IncompleteBeta.regularized(x: x, a: a, b: b),
                     1 - IncompleteBeta.regularized(x: 1 - x, a: b, b: a), accuracy: 1e-14)
    }
  }
}
