import Foundation

/// The standard normal distribution N(0, 1).
///
/// All functions are pure, allocation-free and O(1).
public enum Normal {

    /// The cumulative distribution function Φ(x) = P[Z ≤ x].
    ///
    /// Computed as `erfc(-x/√2) / 2` rather than `(1 + erf(x/√2)) / 2`,
    /// so the lower tail keeps full relative accuracy for very negative `x`
    /// (e.g. Φ(-30) ≈ 4.9e-198 instead of 0).
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x * (0.5).squareRoot())
    }

    /// The survival function 1 − Φ(x) = P[Z > x], accurate in the far upper tail.
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func survival(_ x: Double) -> Double {
        0.5 * erfc(x * (0.5).squareRoot())
    }

    /// The probability density φ(x) = exp(−x²/2) / √(2π).
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func density(_ x: Double) -> Double {
        exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// The quantile function (inverse CDF) Φ⁻¹(p).
    ///
    /// Uses Wichura's algorithm AS 241 (PPND16, Applied Statistics 37(3),
    /// 1988), whose rational approximations are accurate to about 1 part in
    /// 10¹⁶ over the whole open interval, including far tails such as
    /// p = 1e-300.
    ///
    /// - Parameter p: a probability. `p = 0` gives `-infinity`, `p = 1` gives
    ///   `+infinity`; values outside [0, 1] and NaN give NaN.
    /// - Complexity: O(1).
    public static func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }

        let q = p - 0.5
        if abs(q) <= AS241.split1 {
            // Central region: rational function in r = 0.425² − q².
            let r = AS241.const1 - q * q
            return q * horner(AS241.a, r) / horner(AS241.b, r)
        }

        // Tails: work with the smaller of p and 1 − p so no accuracy is lost.
        // For q > 0, 1 − p is exact here because p > 0.925 (Sterbenz lemma).
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        let magnitude: Double
        if r <= AS241.split2 {
            r -= AS241.const2
            magnitude = horner(AS241.c, r) / horner(AS241.d, r)
        } else {
            // Far tail: p or 1 − p below exp(−25) ≈ 1.4e-11.
            r -= AS241.split2
            magnitude = horner(AS241.e, r) / horner(AS241.f, r)
        }
        return q < 0 ? -magnitude : magnitude
    }

    /// Evaluates c[0] + c[1]·x + … + c[k]·x^k by Horner's rule.
    @usableFromInline
    static func horner(_ c: [Double], _ x: Double) -> Double {
        var result = 0.0
        for coefficient in c.reversed() {
            result = result * x + coefficient
        }
        return result
    }
}

/// Coefficients of Wichura's AS 241 (PPND16), lowest degree first.
/// Denominators have an implicit leading coefficient 1.
private enum AS241 {
    static let split1 = 0.425
    static let split2 = 5.0
    static let const1 = 0.180625  // 0.425²
    static let const2 = 1.6

    // |p − 0.5| ≤ 0.425
    static let a: [Double] = [
        3.3871328727963666080e0, 1.3314166789178437745e2,
        1.9715909503065514427e3, 1.3731693765509461125e4,
        4.5921953931549871457e4, 6.7265770927008700853e4,
        3.3430575583588128105e4, 2.5090809287301226727e3,
    ]
    static let b: [Double] = [
        1.0, 4.2313330701600911252e1,
        6.8718700749205790830e2, 5.3941960214247511077e3,
        2.1213794301586595867e4, 3.9307895800092710610e4,
        2.8729085735721942674e4, 5.2264952788528545610e3,
    ]

    // √(−log min(p, 1−p)) ≤ 5
    static let c: [Double] = [
        1.42343711074968357734e0, 4.63033784615654529590e0,
        5.76949722146069140550e0, 3.64784832476320460504e0,
        1.27045825245236838258e0, 2.41780725177450611770e-1,
        2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ]
    static let d: [Double] = [
        1.0, 2.05319162663775882187e0,
        1.67638483018380384940e0, 6.89767334985100004550e-1,
        1.48103976427480074590e-1, 1.51986665636164571966e-2,
        5.47593808499534494600e-4, 1.05075007164441684324e-9,
    ]

    // √(−log min(p, 1−p)) > 5
    static let e: [Double] = [
        6.65790464350110377720e0, 5.46378491116411436990e0,
        1.78482653991729133580e0, 2.96560571828504891230e-1,
        2.65321895265761230930e-2, 1.24266094738807843860e-3,
        2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ]
    static let f: [Double] = [
        1.0, 5.99832206555887937690e-1,
        1.36929880922735805310e-1, 1.48753612908506148525e-2,
        7.86869131145613259100e-4, 1.84631831751005468180e-5,
        1.42151175831644588870e-7, 2.04426310338993978564e-15,
    ]
}
