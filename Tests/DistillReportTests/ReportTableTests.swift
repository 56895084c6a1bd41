import XCTest
import DistillReport

final class ReportTableTests: XCTestCase {

    /// Two rows with a custom metric, a single-seed row (no std), a setting
    /// needing CSV quotes and a parameter holding quotes.
    private var twoRows: Report {
        let first = ReportRow(setting: "rounding:decimals=2", defense: "rounding", parameters: ["decimals": "2"],
                              budget: 1000, seeds: 3, metrics: [
                                  "custom_metric": MetricSummary(mean: 1234.25, std: .nan, n: 1),
                                  ReportMetric.defensiveImpactSoft: MetricSummary(mean: 0.05, std: 0.01, n: 3),
                                  ReportMetric.benignAccuracyLoss: MetricSummary(mean: 0.0123, std: 0.0045, n: 3),
                              ], canaryStudentPValues: [0.001, 0], canaryControlPValues: [0.5])
        let second = ReportRow(setting: "noise:sigma=0.1,clip", defense: "noise", parameters: ["note": "say \"hi\""],
                               budget: 5000, seeds: 1, metrics: [
                                   ReportMetric.benignAccuracyLoss: MetricSummary(mean: 0.1, std: .nan, n: 1),
                               ])
        return Report(title: "t", rows: [first, second], alpha: 0.05, generatedAt: "2025-01-01T00:00:00Z")
    }

    func testMarkdownTableExactly() {
        // Means rounded to the std's first digit (two when it starts with 1); p-values as
        // median and geometric mean (a p of 0 counts as 1e-300); shares with the
        // Clopper–Pearson 95% interval (2/2: lower 0.025^(1/2) = 0.16; 0/1: upper 0.975).
        let expected = """
        | setting | defense family | query budget | seeds | benign accuracy lost | defensive impact, soft | custom metric | canary p, students (median; geo. mean) | students flagged at α = 0.05 (95% CI) | controls flagged at α = 0.05 (95% CI) |
        | :-- | :-- | --: | --: | --: | --: | --: | --: | --: | --: |
        | rounding:decimals=2 | rounding | 1000 | 3 | 0.012 ± 0.004 | 0.050 ± 0.010 | 1234 | 0.0005; 3.2e-152 (n=2) | 2/2 = 1.00 [0.16, 1.00] | 0/1 = 0.00 [0.00, 0.98] |
        | noise:sigma=0.1,clip | noise | 5000 | 1 | 0.1 | — | — | — | — | — |

        """
        XCTAssertTrue(twoRows.markdownTable().hasPrefix(expected))
        XCTAssertTrue(twoRows.markdownTable().contains("**custom metric**: uncatalogued metric, machine name custom_metric"))
        XCTAssertFalse(twoRows.markdownTable().contains("NaN"))
    }

    func testClopperPearsonMatchesBetaQuantiles() {
        // scipy.stats.beta.ppf(0.025, 3, 8) = 0.066740, beta.ppf(0.975, 4, 7) = 0.65245 for 3 of 10.
        let (lo, hi) = Report.clopperPearson(successes: 3, trials: 10, confidence: 0.95)
        XCTAssertEqual(lo, 0.06673951, accuracy: 1e-6)
        XCTAssertEqual(hi, 0.65245285, accuracy: 1e-6)
        XCTAssertEqual(Report.clopperPearson(successes: 0, trials: 5, confidence: 0.95).0, 0)
    }

    func testRoundingFollowsTheSpread() {
        XCTAssertEqual(Report.formatSummaryForTesting(MetricSummary(mean: 0.9632, std: 0.007729, n: 3)), "0.963 ± 0.008")
        XCTAssertEqual(Report.formatSummaryForTesting(MetricSummary(mean: -0.0009285, std: 0.001608, n: 3)), "-0.0009 ± 0.0016")
        // A spread far below the mean's digits stops at 4 significant digits of the mean.
        XCTAssertEqual(Report.formatSummaryForTesting(MetricSummary(mean: 0.4999999739, std: 8e-10, n: 5)), "0.5000 ± 0.0000")
        XCTAssertEqual(Report.formatSummaryForTesting(MetricSummary(mean: 0.095594, std: 4e-6, n: 5)), "0.09559 ± 0.00000")
        XCTAssertEqual(Report.formatSummaryForTesting(MetricSummary(mean: 1234.5, std: 1e-6, n: 5)), "1234.5000 ± 0.0000")
    }

    func testCSVTableExactly() {
        let expected = #"""
        setting,defense,budget,seeds,param_decimals,param_note,benign_accuracy_loss_mean,benign_accuracy_loss_std,defensive_impact_soft_mean,defensive_impact_soft_std,custom_metric_mean,custom_metric_std,canary_student_p_values,canary_control_p_values
        rounding:decimals=2,rounding,1000,3,2,,0.0123,0.0045,0.05,0.01,1234.25,,0.001;0.0,0.5
        "noise:sigma=0.1,clip",noise,5000,1,,"say ""hi""",0.1,,,,,,,

        """#
        XCTAssertEqual(twoRows.csvTable(), expected)
    }

    func testCSVEscaping() {
        XCTAssertEqual(Report.csvEscape("plain"), "plain")
        XCTAssertEqual(Report.csvEscape("a,b"), "\"a,b\"")
        XCTAssertEqual(Report.csvEscape("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(Report.csvEscape("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(Report.csvEscape(" padded"), "\" padded\"")
        XCTAssertEqual(Report.csvEscape(""), "")
    }

    func testMarkdownEscapesPipesAndHandlesNoRows() {
        let row = ReportRow(setting: "a|b", defense: "x", budget: 1, seeds: 1)
        let md = Report(title: "t", rows: [row], generatedAt: "").markdownTable()
        XCTAssertTrue(md.contains("| a\\|b | x | 1 | 1 |"), md)
        XCTAssertEqual(Report(title: "t", rows: [], generatedAt: "").markdownTable(), "_No results: this report has no rows._\n")
        XCTAssertEqual(Report(title: "t", rows: [], generatedAt: "").csvTable(), "setting,defense,budget,seeds\n")
    }

    func testWellKnownMetricsComeFirstInCatalogueOrderThenOthersAlphabetically() {
        let keys = ["zeta", ReportMetric.detectorQueriesToFlag, "alpha_extra", ReportMetric.benignAccuracyLoss, ReportMetric.meanKL]
        XCTAssertEqual(ReportMetric.ordered(keys),
                       [ReportMetric.benignAccuracyLoss, ReportMetric.meanKL, ReportMetric.detectorQueriesToFlag, "alpha_extra", "zeta"])
    }

    func testMetricSummaryFromSeedsDropsNaN() {
        let s = MetricSummary(values: [0.1, 0.3, .nan])
        XCTAssertEqual(s.n, 2)
        XCTAssertEqual(s.mean, 0.2, accuracy: 1e-15)
        XCTAssertEqual(s.std, (0.02).squareRoot(), accuracy: 1e-15)  // ((0.1² + 0.1²)/1)^½
        XCTAssertTrue(MetricSummary(values: [0.4]).std.isNaN)
    }

    func testJSONRoundTripKeepsNaN() throws {
        let report = twoRows
        let decoded = try Report.decodeJSON(report.encodeJSON())
        XCTAssertEqual(decoded.rows.count, 2)
        XCTAssertEqual(decoded.rows[0][metric: "custom_metric"]?.mean, 1234.25)
        XCTAssertTrue(decoded.rows[0][metric: "custom_metric"]!.std.isNaN)
        XCTAssertEqual(decoded.rows[1].parameters["note"], "say \"hi\"")
    }
}
