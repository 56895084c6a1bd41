import XCTest
import DistillReport

final class PlotScaleTests: XCTestCase {

    func testLogScaleMapsDecadesLinearly() {
        // 4 decades over 400 px, y pointing up: each decade is 100 px.
        let s = LogScale(lower: 1e-4, upper: 1, start: 400, end: 0)
        XCTAssertEqual(s.position(1), 0, accuracy: 1e-9)
        XCTAssertEqual(s.position(1e-2), 200, accuracy: 1e-9)
        XCTAssertEqual(s.position(1e-4), 400, accuracy: 1e-9)
        XCTAssertEqual(s.position(0.05), 400 - 100 * (4 + log10(0.05)), accuracy: 1e-9)  // 69.897
        XCTAssertEqual(s.decadeTicks(), [1e-4, 1e-3, 1e-2, 1e-1, 1])
        XCTAssertEqual(LogScale.label(1e-3), "10⁻³")
        XCTAssertEqual(LogScale.label(1e-12), "10⁻¹²")
        XCTAssertEqual(LogScale.label(0.01), "0.01")
    }

    func testLogTicksThinOutOverManyDecadesButKeepOne() {
        let s = LogScale(lower: 1e-20, upper: 1, start: 0, end: 1)
        // 21 decades, at most 9 ticks → every 3rd, counted down from 10⁰.
        XCTAssertEqual(s.decadeTicks().map { Int(log10($0).rounded()) }, [-18, -15, -12, -9, -6, -3, 0])
    }

    func testCanaryAxisAndMarkersAtHandComputedCoordinates() throws {
        let row = ReportRow(setting: "c", defense: "canary", budget: 1, seeds: 1,
                            canaryStudentPValues: [1e-3, 0, .nan], canaryControlPValues: [0.5])
        let report = Report(title: "t", rows: [row], alpha: 0.01, generatedAt: "")
        let axis = try XCTUnwrap(report.canaryAxis())
        // Smallest positive p is 10⁻³ (below α = 10⁻²): the axis starts a decade lower, 10⁻⁴,
        // and one more decade lower, 10⁻⁵, because a 0 is clamped.
        XCTAssertEqual(axis.floor, 1e-5, accuracy: 1e-20)
        XCTAssertEqual(axis.clampedCount, 1)
        // Canary layout: plot from y = 380 (bottom, p = 10⁻⁵) to y = 58 (8 px below the top at 50, p = 1): 64.4 px per decade.
        let layout = PlotLayout.canary
        XCTAssertEqual(layout.plotBottom, 380)
        XCTAssertEqual(layout.plotTop, 50)
        XCTAssertEqual(axis.scale.position(1), 58, accuracy: 1e-9)
        XCTAssertEqual(axis.scale.position(1e-3), 251.2, accuracy: 1e-9)  // 380 − 2 decades · 64.4
        XCTAssertEqual(axis.scale.position(1e-2), 186.8, accuracy: 1e-9)  // the α line
        XCTAssertEqual(axis.clampedPosition, 363.9, accuracy: 1e-9)      // 380 − ¼ decade · 64.4
        let svg = report.svg(.canary)
        XCTAssertEqual(captures("data-p=\"0.001\" cx=\"[^\"]*\" cy=\"([^\"]*)\"", in: svg), ["251.20"])
        // p = 0.5: 380 − 64.4 · (5 + log₁₀ 0.5) = 77.386…
        XCTAssertEqual(captures("class=\"point control\" data-setting=\"c\" data-p=\"0.5\"[^>]*data-cy=\"([^\"]*)\"", in: svg), ["77.39"])
        XCTAssertEqual(captures("class=\"point student clamped\" data-setting=\"c\" data-p=\"0.0\"[^>]*data-cy=\"([^\"]*)\"", in: svg), ["363.90"])
        XCTAssertEqual(captures("class=\"alpha-line\" x1=\"[^\"]*\" y1=\"([^\"]*)\"", in: svg), ["186.80"])
        XCTAssertTrue(report.html().contains("Canary plot: 1 NaN p-value skipped."))
        XCTAssertTrue(report.html().contains("Canary plot: 1 p-value of 0 (or below 1e-300) drawn as ▼ at the floor 10⁻⁵."))
    }

    func testLinearScaleNiceTicks() {
        let s = LinearScale(covering: [0.013, 0.087], start: 0, end: 100, includeZero: true)
        XCTAssertEqual(s.step, 0.02, accuracy: 1e-15)
        XCTAssertEqual(s.lower, 0)
        XCTAssertEqual(s.upper, 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.ticks.map(s.label), ["0.00", "0.02", "0.04", "0.06", "0.08", "0.10"])
        XCTAssertEqual(s.position(0.05), 50, accuracy: 1e-9)
        // A single value still gets a usable domain around it.
        let one = LinearScale(covering: [0.7], start: 0, end: 1)
        XCTAssertLessThan(one.lower, 0.7)
        XCTAssertGreaterThan(one.upper, 0.7)
    }
}
