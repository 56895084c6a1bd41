import Foundation

/// Student's t distribution with ν degrees of freedom.
///
/// Used for one-sided prediction bounds from a handful of control models:
/// if the controls' statistics are a normal sample of size n with mean m and
/// standard deviation s, a new innocent model's statistic exceeds
/// m + t_{1−α, n−1} · s · √(1 + 1/n) with probability α.
public enum StudentT {

    /// P[T ≤ t] for T ~ t(ν), via the regularized incomplete beta function:
    /// for t ≥ 0, P[T ≤ t] = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½); symmetric for t < 0.
    ///
    /// - Precondition: `degreesOfFreedom > 0`; `t` not NaN.
    /// - Complexity: one incomplete-beta evaluation.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive (got \(nu))")
        precondition(!t.isNaN, "t must not be NaN")
        if t.isInfinite { return t > 0 ? 1 : 0 }
        let tail = 0.5 * IncompleteBeta.regularized(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// P[T > t], computed without the cancellation of `1 − cdf` in the upper tail.
    public static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        cdf(-t, degreesOfFreedom: nu)
    }

    /// The p-quantile: the t with P[T ≤ t] = p, found by bisection on `cdf`
    /// (monotone) to about 1e-12 absolute.
    ///
    /// - Precondition: `0 < p < 1`, `degreesOfFreedom > 0`.
    /// - Complexity: ~100 `cdf` evaluations.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "p must be in (0, 1) (got \(p))")
        precondition(nu > 0, "degrees of freedom must be positive (got \(nu))")
        if p == 0.5 { return 0 }
        // Bracket: widen until the cdf straddles p (heavy tails for small ν).
        var lo = -1.0
        var hi = 1.0
        while cdf(lo, degreesOfFreedom: nu) > p { lo *= 2 }
        while cdf(hi, degreesOfFreedom: nu) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * max(1, abs(mid)) { break }
        }
        return 0.5 * (lo + hi)
    }
}
