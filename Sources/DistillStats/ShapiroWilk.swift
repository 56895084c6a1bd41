import Foundation

/// The Shapiro–Wilk test of normality.
///
/// This is Royston's algorithm AS R94 (Applied Statistics 44(4), 1995,
/// pp. 547–551), the same algorithm behind R's `shapiro.test` (swilk.c) and
/// `scipy.stats.shapiro`, for complete (uncensored) samples:
///
/// 1. The coefficients aᵢ come from the normal scores mᵢ = Φ⁻¹((i − 3/8)/(n + 1/4)),
///    with the two most extreme coefficients replaced by Royston's polynomial
///    approximations in 1/√n and the rest rescaled so that Σaᵢ² = 1.
/// 2. W is the squared correlation between the ordered sample and the
///    coefficients, computed as 1 − W first so it keeps its precision when W
///    is very close to 1.
/// 3. The p-value comes from Royston's normalizing transformation of W:
///    exact for n = 3, log(γ − log(1 − W)) for 4 ≤ n ≤ 11 and log(1 − W) for
///    12 ≤ n ≤ 5000, each compared against a normal with polynomial mean and
///    standard deviation.
///
/// Computation is in double precision throughout (swilk.c and scipy keep some
/// intermediates in single precision), so results agree with scipy to about
/// 1e-9 relative in W and 1e-6 relative in the p-value.
public enum ShapiroWilk {

    /// Smallest sample size the test is defined for.
    public static let minimumCount = 3
    /// Largest sample size Royston's approximation is calibrated for.
    public static let maximumCount = 5000

    /// Tests the null hypothesis that `sample` was drawn from a normal
    /// distribution.
    ///
    /// - Parameter sample: the observations, in any order.
    /// - Returns: the statistic `w` ∈ (0, 1] (values near 1 are consistent
    ///   with normality) and the p-value, small when the sample is not normal.
    /// - Throws: `StatsError.sampleTooSmall` if `sample.count < 3`,
    ///   `StatsError.sampleTooLarge` if `sample.count > 5000`,
    ///   `StatsError.nonFiniteValue` if a value is NaN or infinite, and
    ///   `StatsError.zeroRange` if all values are equal.
    /// - Complexity: O(n log n) for the sort, plus O(n) quantile evaluations.
    public static func test(_ sample: [Double]) throws -> (w: Double, pValue: Double) {
        let n = sample.count
        guard n >= minimumCount else {
            throw StatsError.sampleTooSmall(count: n, minimum: minimumCount)
        }
        guard n <= maximumCount else {
            throw StatsError.sampleTooLarge(count: n, maximum: maximumCount)
        }
        if let index = sample.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFiniteValue(index: index)
        }
        let x = sample.sorted()
        let range = x[n - 1] - x[0]
        guard range > 0 else { throw StatsError.zeroRange }

        let w1 = oneMinusW(sortedSample: x, range: range, coefficients: coefficients(n))
        let w = 1 - w1
        return (w, pValue(oneMinusW: w1, w: w, count: n))
    }

    /// The coefficients a₁ ≥ a₂ ≥ … ≥ a_{n/2} > 0 applied to the differences
    /// x₍ₙ₊₁₋ᵢ₎ − x₍ᵢ₎ of the order statistics (AS R94, first part).
    ///
    /// - Precondition: 3 ≤ n.
    /// - Complexity: O(n).
    public static func coefficients(_ n: Int) -> [Double] {
        precondition(n >= 3, "Shapiro–Wilk coefficients need n ≥ 3")
        if n == 3 {
            return [(0.5).squareRoot()]  // Exact: a = (1/√2, 0, −1/√2).
        }
        let half = n / 2
        let nPlusQuarter = Double(n) + 0.25
        // Blom-type normal scores of the lower half (all negative).
        var m = (1...half).map { Normal.quantile((Double($0) - 0.375) / nPlusQuarter) }
        let sumM2 = 2 * m.reduce(0) { $0 + $1 * $1 }
        let normM = sumM2.squareRoot()
        let rsn = 1 / Double(n).squareRoot()

        // Royston's polynomial corrections for the extreme coefficient(s);
        // the remaining ones are the normalized scores rescaled so Σa² = 1.
        let a1 = poly(RoystonPolynomials.c1, rsn) - m[0] / normM
        let firstScaled: Int
        let fac: Double
        if n > 5 {
            let a2 = poly(RoystonPolynomials.c2, rsn) - m[1] / normM
            fac =
                ((sumM2 - 2 * m[0] * m[0] - 2 * m[1] * m[1])
                / (1 - 2 * a1 * a1 - 2 * a2 * a2)).squareRoot()
            m[1] = a2
            firstScaled = 2
        } else {
            fac = ((sumM2 - 2 * m[0] * m[0]) / (1 - 2 * a1 * a1)).squareRoot()
            firstScaled = 1
        }
        m[0] = a1
        for i in firstScaled..<half {
            m[i] /= -fac  // Scores are negative; coefficients are reported positive.
        }
        return m
    }

    /// 1 − W for a sorted sample, as 1 − (Σ aᵢxᵢ)² / (Σaᵢ² Σ(xᵢ − x̄)²)
    /// written as a difference of squares to avoid cancellation near W = 1.
    private static func oneMinusW(
        sortedSample x: [Double], range: Double, coefficients a: [Double]
    ) -> Double {
        let n = x.count
        // The full antisymmetric coefficient vector: −a for the lower half,
        // +a for the upper half, 0 for the middle element when n is odd.
        func fullCoefficient(_ i: Int) -> Double {
            let j = n - 1 - i
            if i < j { return -a[i] }
            if i > j { return a[j] }
            return 0
        }
        // Scaling by the range (as swilk.c does) keeps the sums of squares far
        // from overflow/underflow whatever the units of the data.
        var meanX = 0.0
        var meanA = 0.0
        for i in 0..<n {
            meanX += x[i] / range
            meanA += fullCoefficient(i)
        }
        meanX /= Double(n)
        meanA /= Double(n)  // Zero in exact arithmetic; kept for symmetry with swilk.c.

        var ssa = 0.0
        var ssx = 0.0
        var sax = 0.0
        for i in 0..<n {
            let da = fullCoefficient(i) - meanA
            let dx = x[i] / range - meanX
            ssa += da * da
            ssx += dx * dx
            sax += da * dx
        }
        let root = (ssa * ssx).squareRoot()
        return (root - sax) * (root + sax) / (ssa * ssx)
    }

    /// Royston's p-value for W (AS R94, second part).
    private static func pValue(oneMinusW w1: Double, w: Double, count n: Int) -> Double {
        if n == 3 {
            // Exact distribution for n = 3: P = (6/π)(asin √W − asin √(3/4)).
            let p = 6 / Double.pi * (asin(w.squareRoot()) - asin((0.75).squareRoot()))
            return max(p, 0)
        }
        let an = Double(n)
        var y = log(w1)
        let mean: Double
        let sd: Double
        if n <= 11 {
            let gamma = poly(RoystonPolynomials.g, an)
            // Outside the transformation's domain; unreachable for real samples
            // (W ≥ n·a₁²/(n−1) keeps y < γ), kept as in swilk.c, which returns a
            // negligible p-value here.
            guard y < gamma else { return 0 }
            y = -log(gamma - y)
            mean = poly(RoystonPolynomials.c3, an)
            sd = exp(poly(RoystonPolynomials.c4, an))
        } else {
            let logN = log(an)
            mean = poly(RoystonPolynomials.c5, logN)
            sd = exp(poly(RoystonPolynomials.c6, logN))
        }
        return Normal.survival((y - mean) / sd)
    }

    /// c[0] + c[1]·x + … (AS 181.2 `poly`).
    private static func poly(_ c: [Double], _ x: Double) -> Double {
        Normal.horner(c, x)
    }
}

/// Royston's (1992, 1995) fitted polynomial coefficients, lowest degree first,
/// as published in AS R94.
private enum RoystonPolynomials {
    /// a_n as a polynomial in 1/√n.
    static let c1: [Double] = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056]
    /// a_{n−1} as a polynomial in 1/√n.
    static let c2: [Double] = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633]
    /// Mean of −log(γ − log(1 − W)) in n, for 4 ≤ n ≤ 11.
    static let c3: [Double] = [0.544, -0.39978, 0.025054, -6.714e-4]
    /// log SD of −log(γ − log(1 − W)) in n, for 4 ≤ n ≤ 11.
    static let c4: [Double] = [1.3822, -0.77857, 0.062767, -0.0020322]
    /// Mean of log(1 − W) in log n, for 12 ≤ n ≤ 5000.
    static let c5: [Double] = [-1.5861, -0.31082, -0.083751, 0.0038915]
    /// log SD of log(1 − W) in log n, for 12 ≤ n ≤ 5000.
    static let c6: [Double] = [-0.4803, -0.082676, 0.0030302]
    /// γ(n), the upper bound of log(1 − W) for 4 ≤ n ≤ 11.
    static let g: [Double] = [-2.273, 0.459]
}
