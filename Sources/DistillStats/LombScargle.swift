import Foundation

/// The Lomb–Scargle periodogram of an unevenly sampled signal.
///
/// Frequencies are **angular** (radians per unit of `times`), as in
/// `scipy.signal.lombscargle`: a component cos(ω·t) peaks at ω, and an
/// ordinary frequency f corresponds to ω = 2πf.
///
/// The values are mean-subtracted first, and the power at ω is Scargle's
/// (1982) classic form with the time offset τ chosen so the sine and cosine
/// terms decouple:
///
///     P(ω) = ½ [ (Σ yᵢ cos ω(tᵢ−τ))² / Σ cos² ω(tᵢ−τ)
///              + (Σ yᵢ sin ω(tᵢ−τ))² / Σ sin² ω(tᵢ−τ) ],
///     tan 2ωτ = Σ sin 2ωtᵢ / Σ cos 2ωtᵢ.
///
/// This is what the CosWM / DRW watermark verifiers use: a model's outputs
/// along a random projection are sampled at irregular "times" and a
/// watermark shows up as a peak at its angular frequency.
public enum LombScargle {

    /// How the periodogram is scaled.
    public enum Normalization: Sendable {
        /// P(ω) as above; ≈ A²N/4 for a sinusoid of amplitude A.
        /// Equals `scipy.signal.lombscargle(t, y - y.mean(), w)`.
        case unnormalized
        /// 2P(ω) / Σ(yᵢ − ȳ)², the fraction of variance explained by a sinusoid
        /// at ω, in [0, 1]. Equals
        /// `scipy.signal.lombscargle(t, y - y.mean(), w, normalize=True)`.
        case normalized
    }

    /// The periodogram at each angular frequency.
    ///
    /// - Parameters:
    ///   - t: sample times, any order, not necessarily evenly spaced.
    ///   - y: values at those times (the mean is subtracted internally).
    ///   - frequencies: angular frequencies ω > 0.
    ///   - normalization: `.normalized` (default) or `.unnormalized`.
    /// - Returns: one power per frequency. If all values are equal the
    ///   normalized power is NaN (0/0).
    /// - Precondition: `t.count == y.count`, at least 2 samples, all
    ///   frequencies nonzero.
    /// - Complexity: O(N·F) for N samples and F frequencies.
    public static func power(
        times t: [Double], values y: [Double], frequencies: [Double],
        normalization: Normalization = .normalized
    ) -> [Double] {
        precondition(t.count == y.count, "times and values must have the same length (\(t.count) vs \(y.count))")
        precondition(t.count >= 2, "Lomb–Scargle needs at least 2 samples")
        let mean = y.reduce(0, +) / Double(y.count)
        let centered = y.map { $0 - mean }
        let scale: Double
        switch normalization {
        case .unnormalized: scale = 1
        case .normalized: scale = 2 / centered.reduce(0) { $0 + $1 * $1 }
        }
        return frequencies.map { omega in
            scale * unnormalizedPower(times: t, centered: centered, omega: omega)
        }
    }

    /// The CosWM / DRW verification statistic P_snr: mean power inside the
    /// window [ω₀ − h, ω₀ + h] divided by mean power outside it, both over the
    /// given frequency grid.
    ///
    /// A sinusoidal watermark at ω₀ makes this large (≫ 1); without one the
    /// spectrum is flat on average and the ratio is ≈ 1. The ratio does not
    /// depend on the normalization, and the grid should be evenly spaced so
    /// the means approximate the integrals of the original definition.
    ///
    /// - Parameters:
    ///   - frequency: the target angular frequency ω₀.
    ///   - windowHalfWidth: h > 0, in the same angular units.
    ///   - frequencies: the evaluation grid covering the band of interest.
    /// - Precondition: at least one grid frequency inside the window and one
    ///   outside; the preconditions of `power`.
    /// - Complexity: O(N·F).
    public static func signalToNoise(
        times t: [Double], values y: [Double], frequency: Double,
        windowHalfWidth: Double, frequencies: [Double]
    ) -> Double {
        precondition(windowHalfWidth > 0, "window half-width must be positive")
        let powers = power(times: t, values: y, frequencies: frequencies, normalization: .unnormalized)
        var inside = 0.0
        var outside = 0.0
        var insideCount = 0
        var outsideCount = 0
        for (omega, p) in zip(frequencies, powers) {
            if abs(omega - frequency) <= windowHalfWidth {
                inside += p
                insideCount += 1
            } else {
                outside += p
                outsideCount += 1
            }
        }
        precondition(insideCount > 0, "no grid frequency lies within ±\(windowHalfWidth) of \(frequency); refine the grid")
        precondition(outsideCount > 0, "every grid frequency lies inside the signal window; widen the grid")
        return (inside / Double(insideCount)) / (outside / Double(outsideCount))
    }

    /// Scargle's P(ω) for mean-subtracted values.
    private static func unnormalizedPower(times t: [Double], centered y: [Double], omega: Double) -> Double {
        precondition(omega != 0, "angular frequency must be nonzero")
        // τ makes Σ cos ω(t−τ) sin ω(t−τ) = 0, so the fit separates into
        // independent cosine and sine terms and P is invariant to shifting t.
        var sin2 = 0.0
        var cos2 = 0.0
        for ti in t {
            sin2 += sin(2 * omega * ti)
            cos2 += cos(2 * omega * ti)
        }
        let tau = atan2(sin2, cos2) / (2 * omega)
        var yc = 0.0
        var ys = 0.0
        var cc = 0.0
        var ss = 0.0
        for (ti, yi) in zip(t, y) {
            let phase = omega * (ti - tau)
            let c = cos(phase)
            let s = sin(phase)
            yc += yi * c
            ys += yi * s
            cc += c * c
            ss += s * s
        }
        // A sum of squares is 0 only when every phase hits a zero of cos (or
        // sin); that term then carries no information rather than 0/0.
        let cosineTerm = cc > 0 ? yc * yc / cc : 0
        let sineTerm = ss > 0 ? ys * ys / ss : 0
        return 0.5 * (cosineTerm + sineTerm)
    }
}
