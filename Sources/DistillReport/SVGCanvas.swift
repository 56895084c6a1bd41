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

/// `text`, cut in the middle (`abbreviate`) until its estimated width at
/// `fontSize` fits `width` px.
func fitted(_ text: String, width: Double, fontSize: Double) -> String {
    var limit = text.count
    var out = text
    while limit > 3 && LabelPlacer.textWidth(out, fontSize: fontSize) > width {
        limit -= 1
        out = abbreviate(text, to: limit)
    }
    return out
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
/// `<title>`/`<desc>`. A figure of several panels moves `layout` from panel to
/// panel (`beginPanel`); the SVG's size stays `width` × `height`.
struct SVGCanvas {
    let id: String
    /// The frame being drawn in: its plot area is where axes, marks and labels go.
    private(set) var layout: PlotLayout
    private var parts: [String] = []
    /// Point labels of the current frame, kept from overlapping one another.
    private var labels: LabelPlacer
    /// Labels that found no free spot (listed by the plot in its notes instead).
    private(set) var unplacedLabels: [String] = []

    /// The SVG's width and height: the layout's, or more when slanted labels need room.
    var width: Double
    var height: Double

    init(id: String, layout: PlotLayout) {
        self.id = id; self.layout = layout; self.width = layout.width; self.height = layout.height
        self.labels = SVGCanvas.placer(for: layout)
    }

    /// A label placer for `layout`'s plot area, 2 px inside its frame.
    private static func placer(for layout: PlotLayout) -> LabelPlacer {
        LabelPlacer(bounds: LabelBox(x0: layout.plotLeft + 2, y0: layout.plotTop + 2, x1: layout.plotRight - 2, y1: layout.plotBottom - 2))
    }

    /// Starts drawing in another frame of the same figure (a panel): axes,
    /// marks and labels go in `frame`'s plot area from now on, and labels only
    /// avoid those of this panel.
    mutating func beginPanel(_ frame: PlotLayout) {
        layout = frame
        labels = SVGCanvas.placer(for: frame)
    }

    mutating func add(_ element: String) { parts.append(element) }

    /// The finished `<svg>` element. `standalone` adds the SVG namespace so the
    /// text is a valid .svg file on its own (HTML's inline SVG needs none).
    func render(title: String, description: String, standalone: Bool) -> String {
        let ns = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        var s = "<svg\(ns) id=\"\(id)\" class=\"plot\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
        s += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        s += "font-family=\"DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<title id=\"\(id)-title\">\(xmlEscape(title))</title>\n"
        s += "<desc id=\"\(id)-desc\">\(xmlEscape(description))</desc>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"
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
        if !xTitle.isEmpty { xAxisTitle(xTitle, x: midX, y: l.plotBottom + 48) }
        if !yTitle.isEmpty { yAxisTitle(yTitle, x: l.plotLeft - 60, y: midY) }
    }

    /// An x-axis title centred at (x, y) (its baseline).
    mutating func xAxisTitle(_ text: String, x: Double, y: Double) {
        add("<text class=\"axis-title\" x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(Palette.axis)\">\(xmlEscape(text))</text>")
    }

    /// A y-axis title, read bottom to top, centred on (x, y).
    mutating func yAxisTitle(_ text: String, x: Double, y: Double) {
        add("<text class=\"axis-title\" x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(Palette.axis)\" transform=\"rotate(-90 \(coordinate(x)) \(coordinate(y)))\">\(xmlEscape(text))</text>")
    }

    /// A panel's bold title, left-aligned above its frame.
    mutating func panelTitle(_ text: String) {
        add("<text class=\"panel-title\" x=\"\(coordinate(layout.plotLeft))\" y=\"\(coordinate(layout.plotTop - 8))\" font-size=\"12\" font-weight=\"bold\" fill=\"\(Palette.axis)\">\(xmlEscape(text))</text>")
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

    /// A text label beside the point (x, y), placed by the frame's
    /// `LabelPlacer` so it overlaps no other label of the frame and, where it
    /// can, covers none of `points` (marker centres); away from its point it
    /// gets a leader line. A label with no free spot is not drawn but kept in
    /// `unplacedLabels`.
    mutating func pointLabel(_ text: String, x: Double, y: Double, avoiding points: [(Double, Double)], color: String = "#333333") {
        labels.markers = points.map { (x: $0.0, y: $0.1) }
        guard let p = labels.place(text, x: x, y: y) else { unplacedLabels.append(text); return }
        if p.leader {
            // From the marker's edge to the nearest point of the label's box.
            let b = p.box
            let tx = min(max(x, b.x0), b.x1), ty = min(max(y, b.y0), b.y1)
            let d = max(((tx - x) * (tx - x) + (ty - y) * (ty - y)).squareRoot(), 1)
            add("<line class=\"leader\" x1=\"\(coordinate(x + (tx - x) / d * 7))\" y1=\"\(coordinate(y + (ty - y) / d * 7))\" x2=\"\(coordinate(tx))\" y2=\"\(coordinate(ty))\" stroke=\"#999999\" stroke-width=\"0.8\"/>")
        }
        add("<text class=\"point-label\" x=\"\(coordinate(p.textX))\" y=\"\(coordinate(p.textY))\" text-anchor=\"\(p.anchor)\" font-size=\"\(coordinate(labels.fontSize))\" fill=\"\(color)\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\">\(xmlEscape(text))</text>")
    }

    /// Small grey text inside the frame, right-aligned at x with its baseline
    /// at y, that point labels of the frame then keep clear of.
    mutating func frameNote(_ text: String, rightX x: Double, baseline y: Double, fontSize: Double = 10) {
        let w = LabelPlacer.textWidth(text, fontSize: fontSize)
        labels.reserve(LabelBox(x0: x - w, y0: y - fontSize, x1: x, y1: y + 0.25 * fontSize))
        add("<text class=\"frame-note\" x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"end\" font-size=\"\(coordinate(fontSize))\" fill=\"#666666\">\(xmlEscape(text))</text>")
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

    /// The legend, in the right margin of the current frame (or at `x`, `y`):
    /// entries cut to fit the figure's width; the figure grows when the
    /// entries run past its bottom.
    ///
    /// - Returns: the y below the last entry.
    @discardableResult
    mutating func legend(_ entries: [LegendEntry], title: String? = nil, x: Double? = nil, y top: Double? = nil) -> Double {
        guard !entries.isEmpty else { return top ?? layout.plotTop }
        let x = x ?? layout.plotRight + 18
        var y = (top ?? layout.plotTop) + 6
        let room = width - (x + 34) - 4
        var g = "<g class=\"legend\" font-size=\"11\" fill=\"\(Palette.axis)\">"
        if let title {
            g += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(y + 4))\" font-weight=\"bold\">\(xmlEscape(fitted(title, width: width - x - 4, fontSize: 11)))</text>"
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
            let label = fitted(e.label, width: room, fontSize: 11)
            let tip = label == e.label ? "" : "<title>\(xmlEscape(e.label))</title>"
            g += "<text x=\"\(coordinate(x + 34))\" y=\"\(coordinate(y + 4))\">\(tip)\(xmlEscape(label))</text>"
            y += 19
        }
        if y + 4 > height { height = y + 4 }
        add(g + "</g>")
        return y
    }
}
