import XCTest
import DistillReport

/// The canary power curve against hand-computed shares and Clopper–Pearson intervals.
final class PowerCurveTests: XCTestCase {

    func canary(_ rate: String, students: [Double], controls: [Double], budget: Int = 400) -> ReportRow {
        ReportRow(setting: "keyed-canary:rate=\(rate)", defense: "keyed-canary", parameters: ["rate": rate], budget: budget, seeds: 2,
                  canaryStudentPValues: students, canaryControlPValues: controls)
    }

    /// P[X ≤ k] for X ~ Bin(n, p), from the binomial sum itself.
    func binomialCDF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        var total = 0.0, choose = 1.0
        for i in 0...k {
            if i > 0 { choose = choose * Double(n - i + 1) / Double(i) }
            total += choose * pow(p, Double(i)) * pow(1 - p, Double(n - i))
        }
        return total
    }

    /// The root of a decreasing f on [0, 1] by bisection.
    func root(_ f: (Double) -> Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 { let mid = (lo + hi) / 2; if f(mid) > 0 { lo = mid } else { hi = mid } }
        return (lo + hi) / 2
    }

    func testSharesAndIntervalsEqualAHandComputation() throws {
        // α = 0.01: a p-value equal to α flags; NaN and out-of-range p-values are no tests; 0 is a valid p.
        let rows = [
            canary("0.05", students: [1e-5, 0.004, .nan, 0], controls: [0.009, 0.6, 0.7]),
            canary("0.01", students: [0.001, 0.5], controls: [0.2, 0.03, 0.5, 0.9]),
            canary("0.1", students: [0.01, 0.02, 1.5], controls: [1, 1]),
            ReportRow(setting: "periodic-signal", defense: "periodic-signal", budget: 400, seeds: 2,
                      canaryStudentPValues: [0.3, 0.6], canaryControlPValues: [0.4]),
        ]
        let report = Report(title: "canaries", rows: rows, alpha: 0.01, generatedAt: "")
        let curves = report.powerCurves()
        XCTAssertEqual(curves.count, 1, "periodic-signal has no rate")
        let curve = try XCTUnwrap(curves.first)
        XCTAssertEqual(curve.family, "keyed-canary")
        XCTAssertEqual(curve.parameter, "rate")
        XCTAssertEqual(curve.students.map(\.value), [0.01, 0.05, 0.1], "ascending rate")
        XCTAssertEqual(curve.students.map(\.flagged), [1, 3, 1])
        XCTAssertEqual(curve.students.map(\.tests), [2, 3, 2])
        XCTAssertEqual(curve.controls.map(\.flagged), [0, 1, 0])
        XCTAssertEqual(curve.controls.map(\.tests), [4, 3, 2])

        // Two-sided 95% Clopper–Pearson: lower solves P[X ≥ k | p] = 0.025, upper solves P[X ≤ k | p] = 0.025.
        // k = 1, n = 2: 1 − (1 − p)² = 0.025 → p = 1 − √0.975; 1 − p² = 0.025 → p = √0.975.
        let s01 = curve.students[0], s10 = curve.students[2]
        for point in [s01, s10] {
            XCTAssertEqual(point.lower, 1 - 0.975.squareRoot(), accuracy: 1e-9)
            XCTAssertEqual(point.upper, 0.975.squareRoot(), accuracy: 1e-9)
            XCTAssertEqual(point.share, 0.5)
        }
        // k = n = 3: lower 0.025^(1/3), upper 1.
        XCTAssertEqual(curve.students[1].lower, pow(0.025, 1.0 / 3), accuracy: 1e-9)
        XCTAssertEqual(curve.students[1].upper, 1, accuracy: 1e-12)
        // k = 0, n = 4: lower 0, upper 1 − 0.025^(1/4); k = 0, n = 2: 1 − 0.025^(1/2).
        XCTAssertEqual(curve.controls[0].lower, 0)
        XCTAssertEqual(curve.controls[0].upper, 1 - pow(0.025, 0.25), accuracy: 1e-9)
        XCTAssertEqual(curve.controls[2].upper, 1 - pow(0.025, 0.5), accuracy: 1e-9)
        // k = 1, n = 3: lower 1 − 0.975^(1/3); upper where P[X ≤ 1] = (1 − p)³ + 3p(1 − p)² falls to 0.025.
        XCTAssertEqual(curve.controls[1].lower, 1 - pow(0.975, 1.0 / 3), accuracy: 1e-9)
        XCTAssertEqual(curve.controls[1].upper, root { self.binomialCDF(1, 3, $0) - 0.025 }, accuracy: 1e-9)
        XCTAssertEqual(curve.controls[1].upper, 0.9057007, accuracy: 1e-6)  // = the 0.975 quantile of Beta(2, 2)

        // The plot draws those numbers: one marker per (rate, role) with k, n and the bounds.
        let svg = report.svg(.power)
        let students = captures("class=\"point student\" data-setting=\"[^\"]*\" data-value=\"([^\"]*)\" data-flagged=\"([0-9]+)\"", in: svg)
        XCTAssertEqual(students, ["0.01", "0.05", "0.1"])
        XCTAssertEqual(captures("class=\"point control\" data-setting=\"[^\"]*\" data-value=\"[^\"]*\" data-flagged=\"([0-9]+)\"", in: svg), ["0", "1", "0"])
        XCTAssertEqual(captures("class=\"point student\"[^>]*data-tests=\"([0-9]+)\"", in: svg), ["2", "3", "2"])
        let lowers = captures("class=\"point control\"[^>]*data-lower=\"([^\"]*)\"", in: svg).compactMap(Double.init)
        XCTAssertEqual(lowers.count, 3)
        XCTAssertEqual(lowers[1], 1 - pow(0.975, 1.0 / 3), accuracy: 1e-12)
        // Rates 0.01 … 0.1 span a decade: a log axis, whose title says so.
        XCTAssertTrue(svg.contains("Canary rate (fraction of queries marked, log scale)"))
        XCTAssertTrue(report.html().contains("Power plot: periodic-signal has no canary parameter that varies"))
    }

    /// Rows of one rate at two budgets are two curves, not one mixed curve.
    func testOtherSettingsSplitCurves() {
        let rows = [canary("0.01", students: [0.001], controls: [0.5], budget: 100), canary("0.1", students: [0.001], controls: [0.5], budget: 100),
                    canary("0.01", students: [0.5], controls: [0.5], budget: 400), canary("0.1", students: [0.001], controls: [0.5], budget: 400)]
        let curves = Report(title: "t", rows: rows, alpha: 0.01, generatedAt: "").powerCurves()
        XCTAssertEqual(curves.map(\.series), ["budget 100", "budget 400"])
        XCTAssertEqual(curves.map { $0.students.map(\.flagged) }, [[1, 1], [0, 1]])
    }
}
