import DistillStats
import XCTest

final class BinomialTests: XCTestCase {

  /// (m, n, p, P[X ≥ m], log P[X ≥ m]) with the probability from
  /// `scipy.stats.binom.sf(m - 1, n, p)` and the log from
  /// `scipy.stats.binom.logsf(m - 1, n, p)`, SciPy 1.17.1 (one exception noted).
  let upperTailReference: [(Int, Int, Double, Double, Double)] = [
    (60, 60, 0.1, 1.0000000000000033e-60, -138.15510557964274),
    (40, 60, 0.1, 5.387085605086933e-26, -58.18320788322294),
    (1, 60, 0.1, 0.9982029897000856, -0.0017986268598636263),
    (6, 60, 0.1, 0.5628341292628727, -0.5747703136777901),
    (10, 60, 0.1, 0.07306551008369899, -2.616398841848124),
    (30, 60, 0.5, 0.5512890865042847, -0.5954959495115457),
    (31, 60, 0.5, 0.44871091349571535, -0.8013764438183499),
    (5, 10, 0.3, 0.15026833259999992, -1.8953326990332149),
    (3, 1000, 0.001, 0.080209342840201, -2.523115276627753),
    (150, 1000, 0.1, 4.489442859450041e-07, -14.61636704165831),
    (200, 1000, 0.1, 2.9280548038287287e-21, -47.27994863979644),
    (500, 1000, 0.1, 4.0188255421205495e-224, -514.3880711244219),
    (900, 10000, 0.05, 5.4424427430840365e-62, -141.06604777189327),
    (256, 256, 0.5, 8.636168555094445e-78, -177.445678223346),
    (20, 100, 0.3, 0.9911127916838572, -0.008926935100591537),
    // SciPy's logsf here is log(sf) with sf rounded near 1 (-4.996003610825685e-12,
    // off by 7e-7); the log is the exact rational value from mpmath instead.
    (2, 5, 0.999, 0.999999999995004, -4.996000000012497754e-12),
    (5, 5, 0.999, 0.995009990004999, -0.0050025016679176556),
  ]

  func testUpperTailMatchesScipy() {
    for (m, n, p, tail, logTail) in upperTailReference {
      // Both computations are accurate to ~1e-14; 1e-11 leaves room for
      // libm differences and still catches any off-by-one in m (which
      // changes the tail by a factor, not a rounding error).
      assertRelative(Binomial.upperTail(successes: m, trials: n, probability: p), tail,
                     tolerance: 1e-11, "m = \(m), n = \(n), p = \(p)")
      assertRelative(Binomial.logUpperTail(successes: m, trials: n, probability: p), logTail,
                     tolerance: 1e-11, "log, m = \(m), n = \(n), p = \(p)")
    }
  }

  func testLogTailBelowDoubleRange() {
    // SciPy's logsf returns -inf here; these references are exact rational
    // sums evaluated with mpmath at 40 digits
    // (Fraction(p) is the exact double; sum comb(n,k) p^k q^(n-k), k ≥ m).
    assertRelative(Binomial.logUpperTail(successes: 900, trials: 2000, probability: 0.01),
                   -2783.4398451667027038, tolerance: 1e-12)
    assertRelative(Binomial.logUpperTail(successes: 1000, trials: 1000, probability: 1e-9),
                   -20723.265836946411094, tolerance: 1e-12)
    XCTAssertEqual(Binomial.upperTail(successes: 1000, trials: 1000, probability: 1e-9), 0)

    // A 64-bit fingerprint matched 4096 times by chance: (2⁻⁶⁴)^4096 = 2^−262144.
    let logP = Binomial.logUpperTail(successes: 4096, trials: 4096, probability: 0x1p-64)
    assertRelative(logP, -262144 * log(2.0), tolerance: 1e-13)
  }

  func testUpperTailEqualsDirectSumOfMass() {
    // For small n the naive formula C(n,k) p^k (1−p)^(n−k) is accurate.
    func choose(_ n: Int, _ k: Int) -> Double {
      (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
    }
    for n in [1, 2, 7, 20, 33] {
      for p in [0.01, 0.1, 0.37, 0.5, 0.8, 0.999] {
        let pmf = (0...n).map { choose(n, $0) * pow(p, Double($0)) * pow(1 - p, Double(n - $0)) }
        for k in 0...n {
          assertRelative(Binomial.probabilityMass(k, trials: n, probability: p), pmf[k],
                         tolerance: 1e-12, "pmf k = \(k), n = \(n), p = \(p)")
        }
        for m in 0...n {
          let direct = pmf[m...].reversed().reduce(0, +)  // Small terms first.
          assertRelative(Binomial.upperTail(successes: m, trials: n, probability: p), direct,
                         tolerance: 1e-12, "m = \(m), n = \(n), p = \(p)")
          let lower = pmf[...m].reduce(0, +)
          assertRelative(Binomial.lowerTail(successes: m, trials: n, probability: p), lower,
                         tolerance: 1e-12, "lower m = \(m), n = \(n), p = \(p)")
        }
      }
    }
  }

  /// (m, n, p, scipy.stats.binom.cdf(m, n, p)), SciPy 1.17.1.
  func testLowerTailMatchesScipy() {
    let reference: [(Int, Int, Double, Double)] = [
      (0, 60, 0.1, 0.0017970102999144305),
      (3, 60, 0.1, 0.13739856941965792),
      (20, 60, 0.1, 0.9999998373345365),
      (30, 60, 0.5, 0.5512890865042847),
      (2, 1000, 0.01, 0.00267943199379151),
      (59, 60, 0.9, 0.9982029897000856),
    ]
    for (m, n, p, cdf) in reference {
      assertRelative(Binomial.lowerTail(successes: m, trials: n, probability: p), cdf,
                     tolerance: 1e-11, "m = \(m), n = \(n), p = \(p)")
    }
  }

  func testTailsAreComplementaryAndMonotone() {
    for (n, p) in [(60, 0.1), (1000, 0.3), (5, 0.5)] {
      var previous = 1.0
      for m in 0...(n + 1) {
        let upper = Binomial.upperTail(successes: m, trials: n, probability: p)
        let lower = Binomial.lowerTail(successes: m - 1, trials: n, probability: p)
        XCTAssertEqual(upper + lower, 1, accuracy: 1e-13, "m = \(m), n = \(n)")
        XCTAssertLessThanOrEqual(upper, previous, "not monotone at m = \(m), n = \(n)")
        // Strictness is only visible where the tail is not rounded to 0 or 1.
        if m <= n && upper > 1e-300 && previous < 1 - 1e-12 {
          XCTAssertLessThan(upper, previous, "not strictly decreasing at m = \(m), n = \(n)")
        }
        previous = upper
      }
    }
  }

  func testEdgeCases() {
    XCTAssertEqual(Binomial.upperTail(successes: 0, trials: 10, probability: 0.3), 1)
    XCTAssertEqual(Binomial.upperTail(successes: -5, trials: 10, probability: 0.3), 1)
    XCTAssertEqual(Binomial.upperTail(successes: 11, trials: 10, probability: 0.3), 0)
    XCTAssertEqual(Binomial.logUpperTail(successes: 11, trials: 10, probability: 0.3), -.infinity)
    XCTAssertEqual(Binomial.upperTail(successes: 1, trials: 10, probability: 0), 0)
    XCTAssertEqual(Binomial.upperTail(successes: 0, trials: 10, probability: 0), 1)
    XCTAssertEqual(Binomial.upperTail(successes: 10, trials: 10, probability: 1), 1)
    XCTAssertEqual(Binomial.upperTail(successes: 0, trials: 0, probability: 0.5), 1)
    XCTAssertEqual(Binomial.upperTail(successes: 1, trials: 0, probability: 0.5), 0)
    XCTAssertEqual(Binomial.lowerTail(successes: 9, trials: 10, probability: 1), 0)
    XCTAssertEqual(Binomial.lowerTail(successes: 10, trials: 10, probability: 0.7), 1)
    XCTAssertEqual(Binomial.probabilityMass(0, trials: 10, probability: 0), 1)
  }

  /// The detection use case: a control model with true agreement rate p₀
  /// answers n queries; the verifier flags it if P[Bin(n, p₀) ≥ X] ≤ α.
  /// Over many controls the false-positive rate must not exceed α.
  func testFalsePositiveRateIsAtMostAlpha() {
    var rng = LCG(seed: 12345)
    let p0 = 0.1, n = 60, draws = 20_000
    for alpha in [0.05, 0.01] {
      var falsePositives = 0
      for _ in 0..<draws {
        let agreements = (0..<n).reduce(0) { count, _ in count + (rng.uniform() < p0 ? 1 : 0) }
        if Binomial.upperTail(successes: agreements, trials: n, probability: p0) <= alpha {
          falsePositives += 1
        }
      }
      let rate = Double(falsePositives) / Double(draws)
      // Exact rate is P[X ≥ m*] ≤ α for the smallest m* with tail ≤ α
      // (0.040 for α = 0.05, 0.0066 for α = 0.01); allow 4 binomial sds.
      let slack = 4 * (alpha * (1 - alpha) / Double(draws)).squareRoot()
      XCTAssertLessThanOrEqual(rate, alpha + slack, "alpha = \(alpha)")
      // …but the test is not vacuous: it does fire at a comparable rate.
      XCTAssertGreaterThan(rate, alpha / 3, "alpha = \(alpha)")
    }
  }

  /// (x, n, confidence, scipy.stats.beta.ppf(confidence, x + 1, n - x)),
  /// the one-sided Clopper–Pearson upper bound, SciPy 1.17.1.
  let clopperPearsonReference: [(Int, Int, Double, Double)] = [
    (0, 50, 0.95, 0.05815507911697225),
    (3, 50, 0.95, 0.14783717636418123),
    (7, 100, 0.99, 0.15289676964425186),
    (12, 20, 0.9, 0.7509351786201914),
    (0, 10, 0.999999, 0.7488113568483197),
    (500, 1000, 0.95, 0.5264822687643087),
    (1, 200, 0.5, 0.008377519429396244),
  ]

  func testUpperConfidenceBoundMatchesScipy() {
    for (x, n, confidence, bound) in clopperPearsonReference {
      assertRelative(Binomial.upperConfidenceBound(successes: x, trials: n, confidence: confidence),
                     bound, tolerance: 1e-10, "x = \(x), n = \(n), c = \(confidence)")
    }
  }

  func testUpperConfidenceBoundProperties() {
    // x = 0 has the closed form 1 − (1 − c)^(1/n).
    let closed = 1 - pow(0.05, 1.0 / 30)
    assertRelative(Binomial.upperConfidenceBound(successes: 0, trials: 30, confidence: 0.95),
                   closed, tolerance: 1e-12)
    XCTAssertEqual(Binomial.upperConfidenceBound(successes: 30, trials: 30, confidence: 0.95), 1)
    // Defining equation: P[Bin(n, bound) ≤ x] = 1 − c.
    let bound = Binomial.upperConfidenceBound(successes: 17, trials: 400, confidence: 0.99)
    assertRelative(Binomial.lowerTail(successes: 17, trials: 400, probability: bound), 0.01,
                   tolerance: 1e-9)
    // Higher confidence gives a larger bound; more data at the same rate a smaller one.
    XCTAssertLessThan(
      Binomial.upperConfidenceBound(successes: 5, trials: 100, confidence: 0.9),
      Binomial.upperConfidenceBound(successes: 5, trials: 100, confidence: 0.99))
    XCTAssertLessThan(
      Binomial.upperConfidenceBound(successes: 50, trials: 1000, confidence: 0.95),
      Binomial.upperConfidenceBound(successes: 5, trials: 100, confidence: 0.95))
  }

  /// Coverage: the bound exceeds the true p₀ in at least `confidence` of
  /// repeated experiments, so a detector using it stays conservative.
  func testUpperConfidenceBoundCoverage() {
    var rng = LCG(seed: 99)
    let p0 = 0.08, n = 150, experiments = 4000, confidence = 0.95
    var covered = 0
    for _ in 0..<experiments {
      let x = (0..<n).reduce(0) { count, _ in count + (rng.uniform() < p0 ? 1 : 0) }
      if Binomial.upperConfidenceBound(successes: x, trials: n, confidence: confidence) >= p0 {
        covered += 1
      }
    }
    let coverage = Double(covered) / Double(experiments)
    // Binomial sd at 95% over 4000 runs is 0.34%; allow ~4 sds.
    XCTAssertGreaterThanOrEqual(coverage, confidence - 0.014)
  }
}
