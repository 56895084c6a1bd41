import DistillStats
import XCTest

final class LombScargleTests: XCTestCase {

  // Irregular times and a cosine at angular frequency 1.3 with an offset and
  // a small second component; Python reproduces them exactly:
  //   t = [0.37*i + 0.3*((i*G) % 1.0) for i in range(40)]
  //   y = [2*cos(1.3*t[i]) + 0.5 + 0.1*sin(0.9*i) for i in range(40)]
  //   w = [0.1 + 0.05*k for k in range(60)]
  let times = (0..<40).map { 0.37 * Double($0) + 0.3 * (Double($0) * goldenFraction).truncatingRemainder(dividingBy: 1) }
  var values: [Double] {
    times.indices.map { 2 * cos(1.3 * times[$0]) + 0.5 + 0.1 * sin(0.9 * Double($0)) }
  }
  let grid = (0..<60).map { 0.1 + 0.05 * Double($0) }

  /// (k, P(w[k]), normalized P(w[k])) from SciPy 1.17.1:
  ///   scipy.signal.lombscargle(t, y - y.mean(), w)
  ///   scipy.signal.lombscargle(t, y - y.mean(), w, normalize=True)
  let reference: [(Int, Double, Double)] = [
    (0, 0.029967806891022904, 0.0007260033440425165),
    (5, 0.30723674683095004, 0.007443150792553714),
    (20, 16.53978024451597, 0.4006945123116106),
    (24, 41.14003963139402, 0.9966630676394559),
    (30, 5.350461678572303, 0.12962086564894568),
    (59, 0.00835747858577852, 0.0002024691837845669),
  ]

  func testMatchesScipy() {
    let raw = LombScargle.power(times: times, values: values, frequencies: grid, normalization: .unnormalized)
    let normalized = LombScargle.power(times: times, values: values, frequencies: grid)
    XCTAssertEqual(raw.count, grid.count)
    for (k, expectedRaw, expectedNormalized) in reference {
      // Same closed form as SciPy; differences are summation-order rounding
      // (SciPy agrees with a direct NumPy transcription to 2e-14).
      assertRelative(raw[k], expectedRaw, tolerance: 1e-10, "k = \(k)")
      assertRelative(normalized[k], expectedNormalized, tolerance: 1e-10, "k = \(k)")
    }
  }

  func testCosinePeaksAtItsFrequency() {
    let normalized = LombScargle.power(times: times, values: values, frequencies: grid)
    let peak = normalized.indices.max { normalized[$0] < normalized[$1] }!
    XCTAssertEqual(grid[peak], 1.3, accuracy: 1e-9)  // SciPy: argmax 24, w = 1.3
    XCTAssertTrue(normalized.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-12 })
  }

  func testInvariantToTimeShiftAndOffset() {
    let base = LombScargle.power(times: times, values: values, frequencies: grid)
    let shifted = LombScargle.power(
      times: times.map { $0 + 17.25 }, values: values.map { $0 - 3 }, frequencies: grid)
    for k in grid.indices {
      XCTAssertEqual(shifted[k], base[k], accuracy: 1e-10, "k = \(k)")
    }
  }

  /// Noisy, irregularly sampled data as a DRW/CosWM verifier would see it.
  private func noisySeries(
    _ rng: inout LCG, count: Int, signalAmplitude: Double, frequency: Double
  ) -> (t: [Double], y: [Double]) {
    let t = (0..<count).map { _ in 80 * rng.uniform() }
    let y = t.map { signalAmplitude * cos(frequency * $0) + rng.normal() }
    return (t, y)
  }

  func testSignalToNoiseSeparatesSignalFromNoise() {
    let band = (1...400).map { 0.01 * Double($0) }  // Angular frequencies 0.01…4.
    let target = 2.0, halfWidth = 0.05
    var rng = LCG(seed: 31337)
    var noiseRatios: [Double] = []
    for _ in 0..<40 {
      let watermarked = noisySeries(&rng, count: 200, signalAmplitude: 1, frequency: target)
      let snr = LombScargle.signalToNoise(
        times: watermarked.t, values: watermarked.y, frequency: target,
        windowHalfWidth: halfWidth, frequencies: band)
      // Peak ≈ A²N/4 = 50 against a noise floor ≈ σ² = 1.
      XCTAssertGreaterThan(snr, 8)

      let clean = noisySeries(&rng, count: 200, signalAmplitude: 0, frequency: target)
      noiseRatios.append(LombScargle.signalToNoise(
        times: clean.t, values: clean.y, frequency: target,
        windowHalfWidth: halfWidth, frequencies: band))
    }
    // Pure noise has a flat expected spectrum: the ratio averages ≈ 1.
    let meanNoiseRatio = Descriptive.mean(noiseRatios)
    XCTAssertGreaterThan(meanNoiseRatio, 0.7)
    XCTAssertLessThan(meanNoiseRatio, 1.3)
    XCTAssertLessThan(noiseRatios.max()!, 5)
  }

  func testSignalToNoiseDoesNotDependOnNormalizationOrScale() {
    let band = (1...300).map { 0.01 * Double($0) }
    let a = LombScargle.signalToNoise(times: times, values: values, frequency: 1.3,
                                      windowHalfWidth: 0.05, frequencies: band)
    let b = LombScargle.signalToNoise(times: times, values: values.map { 10 * $0 }, frequency: 1.3,
                                      windowHalfWidth: 0.05, frequencies: band)
    XCTAssertEqual(a, b, accuracy: 1e-10 * a)
    XCTAssertGreaterThan(a, 5)
  }
}
