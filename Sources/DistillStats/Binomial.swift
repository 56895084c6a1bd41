import Foundation

/// Exact tail probabilities and confidence bounds for the binomial
/// distribution Bin(n, p).
///
/// Tails are computed in log space: the probability mass at the start of the
/// tail comes from Loader's saddle-point expansion (as in R's `dbinom`), which
/// keeps full relative accuracy even when the mass is far below
/// `Double.leastNormalMagnitude`; the tail is then summed as a sum of ratios
/// to that first term, all of which are ≤ 1, so nothing overflows or
/// underflows. Only O(√(np(1−p)) · log(1/ε)) terms are needed.
public enum Binomial {

    /// P[X ≥ m] for X ~ Bin(n, p): the chance of at least `m` successes.
    ///
    /// Accurate to a few ulps in relative terms for all results down to the
    /// smallest subnormal; use `logUpperTail` for results below that.
    ///
    /// Edge cases: `m ≤ 0` gives 1, `m > n` gives 0, `p = 0` gives 0 for
    /// `m ≥ 1`, and `p = 1` gives 1 for `m ≤ n`.
    ///
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: O(min(n, √(np(1−p)) · 40)) arithmetic operations.
    public static func upperTail(successes m: Int, trials n: Int, probability p: Double) -> Double {
        exp(logUpperTail(successes: m, trials: n, probability: p))
    }

    /// The natural log of P[X ≥ m] for X ~ Bin(n, p).
    ///
    /// Representable even when the probability itself underflows, e.g.
    /// `logUpperTail(successes: 256, trials: 256, probability: 0.5)` is
    /// −256·log 2, and `(successes: 1000, trials: 1000, probability: 1e-9)` is
    /// about −20723.
    ///
    /// - Returns: a value in [−∞, 0]; −∞ means the probability is exactly 0.
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: as `upperTail`.
    public static func logUpperTail(successes m: Int, trials n: Int, probability p: Double) -> Double {
        validate(trials: n, probability: p)
        if m <= 0 { return 0 }
        if m > n { return -.infinity }
        if p == 0 { return -.infinity }
        if p == 1 { return 0 }
        // Sum whichever tail lies entirely on one side of the mode: its terms
        // decrease away from the start, so summation is stable and short.
        if m > mode(trials: n, probability: p) {
            return logTailSum(from: m, upward: true, trials: n, probability: p)
        }
        let lower = exp(logTailSum(from: m - 1, upward: false, trials: n, probability: p))
        return log1p(-min(lower, 1))
    }

    /// P[X ≤ m] for X ~ Bin(n, p): the chance of at most `m` successes.
    ///
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: as `upperTail`.
    public static func lowerTail(successes m: Int, trials n: Int, probability p: Double) -> Double {
        exp(logLowerTail(successes: m, trials: n, probability: p))
    }

    /// The natural log of P[X ≤ m] for X ~ Bin(n, p).
    ///
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: as `upperTail`.
    public static func logLowerTail(successes m: Int, trials n: Int, probability p: Double) -> Double {
        validate(trials: n, probability: p)
        if m < 0 { return -.infinity }
        if m >= n { return 0 }
        if p == 0 { return 0 }
        if p == 1 { return -.infinity }
        if m < mode(trials: n, probability: p) {
            return logTailSum(from: m, upward: false, trials: n, probability: p)
        }
        let upper = exp(logTailSum(from: m + 1, upward: true, trials: n, probability: p))
        return log1p(-min(upper, 1))
    }

    /// The probability mass P[X = k] for X ~ Bin(n, p).
    ///
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: O(1).
    public static func probabilityMass(_ k: Int, trials n: Int, probability p: Double) -> Double {
        exp(logProbabilityMass(k, trials: n, probability: p))
    }

    /// The natural log of P[X = k] for X ~ Bin(n, p).
    ///
    /// Uses Loader (2000), "Fast and accurate computation of binomial
    /// probabilities": log P = −(Stirling errors) − bd0 deviance terms
    /// − ½ log(2πk(n−k)/n), which avoids the cancellation between huge
    /// log-factorials that `lgamma` differences suffer from.
    ///
    /// - Precondition: `n ≥ 0` and `0 ≤ p ≤ 1`.
    /// - Complexity: O(1).
    public static func logProbabilityMass(_ k: Int, trials n: Int, probability p: Double) -> Double {
        validate(trials: n, probability: p)
        if k < 0 || k > n { return -.infinity }
        let q = 1 - p
        if p == 0 { return k == 0 ? 0 : -.infinity }
        if p == 1 { return k == n ? 0 : -.infinity }
        if k == 0 { return Double(n) * log1p(-p) }
        if k == n { return Double(n) * log(p) }
        let nd = Double(n)
        let kd = Double(k)
        let rest = Double(n - k)
        let logCore =
            stirlingError(nd) - stirlingError(kd) - stirlingError(rest)
            - deviance(kd, nd * p) - deviance(rest, nd * q)
        let logScale = log(2 * Double.pi) + log(kd) + log1p(-kd / nd)
        return logCore - 0.5 * logScale
    }

    /// One-sided Clopper–Pearson upper confidence bound for p.
    ///
    /// Returns the largest p for which observing at most `successes` in
    /// `trials` still has probability ≥ 1 − `confidence`, i.e. the root of
    /// P[Bin(n, p) ≤ x] = 1 − confidence (equivalently the `confidence`
    /// quantile of Beta(x + 1, n − x)). Use it to bound an innocent model's
    /// chance-agreement rate p₀ from control models: with the stated
    /// confidence the true p₀ is below the bound, so a test against the bound
    /// is conservative.
    ///
    /// Found by bisection on the exact tail `logLowerTail`, which is strictly
    /// decreasing in p, to a relative precision of about 1e-15.
    ///
    /// - Parameters:
    ///   - successes: observed successes x, 0 ≤ x ≤ n. If x = n the bound is 1.
    ///   - trials: n ≥ 1.
    ///   - confidence: one-sided confidence level in (0, 1), e.g. 0.95.
    /// - Complexity: O(60 …1100 bisection steps × tail cost); microseconds for
    ///   typical n.
    public static func upperConfidenceBound(
        successes x: Int, trials n: Int, confidence: Double
    ) -> Double {
        precondition(n >= 1, "Clopper–Pearson bound needs at least one trial (got \(n))")
        precondition((0...n).contains(x), "successes must be in 0...trials (got \(x) of \(n))")
        precondition(confidence > 0 && confidence < 1, "confidence must be in (0, 1) (got \(confidence))")
        if x == n { return 1 }
        let logAlpha = log1p(-confidence)
        // Invariant: tail(lo) ≥ alpha > tail(hi); the lower tail decreases in p.
        var lo = 0.0
        var hi = 1.0
        while true {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }  // Adjacent doubles: done.
            if hi - lo <= 1e-15 * hi { break }  // Relative precision reached.
            if logLowerTail(successes: x, trials: n, probability: mid) >= logAlpha {
                lo = mid
            } else {
                hi = mid
            }
        }
        return hi
    }

    // MARK: - Implementation

    private static func validate(trials n: Int, probability p: Double) {
        precondition(n >= 0, "number of trials must be ≥ 0 (got \(n))")
        precondition(p >= 0 && p <= 1, "probability must be in [0, 1] (got \(p))")
    }

    /// ⌊(n + 1)p⌋, a mode of Bin(n, p): the pmf is non-decreasing up to it and
    /// non-increasing from it.
    private static func mode(trials n: Int, probability p: Double) -> Int {
        min(n, Int((Double(n) + 1) * p))
    }

    /// log Σ P[X = k] over k = start, start ± 1, … (towards n if `upward`,
    /// towards 0 otherwise), assuming the terms are non-increasing in that
    /// direction.
    private static func logTailSum(from start: Int, upward: Bool, trials n: Int, probability p: Double) -> Double {
        let logFirst = logProbabilityMass(start, trials: n, probability: p)
        if logFirst == -.infinity { return -.infinity }
        let odds = p / (1 - p)
        let nd = Double(n)
        // sum and term are relative to the first term, so both stay in [0, n+1].
        var sum = 1.0
        var term = 1.0
        var k = start
        while upward ? k < n : k > 0 {
            let kd = Double(k)
            // Ratio P[X = k ± 1] / P[X = k].
            let ratio = upward ? (nd - kd) / (kd + 1) * odds : kd / (nd - kd + 1) / odds
            term *= ratio
            sum += term
            k += upward ? 1 : -1
            // Ratios keep shrinking along the tail, so what is left is at most a
            // geometric series term·r/(1 − r); stop once that cannot change sum.
            if ratio < 1 && term * ratio / (1 - ratio) <= sum * 0x1p-60 { break }
        }
        return logFirst + log(sum)
    }

    /// Stirling's-series error log(x!) − log(√(2πx)(x/e)^x) for integral x ≥ 1.
    private static func stirlingError(_ x: Double) -> Double {
        if x <= 15 {
            // Small arguments: direct formula; lgamma(16) ≈ 27.9 so the absolute
            // error stays near 1e-14.
            return lgamma(x + 1) - (x + 0.5) * log(x) + x - 0.5 * log(2 * Double.pi)
        }
        // Asymptotic series 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹);
        // for x > 15 the next term is below 1e-16.
        let x2 = x * x
        let s0 = 1.0 / 12
        let s1 = 1.0 / 360
        let s2 = 1.0 / 1260
        let s3 = 1.0 / 1680
        let s4 = 1.0 / 1188
        return (s0 - (s1 - (s2 - (s3 - s4 / x2) / x2) / x2) / x2) / x
    }

    /// The deviance term x·log(x/μ) + μ − x ≥ 0, computed without cancellation
    /// when x ≈ μ (Loader's `bd0`).
    private static func deviance(_ x: Double, _ mu: Double) -> Double {
        if abs(x - mu) < 0.1 * (x + mu) {
            // Series in v = (x − μ)/(x + μ): x log(x/μ) + μ − x
            //   = (x − μ)v + 2x Σ_{j≥1} v^{2j+1}/(2j + 1).
            let v = (x - mu) / (x + mu)
            let v2 = v * v
            var sum = (x - mu) * v
            var power = 2 * x * v
            var j = 1.0
            while true {
                power *= v2
                let next = sum + power / (2 * j + 1)
                if next == sum { return next }
                sum = next
                j += 1
            }
        }
        return x * log(x / mu) + mu - x
    }
}
