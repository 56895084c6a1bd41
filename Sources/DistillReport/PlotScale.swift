import Foundation

/// A linear map from data values to SVG coordinates, with "nice" ticks
/// (1, 2 or 5 × 10ᵏ apart).
public struct LinearScale: Sendable, Equatable {
    /// The data domain, lower < upper.
    public let lower: Double
    public let upper: Double
    /// SVG coordinates of `lower` and `upper` (for a y axis, start is the bottom).
    public let start: Double
    public let end: Double
    /// Tick values inside the domain, ascending.
    public let ticks: [Double]
    /// The distance between ticks (decides the decimals of tick labels).
    public let step: Double

    /// A scale covering `values` (non-finite ones ignored), widened to nice tick
    /// bounds. An empty or single-valued input gets a domain of width ≥ 0.02
    /// around it (around 0 if `includeZero` or empty), so one point still plots.
    ///
    /// - Complexity: O(n).
    public init(covering values: [Double], start: Double, end: Double, includeZero: Bool = false, targetTicks: Int = 6) {
        var lo = values.filter(\.isFinite).min() ?? 0
        var hi = values.filter(\.isFinite).max() ?? 0
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 {
            let pad = max(abs(hi) * 0.1, 0.01)
            lo -= pad; hi += pad
        }
        let step = LinearScale.niceStep((hi - lo) / Double(max(targetTicks - 1, 1)))
        // Snap bounds outward to a tick unless already (nearly) on one.
        let lowerTick = (lo / step + 1e-9).rounded(.down)
        let upperTick = (hi / step - 1e-9).rounded(.up)
        self.lower = lowerTick * step
        self.upper = upperTick * step
        self.start = start; self.end = end; self.step = step
        self.ticks = stride(from: lowerTick, through: upperTick, by: 1).map { $0 * step }
    }

    /// 1, 2 or 5 × 10ᵏ, the smallest at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let residual = rough / magnitude
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return factor * magnitude
    }

    /// The SVG coordinate of `value`: start + (value − lower)/(upper − lower)·(end − start).
    public func position(_ value: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    /// A tick label with just enough decimals for the step; never "-0".
    public func label(_ value: Double) -> String {
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        let s = String(format: "%.\(decimals)f", value)
        return Double(s) == 0 ? String(format: "%.\(decimals)f", 0.0) : s
    }
}

/// A base-10 logarithmic map from positive data values to SVG coordinates,
/// with ticks at powers of ten.
public struct LogScale: Sendable, Equatable {
    /// The data domain, 0 < lower < upper.
    public let lower: Double
    public let upper: Double
    public let start: Double
    public let end: Double

    /// - Precondition: 0 < lower < upper, both finite.
    public init(lower: Double, upper: Double, start: Double, end: Double) {
        precondition(lower > 0 && upper > lower && upper.isFinite, "LogScale needs 0 < lower < upper")
        self.lower = lower; self.upper = upper; self.start = start; self.end = end
    }

    /// The SVG coordinate of `value` > 0:
    /// start + (log₁₀ value − log₁₀ lower)/(log₁₀ upper − log₁₀ lower)·(end − start).
    public func position(_ value: Double) -> Double {
        let t = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        return start + t * (end - start)
    }

    /// Powers of ten inside the domain, ascending; every k-th decade when there
    /// are more than `maxTicks`.
    public func decadeTicks(maxTicks: Int = 9) -> [Double] {
        let lo = Int((log10(lower) - 1e-9).rounded(.up))
        let hi = Int((log10(upper) + 1e-9).rounded(.down))
        guard lo <= hi else { return [] }
        let every = max(1, Int((Double(hi - lo + 1) / Double(maxTicks)).rounded(.up)))
        // Count down from the top so 10⁰ = 1 is always a tick.
        return stride(from: hi, through: lo, by: -every).reversed().map { pow(10, Double($0)) }
    }

    /// "1", "0.1", "0.01", then "10⁻³", "10⁻⁴", … for powers of ten; otherwise %g.
    public static func label(_ value: Double) -> String {
        let exponent = log10(value)
        guard abs(exponent - exponent.rounded()) < 1e-9 else { return String(format: "%g", value) }
        let k = Int(exponent.rounded())
        switch k {
        case 0: return "1"
        case -1: return "0.1"
        case -2: return "0.01"
        case 1: return "10"
        case 2: return "100"
        default: return "10" + superscript(k)
        }
    }

    static func superscript(_ k: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (k < 0 ? "⁻" : "") + String(abs(k)).map { digits[Int(String($0))!] }
    }
}

/// The geometry of a plot: the SVG's size and the margins around the plot
/// area (the right margin holds the legend).
public struct PlotLayout: Sendable, Equatable {
    public var width: Double
    public var height: Double
    public var marginLeft: Double
    public var marginRight: Double
    public var marginTop: Double
    public var marginBottom: Double

    public init(width: Double, height: Double, marginLeft: Double, marginRight: Double, marginTop: Double, marginBottom: Double) {
        self.width = width; self.height = height
        self.marginLeft = marginLeft; self.marginRight = marginRight
        self.marginTop = marginTop; self.marginBottom = marginBottom
    }

    public var plotLeft: Double { marginLeft }
    public var plotRight: Double { width - marginRight }
    public var plotTop: Double { marginTop }
    public var plotBottom: Double { height - marginBottom }

    /// The trade-off and budget plots.
    public static let standard = PlotLayout(width: 780, height: 470, marginLeft: 78, marginRight: 220, marginTop: 50, marginBottom: 62)
    /// The canary plot: a shorter plot area; the SVG grows 90 px below it when
    /// the settings' names are slanted.
    public static let canary = PlotLayout(width: 780, height: 442, marginLeft: 78, marginRight: 220, marginTop: 50, marginBottom: 62)
}
