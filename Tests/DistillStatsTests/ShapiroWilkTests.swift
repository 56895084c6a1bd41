import DistillStats
import XCTest

final class ShapiroWilkTests: XCTestCase {

  // Deterministic samples that Python reproduces exactly:
  //   sine:        [math.sin(1.7*i) + 0.01*i for i in range(n)]       (bimodal, W < 1)
  //   exponential: [math.exp(3*((i*G) % 1.0)) for i in range(n)]     (right-skewed)
  // with G = 0.6180339887498949.
  enum Shape { case sine, exponential }

  static func sample(_ shape: Shape, _ n: Int) -> [Double] {
    (0..<n).map { i in
      let x = Double(i)
      switch shape {
      case .sine: return sin(1.7 * x) + 0.01 * x
      case .exponential: return exp(3 * (x * goldenFraction).truncatingRemainder(dividingBy: 1))
      }
    }
  }

  /// (n, shape, W, p) from `scipy.stats.shapiro(sample)` with SciPy 1.17.1.
  /// Covers every branch of Royston's p-value: n = 3 (exact), 4…11, 12…5000,
  /// and both coefficient branches (n ≤ 5 and n > 5).
  let reference: [(Int, Shape, Double, Double)] = [
    (3, .sine, 0.8866677551616082, 0.3442394495500557),
    (3, .exponential, 0.8872643321105831, 0.3460386528605922),
    (4, .sine, 0.9715828305003533, 0.8512595848711129),
    (4, .exponential, 0.901939322715879, 0.4407558396386708),
    (5, .sine, 0.9903812337387855, 0.9810126839962421),
    (5, .exponential, 0.8957544841891112, 0.3868673691232808),
    (11, .sine, 0.8971930204434865, 0.17077151790307765),
    (11, .exponential, 0.8475589030932246, 0.03965774500641287),
    (12, .sine, 0.9163622931318325, 0.2571978504005503),
    (12, .exponential, 0.8867767665712123, 0.1070946887588507),
    (50, .sine, 0.9317335956373483, 0.006430856236292868),
    (50, .exponential, 0.8622357742122465, 3.374699801045835e-05),
    (200, .sine, 0.9862765556959358, 0.04960892250207264),
    (200, .exponential, 0.8641863222269173, 2.216830178397644e-12),
    (1000, .sine, 0.9705328188241198, 2.2948545606645473e-13),
    (1000, .exponential, 0.8652530471399864, 1.8816030781583924e-28),
    (5000, .sine, 0.9563108519789412, 2.6902707660254096e-36),
    (5000, .exponential, 0.8653122983726913, 2.3633681567637155e-54),
  ]

  // Tolerances: SciPy's swilk keeps some intermediates in single precision,
  // while this implementation is double throughout. A double-precision
  // Python transcription of AS R94 differs from SciPy by at most 6e-10 in W
  // and 4e-7 in p (the p-value amplifies W's error by |d log p / d log(1−W)|,
  // large in the far tail). A wrong coefficient or polynomial shifts W by
  // ≳1e-4 and p by ≳1e-3, so these bounds still catch real mistakes.
  let wTolerance = 1e-8
  let pTolerance = 2e-6

  func testMatchesScipyOnGeneratedSamples() throws {
    for (n, shape, w, p) in reference {
      let result = try ShapiroWilk.test(Self.sample(shape, n))
      assertRelative(result.w, w, tolerance: wTolerance, "W, n = \(n) \(shape)")
      assertRelative(result.pValue, p, tolerance: pTolerance, "p, n = \(n) \(shape)")
    }
  }

  func testMatchesScipyOnFixedSample() throws {
    // scipy.stats.shapiro([148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236])
    //   -> (0.7888146948631716, 0.006703814061898823).
    let x: [Double] = [148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]
    let result = try ShapiroWilk.test(x)
    assertRelative(result.w, 0.7888146948631716, tolerance: wTolerance)
    assertRelative(result.pValue, 0.006703814061898823, tolerance: pTolerance)
  }

  func testNormalScoresLookNormal() throws {
    // Expected normal order statistics: the most normal-looking sample there is.
    // scipy.stats.shapiro(ndtri((i - .375)/(n + .25)) for i = 1…n):
    //   n = 20: W = 0.997179693088336, p = 0.9999999754926056
    //   n = 100: W = 0.9991475955430905, p = 0.9999999980370231
    for (n, w) in [(20, 0.997179693088336), (100, 0.9991475955430905)] {
      let x = (1...n).map { Normal.quantile((Double($0) - 0.375) / (Double(n) + 0.25)) }
      let result = try ShapiroWilk.test(x)
      assertRelative(result.w, w, tolerance: wTolerance, "n = \(n)")
      XCTAssertGreaterThan(result.w, 0.99)
      XCTAssertGreaterThan(result.pValue, 0.99)
    }
  }

  func testSkewedSampleIsRejected() throws {
    // Squares of normals (chi-square, 1 d.o.f.) are strongly right-skewed.
    var rng = LCG(seed: 7)
    let x = (0..<300).map { _ -> Double in let z = rng.normal(); return z * z }
    let result = try ShapiroWilk.test(x)
    XCTAssertLessThan(result.w, 0.8)
    XCTAssertLessThan(result.pValue, 1e-10)
  }

  func testNormalDataIsNotRejectedTooOften() throws {
    // Under H0 the p-value is approximately uniform: about 5% of samples
    // should fall below 0.05 (Royston's approximation is accurate to ~±1%).
    var rng = LCG(seed: 2024)
    var rejections = 0
    let trials = 1000
    for _ in 0..<trials {
      let x = (0..<30).map { _ in rng.normal() }
      if try ShapiroWilk.test(x).pValue < 0.05 { rejections += 1 }
    }
    let rate = Double(rejections) / Double(trials)
    // Binomial sd at 5% over 1000 trials is 0.7%; allow ~3 sd either way.
    XCTAssertGreaterThan(rate, 0.025)
    XCTAssertLessThan(rate, 0.075)
  }

  func testInvariantToOrderLocationAndScale() throws {
    let x = Self.sample(.exponential, 37)
    let base = try ShapiroWilk.test(x)
    let shuffled = try ShapiroWilk.test(x.reversed() + [])
    let affine = try ShapiroWilk.test(x.map { -250 * $0 + 1e4 })
    XCTAssertEqual(shuffled.w, base.w, accuracy: 1e-14)
    XCTAssertEqual(affine.w, base.w, accuracy: 1e-12)
    assertRelative(affine.pValue, base.pValue, tolerance: 1e-9)
  }

  func testCoefficientsAreNormalizedAndDecreasing() {
    for n in [3, 4, 5, 6, 7, 20, 101, 5000] {
      let a = ShapiroWilk.coefficients(n)
      XCTAssertEqual(a.count, n / 2)
      // The full antisymmetric vector (−a, [0], +a) has unit length.
      XCTAssertEqual(2 * a.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12, "n = \(n)")
      for i in 1..<a.count { XCTAssertGreaterThan(a[i - 1], a[i], "n = \(n)") }
      XCTAssertGreaterThan(a.last!, 0)
    }
    // Shapiro & Wilk's (1965) exact table: n = 10, a₁ = 0.5739;
    // Royston's approximation reproduces it to about 3 decimals.
    XCTAssertEqual(ShapiroWilk.coefficients(10)[0], 0.5739, accuracy: 2e-3)
  }

  func testErrors() {
    XCTAssertThrowsError(try ShapiroWilk.test([1, 2])) { error in
      XCTAssertEqual(error as? StatsError, .sampleTooSmall(count: 2, minimum: 3))
      XCTAssertTrue("\(error)".contains("at least 3"))
    }
    XCTAssertThrowsError(try ShapiroWilk.test([])) { error in
      XCTAssertEqual(error as? StatsError, .sampleTooSmall(count: 0, minimum: 3))
    }
    XCTAssertThrowsError(try ShapiroWilk.test([1, 2, .nan, 4])) { error in
      XCTAssertEqual(error as? StatsError, .nonFiniteValue(index: 2))
      XCTAssertTrue("\(error)".contains("index 2"))
    }
    XCTAssertThrowsError(try ShapiroWilk.test([1, .infinity, 3])) { error in
      XCTAssertEqual(error as? StatsError, .nonFiniteValue(index: 1))
    }
    XCTAssertThrowsError(try ShapiroWilk.test([5, 5, 5, 5])) { error in
      XCTAssertEqual(error as? StatsError, .zeroRange)
    }
    XCTAssertThrowsError(try ShapiroWilk.test(Self.sample(.sine, 5001))) { error in
      XCTAssertEqual(error as? StatsError, .sampleTooLarge(count: 5001, maximum: 5000))
      XCTAssertTrue("\(error)".contains("subsample"))
    }
  }
}
