import Foundation

/// An axis-aligned rectangle in SVG coordinates (y grows downwards).
public struct LabelBox: Sendable, Equatable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }

    /// Whether the two boxes share interior area (touching edges do not count).
    public func overlaps(_ other: LabelBox) -> Bool {
        x0 < other.x1 && other.x0 < x1 && y0 < other.y1 && other.y0 < y1
    }

    /// Whether `other` lies wholly inside this box.
    public func contains(_ other: LabelBox) -> Bool {
        other.x0 >= x0 && other.x1 <= x1 && other.y0 >= y0 && other.y1 <= y1
    }

    /// Whether the point (x, y) lies within `margin` of the box.
    func near(x: Double, y: Double, margin: Double) -> Bool {
        x > x0 - margin && x < x1 + margin && y > y0 - margin && y < y1 + margin
    }
}

/// Where one label went: its text's anchor point and alignment, its box, and
/// whether it sits away from its point (then a leader line joins them).
public struct LabelPlacement: Sendable, Equatable {
    public var text: String
    /// The point the label belongs to.
    public var pointX: Double
    public var pointY: Double
    /// The SVG `text` element's x and baseline y, and its `text-anchor`.
    public var textX: Double
    public var textY: Double
    public var anchor: String
    public var box: LabelBox
    /// True when the label is far enough from its point to need a leader line.
    public var leader: Bool
}

/// Greedy placement of point labels that never overlap each other.
///
/// Each label tries, in order: the eight spots just around its point; the same
/// spots farther out; then a vertical scan, right of the point and then left
/// of it, offsetting the label one line at a time up and down until it is
/// clear (a leader line then joins label and point). A spot is clear when it
/// stays inside `bounds`, overlaps no label placed before and covers no
/// marker; if no spot covers no marker, the scan is repeated allowing markers
/// to be covered. A label that still finds no room is refused (`place` returns
/// nil) rather than drawn over another, so the caller can list it elsewhere.
/// Labels are placed in the order given: earlier ones get the nearer spots.
public struct LabelPlacer: Sendable {
    /// The area labels must stay inside (usually the plot frame, inset a little).
    public let bounds: LabelBox
    /// Font size of the labels, in px.
    public let fontSize: Double
    /// Marker centres labels should not cover.
    public var markers: [(x: Double, y: Double)]
    /// The boxes placed so far.
    public private(set) var placed: [LabelBox] = []

    /// - Precondition: `bounds` has positive width and height; `fontSize > 0`.
    public init(bounds: LabelBox, fontSize: Double = 11, markers: [(x: Double, y: Double)] = []) {
        precondition(bounds.x1 > bounds.x0 && bounds.y1 > bounds.y0 && fontSize > 0, "LabelPlacer needs a non-empty area and a positive font size")
        self.bounds = bounds; self.fontSize = fontSize; self.markers = markers
    }

    /// A label's height: one line of `fontSize` text with a pixel of air above and below.
    public var lineHeight: Double { fontSize + 2 }

    /// An upper estimate of `text`'s width at `fontSize` in DejaVu Sans (the
    /// report's first font): its advance widths in em, plus 4%, for the
    /// renderer's rounding. Fallback fonts (Liberation Sans, Helvetica) are
    /// narrower, so the estimate errs on the side of room.
    ///
    /// - Complexity: O(length of `text`).
    public static func textWidth(_ text: String, fontSize: Double) -> Double {
        var em = 0.0
        for ch in text {
            if let w = LabelPlacer.advance[ch] { em += w; continue }
            switch ch {
            case "0"..."9": em += 0.636
            case "A"..."Z": em += 0.72
            default: em += ch.isASCII ? 0.65 : 0.85
            }
        }
        return em * fontSize * 1.04
    }

    /// DejaVu Sans advance widths (em) of lowercase letters and common punctuation.
    static let advance: [Character: Double] = [
        "a": 0.613, "b": 0.635, "c": 0.550, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635, "h": 0.634, "i": 0.278,
        "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634, "o": 0.612, "p": 0.635, "q": 0.635, "r": 0.411,
        "s": 0.521, "t": 0.392, "u": 0.634, "v": 0.592, "w": 0.818, "x": 0.592, "y": 0.592, "z": 0.525,
        " ": 0.318, ".": 0.318, ",": 0.318, ":": 0.337, ";": 0.337, "-": 0.361, "_": 0.500, "'": 0.275, "\"": 0.460,
        "(": 0.390, ")": 0.390, "[": 0.390, "]": 0.390, "/": 0.337, "|": 0.337, "%": 0.950, "!": 0.400, "?": 0.531,
        "=": 0.838, "+": 0.838, "<": 0.838, ">": 0.838, "~": 0.838, "→": 0.838, "±": 0.838, "×": 0.838, "≤": 0.838,
        "≥": 0.838, "…": 1.000, "α": 0.660, "σ": 0.634, "τ": 0.560, "β": 0.636, "γ": 0.592, "·": 0.318, "–": 0.500, "—": 1.000,
    ]

    /// Keeps labels out of `box` (fixed text the plot draws itself, e.g. a line's name).
    public mutating func reserve(_ box: LabelBox) {
        placed.append(box)
    }

    /// Places `text` for the point (x, y), or returns nil when no clear spot is
    /// left (the label should then be listed outside the plot).
    ///
    /// - Complexity: O(s · (l + m)) for s candidate spots (about 8·3 + 4·h/line
    ///   height), l labels placed so far and m markers.
    public mutating func place(_ text: String, x: Double, y: Double) -> LabelPlacement? {
        let width = LabelPlacer.textWidth(text, fontSize: fontSize), height = lineHeight
        for avoidMarkers in [true, false] {
            for c in candidates(x: x, y: y, width: width, height: height) {
                let b = box(c, width: width, height: height)
                guard isClear(b, avoidMarkers: avoidMarkers) else { continue }
                placed.append(b)
                // The baseline sits a fifth of the font size above the box's bottom (DejaVu's descent).
                return LabelPlacement(text: text, pointX: x, pointY: y, textX: c.x, textY: b.y1 - 1 - 0.2 * fontSize,
                                      anchor: c.anchor, box: b, leader: c.far)
            }
        }
        return nil
    }

    private typealias Spot = (x: Double, y: Double, anchor: String, far: Bool)

    /// Candidate spots, nearest first: `y` is the top of the label's box.
    private func candidates(x: Double, y: Double, width: Double, height: Double) -> [Spot] {
        var spots: [Spot] = []
        let half = height / 2
        for (k, d) in [9.0, 26.0, 44.0].enumerated() {
            let far = k > 0
            spots += [
                (x + d, y - half, "start", far), (x - d, y - half, "end", far),
                (x, y - height - d + 2, "middle", far), (x, y + d - 2, "middle", far),
                (x + d, y - half - d, "start", far), (x + d, y - half + d, "start", far),
                (x - d, y - half - d, "end", far), (x - d, y - half + d, "end", far),
            ]
        }
        // Greedy vertical offsetting: one line up, one down, two up, … on each side.
        let steps = Int(((bounds.y1 - bounds.y0) / height).rounded(.up))
        for (dx, anchor) in [(30.0, "start"), (-30.0, "end")] {
            for k in 1...max(steps, 1) {
                for sign in [-1.0, 1.0] {
                    spots.append((x + dx, y - half + sign * Double(k) * height, anchor, true))
                }
            }
        }
        return spots
    }

    private func box(_ c: Spot, width: Double, height: Double) -> LabelBox {
        let x0 = c.anchor == "start" ? c.x : c.anchor == "end" ? c.x - width : c.x - width / 2
        return LabelBox(x0: x0, y0: c.y, x1: x0 + width, y1: c.y + height)
    }

    private func isClear(_ b: LabelBox, avoidMarkers: Bool) -> Bool {
        guard bounds.contains(b) else { return false }
        if placed.contains(where: { $0.overlaps(b) }) { return false }
        if avoidMarkers && markers.contains(where: { b.near(x: $0.x, y: $0.y, margin: 5) }) { return false }
        return true
    }
}
