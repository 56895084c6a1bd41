import Foundation

/// `text` cut to `limit` characters by an ellipsis in the middle, keeping both
/// ends (settings differ in their parameters, at the end).
func abbreviate(_ text: String, to limit: Int) -> String {
    guard text.count > limit, limit >= 3 else { return text }
    let tail = (limit - 1) / 2
    return String(text.prefix(limit - 1 - tail)) + "…" + String(text.suffix(tail))
}

/// A setting's label shortened for a plot: "family:parameters" loses its
/// family first when too long (colour or the table tells it), then its middle.
func compactSetting(_ setting: String, to limit: Int) -> String {
    guard setting.count > limit else { return setting }
    if let colon = setting.firstIndex(of: ":"), setting.index(after: colon) < setting.endIndex {
        return abbreviate(String(setting[setting.index(after: colon)...]), to: limit)
    }
    return abbreviate(setting, to: limit)
}

/// Escapes text for XML/HTML content and attribute values.
func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// An SVG coordinate with two decimals (never "-0.00").
func coordinate(_ v: Double) -> String {
    let s = String(format: "%.2f", v)
    return s == "-0.00" ? "0.00" : s
}

/// Marker shapes; series differ in shape as well as colour, so the plots read
/// in greyscale and for colour-blind readers.
enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond, triangleDown
}

/// The Okabe–Ito colour-blind-safe palette (black first is kept for "none").
enum Palette {
    static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#8C6D31", "#F0E442"]
    static let undefended = "#000000"
    static let axis = "#222222"
    static let grid = "#e3e3e3"
    static let alpha = "#C0392B"
}

/// A legend entry: a marker and/or a line sample, and its text.
struct LegendEntry {
    var label: String
    var color: String
    var shape: MarkerShape?
    var filled = true
    var dash: String? = nil
    var line = false
}

/// Builds one plot's SVG: frame, axes, marks, legend, and the accessible
/// `<title>`/`<desc>`.
struct SVGCanvas {
    let id: String
    let layout: PlotLayout
    private var parts: [String] = []
    /// Label boxes already placed, for collision-free point labels.
    private var placedLabels: [(x0: Double, y0: Double, x1: Double, y1: Double)] = []

    /// The SVG's height: the layout's, or more when slanted labels need room.
    var height: Double

    init(id: String, layout: PlotLayout) {
        self.id = id; self.layout = layout; self.height = layout.height
    }

    mutating func add(_ element: String) { parts.append(element) }

    /// The finished `<svg>` element. `standalone` adds the SVG namespace so the
    /// text is a valid .svg file on its own (HTML's inline SVG needs none).
    func render(title: String, description: String, standalone: Bool) -> String {
        let ns = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        var s = "<svg\(ns) id=\"\(id)\" class=\"plot\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
        s += "viewBox=\"0 0 \(Int(layout.width)) \(Int(height))\" width=\"\(Int(layout.width))\" height=\"\(Int(height))\" "
        s += "font-family=\"DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<title id=\"\(id)-title\">\(xmlEscape(title))</title>\n"
        s += "<desc id=\"\(id)-desc\">\(xmlEscape(description))</desc>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(layout.width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"
        s += parts.joined(separator: "\n")
        s += "\n</svg>"
        return s
    }

    // MARK: Frame and axes

    mutating func heading(_ text: String) {
        add("<text x=\"\(coordinate(layout.plotLeft))\" y=\"24\" font-size=\"15\" font-weight=\"bold\" fill=\"\(Palette.axis)\">\(xmlEscape(text))</text>")
    }

    /// Grid lines, axis lines, ticks, tick labels and axis titles.
    mutating func axes(xTicks: [(Double, String)], yTicks: [(Double, String)], xTitle: String, yTitle: String,
                       rotateXLabels: Bool = false, xGrid: Bool = true) {
        let l = layout
        var grid = "<g class=\"grid\" stroke=\"\(Palette.grid)\" stroke-width=\"1\">"
        for (y, _) in yTicks { grid += "<line x1=\"\(coordinate(l.plotLeft))\" y1=\"\(coordinate(y))\" x2=\"\(coordinate(l.plotRight))\" y2=\"\(coordinate(y))\"/>" }
        if xGrid {
            for (x, _) in xTicks { grid += "<line x1=\"\(coordinate(x))\" y1=\"\(coordinate(l.plotTop))\" x2=\"\(coordinate(x))\" y2=\"\(coordinate(l.plotBottom))\"/>" }
        }
        add(grid + "</g>")
        var axis = "<g class=\"axes\" stroke=\"\(Palette.axis)\" stroke-width=\"1.2\" fill=\"none\">"
        axis += "<rect x=\"\(coordinate(l.plotLeft))\" y=\"\(coordinate(l.plotTop))\" width=\"\(coordinate(l.plotRight - l.plotLeft))\" height=\"\(coordinate(l.plotBottom - l.plotTop))\"/>"
        for (x, _) in xTicks { axis += "<line x1=\"\(coordinate(x))\" y1=\"\(coordinate(l.plotBottom))\" x2=\"\(coordinate(x))\" y2=\"\(coordinate(l.plotBottom + 5))\"/>" }
        for (y, _) in yTicks { axis += "<line x1=\"\(coordinate(l.plotLeft - 5))\" y1=\"\(coordinate(y))\" x2=\"\(coordinate(l.plotLeft))\" y2=\"\(coordinate(y))\"/>" }
        add(axis + "</g>")
        var labels = "<g class=\"tick-labels\" fill=\"\(Palette.axis)\" font-size=\"11\">"
        for (x, text) in xTicks {
            if rotateXLabels {
                labels += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(l.plotBottom + 14))\" text-anchor=\"end\" transform=\"rotate(-50 \(coordinate(x)) \(coordinate(l.plotBottom + 14)))\">\(xmlEscape(text))</text>"
            } else {
                labels += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(l.plotBottom + 18))\" text-anchor=\"middle\">\(xmlEscape(text))</text>"
            }
        }
        for (y, text) in yTicks {
            labels += "<text x=\"\(coordinate(l.plotLeft - 8))\" y=\"\(coordinate(y + 4))\" text-anchor=\"end\">\(xmlEscape(text))</text>"
        }
        add(labels + "</g>")
        let midX = (l.plotLeft + l.plotRight) / 2, midY = (l.plotTop + l.plotBottom) / 2
        if !xTitle.isEmpty { add("<text class=\"axis-title\" x=\"\(coordinate(midX))\" y=\"\(coordinate(l.plotBottom + 48))\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(Palette.axis)\">\(xmlEscape(xTitle))</text>") }
        add("<text class=\"axis-title\" x=\"18\" y=\"\(coordinate(midY))\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(Palette.axis)\" transform=\"rotate(-90 18 \(coordinate(midY)))\">\(xmlEscape(yTitle))</text>")
    }

    /// A centred message inside an empty frame (no data to plot).
    mutating func emptyMessage(_ text: String) {
        let l = layout
        add("<rect x=\"\(coordinate(l.plotLeft))\" y=\"\(coordinate(l.plotTop))\" width=\"\(coordinate(l.plotRight - l.plotLeft))\" height=\"\(coordinate(l.plotBottom - l.plotTop))\" fill=\"#fafafa\" stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>")
        add("<text class=\"empty-message\" x=\"\(coordinate((l.plotLeft + l.plotRight) / 2))\" y=\"\(coordinate((l.plotTop + l.plotBottom) / 2))\" text-anchor=\"middle\" font-size=\"14\" fill=\"#555555\">\(xmlEscape(text))</text>")
    }

    // MARK: Marks

    /// A marker centred at (x, y); `attributes` go on the element (class, data-*).
    static func marker(_ shape: MarkerShape, x: Double, y: Double, size r: Double, color: String, filled: Bool,
                       attributes: String = "", tooltip: String? = nil) -> String {
        let paint = filled ? "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"0.8\"" : "fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.6\""
        let tip = tooltip.map { "<title>\(xmlEscape($0))</title>" } ?? ""
        let attrs = attributes.isEmpty ? "" : " " + attributes
        func close(_ open: String) -> String { tip.isEmpty ? open + "/>" : open + ">" + tip + "</" + open.dropFirst().prefix { $0 != " " } + ">" }
        switch shape {
        case .circle:
            return close("<circle\(attrs) cx=\"\(coordinate(x))\" cy=\"\(coordinate(y))\" r=\"\(coordinate(r))\" \(paint)")
        case .square:
            let h = r * 0.9
            return close("<rect\(attrs) x=\"\(coordinate(x - h))\" y=\"\(coordinate(y - h))\" width=\"\(coordinate(2 * h))\" height=\"\(coordinate(2 * h))\" data-cx=\"\(coordinate(x))\" data-cy=\"\(coordinate(y))\" \(paint)")
        case .triangle, .triangleDown, .diamond:
            let s = r * 1.2
            let points: [(Double, Double)]
            switch shape {
            case .triangle: points = [(x, y - s), (x + s * 0.95, y + s * 0.75), (x - s * 0.95, y + s * 0.75)]
            case .triangleDown: points = [(x, y + s), (x + s * 0.95, y - s * 0.75), (x - s * 0.95, y - s * 0.75)]
            default: points = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
            }
            let list = points.map { "\(coordinate($0.0)),\(coordinate($0.1))" }.joined(separator: " ")
            return close("<polygon\(attrs) points=\"\(list)\" data-cx=\"\(coordinate(x))\" data-cy=\"\(coordinate(y))\" \(paint)")
        }
    }

    /// Error bars with caps: horizontal x0…x1 at y and/or vertical y0…y1 at x;
    /// zero-length bars are not drawn.
    mutating func errorBars(x: Double, y: Double, xRange: (Double, Double)?, yRange: (Double, Double)?, color: String) {
        var g = ""
        let cap = 4.0
        if let (a, b) = xRange, abs(b - a) > 0.5 {
            g += "<line x1=\"\(coordinate(a))\" y1=\"\(coordinate(y))\" x2=\"\(coordinate(b))\" y2=\"\(coordinate(y))\"/>"
            g += "<line x1=\"\(coordinate(a))\" y1=\"\(coordinate(y - cap))\" x2=\"\(coordinate(a))\" y2=\"\(coordinate(y + cap))\"/>"
            g += "<line x1=\"\(coordinate(b))\" y1=\"\(coordinate(y - cap))\" x2=\"\(coordinate(b))\" y2=\"\(coordinate(y + cap))\"/>"
        }
        if let (a, b) = yRange, abs(b - a) > 0.5 {
            g += "<line x1=\"\(coordinate(x))\" y1=\"\(coordinate(a))\" x2=\"\(coordinate(x))\" y2=\"\(coordinate(b))\"/>"
            g += "<line x1=\"\(coordinate(x - cap))\" y1=\"\(coordinate(a))\" x2=\"\(coordinate(x + cap))\" y2=\"\(coordinate(a))\"/>"
            g += "<line x1=\"\(coordinate(x - cap))\" y1=\"\(coordinate(b))\" x2=\"\(coordinate(x + cap))\" y2=\"\(coordinate(b))\"/>"
        }
        if !g.isEmpty { add("<g class=\"error-bar\" stroke=\"\(color)\" stroke-width=\"1.2\" opacity=\"0.85\">\(g)</g>") }
    }

    /// A text label beside the point (x, y): the first of the candidate spots
    /// (right, left, above, below, then diagonals, then farther out with a
    /// leader line) that overlaps no earlier label, no marker and stays inside
    /// the frame; failing that, the spot with the fewest overlaps.
    mutating func pointLabel(_ text: String, x: Double, y: Double, avoiding points: [(Double, Double)]) {
        let width = Double(text.count) * 6.6, height = 12.0
        typealias Box = (x0: Double, y0: Double, x1: Double, y1: Double)
        var candidates: [(x: Double, y: Double, anchor: String, far: Bool)] = []
        for (k, d) in [9.0, 26.0, 44.0].enumerated() {
            let far = k > 0
            candidates += [
                (x + d, y - 6, "start", far), (x - d, y - 6, "end", far), (x, y - 8 - d, "middle", far), (x, y + d - 2, "middle", far),
                (x + d, y - 6 - d, "start", far), (x + d, y - 6 + d, "start", far), (x - d, y - 6 - d, "end", far), (x - d, y - 6 + d, "end", far),
            ]
        }
        func box(_ c: (x: Double, y: Double, anchor: String, far: Bool)) -> Box {
            let x0 = c.anchor == "start" ? c.x : c.anchor == "end" ? c.x - width : c.x - width / 2
            return (x0, c.y, x0 + width, c.y + height)
        }
        func overlaps(_ b: Box) -> Int {
            var n = 0
            if b.x0 < layout.plotLeft + 2 || b.x1 > layout.plotRight - 2 || b.y0 < layout.plotTop + 2 || b.y1 > layout.plotBottom - 2 { n += 100 }
            for p in placedLabels where b.x0 < p.x1 && p.x0 < b.x1 && b.y0 < p.y1 && p.y0 < b.y1 { n += 3 }
            for (px, py) in points where px > b.x0 - 7 && px < b.x1 + 7 && py > b.y0 - 7 && py < b.y1 + 7 { n += 1 }
            return n
        }
        var chosen = candidates[0]
        var best = Int.max
        for c in candidates {
            let score = overlaps(box(c))
            if score < best { best = score; chosen = c }
            if score == 0 { break }
        }
        let b = box(chosen)
        placedLabels.append(b)
        if chosen.far {
            // A leader from the marker's edge to the nearest point of the label.
            let tx = min(max(x, b.x0), b.x1), ty = min(max(y, b.y0), b.y1)
            let d = max(((tx - x) * (tx - x) + (ty - y) * (ty - y)).squareRoot(), 1)
            add("<line class=\"leader\" x1=\"\(coordinate(x + (tx - x) / d * 7))\" y1=\"\(coordinate(y + (ty - y) / d * 7))\" x2=\"\(coordinate(tx))\" y2=\"\(coordinate(ty))\" stroke=\"#999999\" stroke-width=\"0.8\"/>")
        }
        add("<text class=\"point-label\" x=\"\(coordinate(chosen.x))\" y=\"\(coordinate(chosen.y + 10))\" text-anchor=\"\(chosen.anchor)\" font-size=\"11\" fill=\"#333333\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\">\(xmlEscape(text))</text>")
    }

    /// Grey explanatory lines at the bottom of the right margin.
    mutating func marginNote(_ lines: [String]) {
        let x = layout.plotRight + 18
        var y = layout.plotBottom - 14 * Double(lines.count - 1)
        var g = "<g class=\"margin-note\" font-size=\"11\" fill=\"#666666\">"
        for line in lines {
            g += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(y))\">\(xmlEscape(line))</text>"
            y += 14
        }
        add(g + "</g>")
    }

    /// The legend, in the right margin.
    mutating func legend(_ entries: [LegendEntry], title: String? = nil) {
        guard !entries.isEmpty else { return }
        let x = layout.plotRight + 18
        var y = layout.plotTop + 6
        var g = "<g class=\"legend\" font-size=\"11\" fill=\"\(Palette.axis)\">"
        if let title {
            g += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(y + 4))\" font-weight=\"bold\">\(xmlEscape(title))</text>"
            y += 20
        }
        for e in entries {
            if e.line {
                let dash = e.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                g += "<line x1=\"\(coordinate(x))\" y1=\"\(coordinate(y))\" x2=\"\(coordinate(x + 26))\" y2=\"\(coordinate(y))\" stroke=\"\(e.color)\" stroke-width=\"1.8\"\(dash)/>"
            }
            if let shape = e.shape {
                g += SVGCanvas.marker(shape, x: x + 13, y: y, size: 4.5, color: e.color, filled: e.filled)
            }
            let label = abbreviate(e.label, to: 30)
            g += "<text x=\"\(coordinate(x + 34))\" y=\"\(coordinate(y + 4))\">\(xmlEscape(label))</text>"
            y += 19
        }
        add(g + "</g>")
    }
}
