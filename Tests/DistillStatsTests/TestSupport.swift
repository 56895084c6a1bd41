import XCTest

/// Asserts |actual − expected| ≤ tolerance·|expected| (exact match when
/// expected is 0 or infinite).
func assertRelative(
  _ actual: Double, _ expected: Double, tolerance: Double, _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  if expected == 0 || expected.isInfinite {
    XCTAssertEqual(actual, expected, message(), file: file, line: line)
    return
  }
  let error = abs(actual - expected) / abs(expected)
  XCTAssertLessThanOrEqual(
    error, tolerance,
    "\(actual) vs expected \(expected) (relative error \(error)) \(message())",
    file: file, line: line)
}

/// Knuth's MMIX linear congruential generator: deterministic and
/// platform-independent, so simulation-based tests never flake.
struct LCG {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return state
  }

  /// Uniform in [0, 1) from the top 53 bits (the low bits of an LCG are weak).
  mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Standard normal by Box–Muller.
  mutating func normal() -> Double {
    let u1 = 1 - uniform()  // (0, 1], so log is finite
    let u2 = uniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}

/// The golden-ratio conjugate, for deterministic low-discrepancy data that
/// Python reproduces bit-for-bit: `(i * G) % 1.0`.
let goldenFraction = 0.6180339887498949
