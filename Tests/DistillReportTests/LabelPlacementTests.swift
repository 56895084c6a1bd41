import XCTest
import DistillReport

/// Point labels never overlap, however crowded the points.
final class LabelPlacementTests: XCTestCase {

    func assertDisjoint(_ boxes: [LabelBox], file: StaticString = #filePath, line: UInt = #line) {
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                XCTAssertFalse(boxes[i].overlaps(boxes[j]), "labels \(i) and \(j) overlap: \(boxes[i]) \(boxes[j])", file: file, line: line)
            }
        }
    }

    func testCrowdedLabelsNeitherOverlapNorLeaveTheirArea() {
        // 30 points within 12 px of one another, each with a long label.
        let bounds = LabelBox(x0: 80, y0: 50, x1: 560, y1: 400)
        var placer = LabelPlacer(bounds: bounds)
        let points: [(x: Double, y: Double)] = (0..<30).map { (k: Int) -> (x: Double, y: Double) in
            let dx = Double(k % 5) * 2.5, dy = Double(k / 5) * 2
            return (x: 300 + dx, y: 220 + dy)
        }
        placer.markers = points
        var placed: [LabelPlacement] = []
        var refused = 0
        for (k, p) in points.enumerated() {
            if let label = placer.place("gaussian-noise:sigma=0.\(k)", x: p.x, y: p.y) { placed.append(label) } else { refused += 1 }
        }
        assertDisjoint(placed.map(\.box))
        for p in placed { XCTAssertTrue(bounds.contains(p.box), "\(p.text) leaves the plot: \(p.box)") }
        // The vertical scan finds room for every one of them (27 lines of 13 px fit on each side).
        XCTAssertEqual(refused, 0)
        // A label moved away from its point gets a leader line to it.
        for p in placed {
            let dx = max(p.box.x0 - p.pointX, 0, p.pointX - p.box.x1), dy = max(p.box.y0 - p.pointY, 0, p.pointY - p.box.y1)
            if (dx * dx + dy * dy).squareRoot() > 12 { XCTAssertTrue(p.leader, "\(p.text) is far from its point without a leader") }
        }
        XCTAssertGreaterThan(placed.filter(\.leader).count, 15, "most of 30 crowded labels cannot sit next to their point")
        // A label's box is as wide as its text, and the text sits in its box.
        for p in placed {
            XCTAssertEqual(p.box.x1 - p.box.x0, LabelPlacer.textWidth(p.text, fontSize: 11), accuracy: 1e-9)
            XCTAssertTrue(p.textY > p.box.y0 && p.textY < p.box.y1)
        }
    }

    func testALabelWithNoRoomIsRefusedNotDrawnOverAnother() {
        // Room for two lines only.
        var placer = LabelPlacer(bounds: LabelBox(x0: 0, y0: 0, x1: 200, y1: 28))
        let first = placer.place("first label", x: 100, y: 14)
        let second = placer.place("second label", x: 100, y: 14)
        let third = placer.place("third label", x: 100, y: 14)
        XCTAssertNotNil(first)
        XCTAssertNotNil(second)
        XCTAssertNil(third)
        assertDisjoint([first!.box, second!.box])
    }

    func testLabelsAvoidMarkersWhenThereIsRoom() throws {
        var placer = LabelPlacer(bounds: LabelBox(x0: 0, y0: 0, x1: 400, y1: 300), markers: [(x: 120, y: 100), (x: 100, y: 100)])
        // Right of (100, 100) is the other marker: the label goes elsewhere, clear of both.
        let label = try XCTUnwrap(placer.place("setting", x: 100, y: 100))
        XCTAssertEqual(label.anchor, "end", "the first clear spot is left of the point")
        for m in placer.markers {
            XCTAssertFalse(m.x > label.box.x0 && m.x < label.box.x1 && m.y > label.box.y0 && m.y < label.box.y1)
        }
    }

    /// A crowded trade-off plot: its drawn labels, boxes rebuilt from the SVG, do not overlap.
    func testCrowdedTradeoffPlotLabelsDoNotOverlap() throws {
        var rows: [ReportRow] = []
        for k in 0..<18 {
            // Nearly equal costs and impacts: every label wants the same spot.
            rows.append(ReportFixtures.row("rounding:decimals=\(k)", "rounding", budget: 400, utilityLost: (0.001 * Double(k % 3), 0.0005),
                                           impactSoft: (0.02 + 0.001 * Double(k), 0.004), impactLabel: (0.01, 0.003),
                                           softAccuracy: (0.9, 0.01), labelAccuracy: (0.9, 0.01)))
        }
        let report = Report(title: "crowded", rows: rows, generatedAt: "")
        let svg = report.svg(.tradeoff)
        let texts = captures("(<text class=\"point-label\"[^>]*>[^<]*</text>)", in: svg)
        XCTAssertFalse(report.html().contains("no room to label"))
        var boxes: [LabelBox] = []
        for t in texts {
            let x = Double(captures("x=\"([^\"]*)\"", in: t)[0])!, y = Double(captures(" y=\"([^\"]*)\"", in: t)[0])!
            let anchor = captures("text-anchor=\"([^\"]*)\"", in: t)[0], text = captures(">([^<]*)</text>", in: t)[0]
            let width = LabelPlacer.textWidth(text, fontSize: 11)
            let x0 = anchor == "start" ? x : anchor == "end" ? x - width : x - width / 2
            // The baseline sits 1 + 0.2·11 px above the box's bottom, the box is 13 px tall.
            let y1 = y + 1 + 2.2
            boxes.append(LabelBox(x0: x0 - 0.01, y0: y1 - 13 + 0.01, x1: x0 + width - 0.01, y1: y1 - 0.01))
        }
        XCTAssertEqual(texts.count, 18, "every setting is labelled: the scan finds room")
        assertDisjoint(boxes)
        let frame = PlotLayout.standard
        for b in boxes { XCTAssertTrue(b.x0 >= frame.plotLeft && b.x1 <= frame.plotRight && b.y0 >= frame.plotTop && b.y1 <= frame.plotBottom, "\(b)") }
    }

    func testWidthEstimateCoversDejaVuSans() {
        // getBBox() widths in Chromium with DejaVu Sans at 11 px (measured).
        let measured: [(String, Double)] = [("error bars: ±1 std over seeds", 161.8), ("keyed-canary:rate=0.02", 133.5),
                                            ("periodic-signal", 80.7), ("reverse-sigmoid:beta=1,gamma=0.2", 205.4),
                                            ("gaussian-noise:sigma=0.1 → rounding:decimals=1", 280.0), ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 192.7)]
        for (text, width) in measured {
            let estimate = LabelPlacer.textWidth(text, fontSize: 11)
            XCTAssertGreaterThanOrEqual(estimate, width, text)
            XCTAssertLessThan(estimate, width * 1.12, "\(text): a much wider estimate wastes room")
        }
    }
}
