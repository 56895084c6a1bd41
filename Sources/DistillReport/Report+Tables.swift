import Foundation
import DistillStats

extension Report {

    /// The results table as GitHub-flavoured Markdown: one row per setting,
    /// the differing settings (`settingColumns`) after its seeds, "mean ± std" cells (the mean alone when std is undefined, "—" when the
    /// row lacks the metric), then the median canary p-value on students and on
    /// controls when any row has them. Ends with a newline.
    ///
    /// - Complexity: O(rows × columns).
    public func markdownTable() -> String {
        guard !rows.isEmpty else { return "_No results: this report has no rows._\n" }
        let columns = tableColumns()
        var header = ["setting", "defense family", "query budget", "seeds"] + settingColumnNames
        var align = [":--", ":--", "--:", "--:"] + settingColumnNames.map { _ in ":--" }
        for c in columns { header.append(c.label); align.append("--:") }
        var lines = [markdownLine(header), "| " + align.joined(separator: " | ") + " |"]
        for row in rows {
            var cells = [row.setting, row.defense, String(row.budget), String(row.seeds)]
            cells += settingColumnNames.map { Report.settingValue(row, $0) }
            for c in columns { cells.append(c.markdownCell(row)) }
            lines.append(markdownLine(cells))
        }
        lines.append("")
        lines.append("Definitions: " + columns.map { "**\($0.label)**: \($0.title)" }.joined(separator: "; ") + ".")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The results table as CSV (RFC 4180 quoting, "\n" line ends): setting,
    /// defense, budget, seeds, one `setting_<name>` column per setting column
    /// (`settingColumns`), one `param_<name>` column per parameter name,
    /// then `<metric>_mean` and `<metric>_std` per metric and the canary
    /// p-value lists (";"-separated). Numbers use Swift's shortest round-trip
    /// form; missing and NaN values are empty cells, which pandas reads as NaN.
    ///
    /// - Complexity: O(rows × columns).
    public func csvTable() -> String {
        let parameterNames = Set(rows.flatMap { $0.parameters.keys }).sorted()
        let metrics = metricKeys
        var header = ["setting", "defense", "budget", "seeds"]
        header += settingColumnNames.map { "setting_" + $0 }
        header += parameterNames.map { "param_" + $0 }
        for m in metrics { header += [m + "_mean", m + "_std"] }
        let pValues = hasCanaryPValues
        if pValues { header += ["canary_student_p_values", "canary_control_p_values"] }
        var lines = [Report.csvLine(header)]
        for row in rows {
            var cells = [row.setting, row.defense, String(row.budget), String(row.seeds)]
            cells += settingColumnNames.map { row.settingValues?[$0] ?? "" }
            cells += parameterNames.map { row.parameters[$0] ?? "" }
            for m in metrics {
                let s = row.metrics[m]
                cells += [Report.csvNumber(s?.mean), Report.csvNumber(s?.std)]
            }
            if pValues {
                cells.append(row.canaryStudentPValues.map { Report.csvNumber($0) }.joined(separator: ";"))
                cells.append(row.canaryControlPValues.map { Report.csvNumber($0) }.joined(separator: ";"))
            }
            lines.append(Report.csvLine(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Quotes a CSV field when it holds a comma, quote, line break or edge
    /// space (quotes doubled), as RFC 4180 and pandas expect.
    public static func csvEscape(_ field: String) -> String {
        let special = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        let edgeSpace = field.first == " " || field.last == " "
        guard special || edgeSpace else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func csvLine(_ cells: [String]) -> String { cells.map(csvEscape).joined(separator: ",") }

    static func csvNumber(_ x: Double?) -> String {
        guard let x, !x.isNaN else { return "" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    /// A table cell's number without a spread: 3 significant digits; "n/a"
    /// for a missing (NaN) value.
    static func formatNumber(_ x: Double) -> String {
        if x.isNaN { return "n/a" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        // Counts and large values in full ("1234", not "1.23e+03").
        let s = abs(x) >= 1000 && abs(x) < 1e15 ? String(format: "%.0f", x) : String(format: "%.3g", x)
        return s == "-0" ? "0" : s
    }

    /// "mean ± std" rounded to what the spread supports: the std to one
    /// significant digit (two when it starts with 1), the mean to the same
    /// decimal place (`0.963 ± 0.008`); the mean alone (3 significant digits)
    /// when std is undefined; "—" when absent.
    static func formatSummary(_ s: MetricSummary?) -> String {
        guard let s else { return "—" }
        guard let (mean, std) = roundedParts(s) else { return formatNumber(s.mean) }
        return mean + " ± " + std
    }

    /// `formatSummary`, for tests outside the module.
    public static func formatSummaryForTesting(_ s: MetricSummary) -> String { formatSummary(s) }

    /// The rounded mean and std texts, or nil when the std is undefined.
    /// A spread far below the mean's own digits (MAD's L1 = 0.4999999739 ±
    /// 8e-10) is cut at 4 significant digits of the mean: `0.5000 ± 0.0000`.
    static func roundedParts(_ s: MetricSummary) -> (String, String)? {
        guard s.std.isFinite, s.mean.isFinite else { return nil }
        let meanExponent = s.mean == 0 ? 0 : Int(log10(abs(s.mean)).rounded(.down))
        let decimals = min(spreadDecimals(s.std), max(4, 3 - meanExponent))
        return (fixed(s.mean, decimals), fixed(s.std, decimals))
    }

    /// Decimal places of a std shown to 1 significant digit (2 when its
    /// leading digit is 1); a zero spread keeps 3 decimals.
    static func spreadDecimals(_ std: Double) -> Int {
        guard std > 0 else { return 3 }
        let exponent = Int(log10(std).rounded(.down))
        let leading = std / pow(10, Double(exponent))
        let digits = leading < 1.95 ? 2 : 1
        return min(max(0, digits - 1 - exponent), 12)
    }

    static func fixed(_ x: Double, _ decimals: Int) -> String {
        let t = String(format: "%.\(decimals)f", x)
        return Double(t) == 0 ? String(format: "%.\(decimals)f", 0.0) : t
    }

    private func markdownLine(_ cells: [String]) -> String {
        // A pipe would end the cell; a line break would end the row.
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
            .joined(separator: " | ") + " |"
    }

    /// One value column of the Markdown/HTML tables.
    struct TableColumn {
        var label: String
        var title: String
        var markdownCell: (ReportRow) -> String
        /// The cell as HTML: the mean, with "± std" on a second, smaller line.
        var htmlCell: (ReportRow) -> String
    }

    /// The metric columns, then median canary p-values when present.
    func tableColumns() -> [TableColumn] {
        var columns = metricKeys.map { key in
            TableColumn(label: ReportMetric.label(for: key),
                        title: ReportMetric.meaning(for: key),
                        markdownCell: { Report.formatCell(key, $0.metrics[key]) },
                        htmlCell: { Report.htmlCell(key, $0.metrics[key]) })
        }
        if hasCanaryPValues {
            let a = String(format: "%g", alpha)
            columns.append(TableColumn(label: "canary p, students (median; geo. mean)",
                                       title: "median and geometric mean of the canary p-values on stolen students, and their count (small = copied)",
                                       markdownCell: { Report.formatPSummary($0.canaryStudentPValues) },
                                       htmlCell: { xmlEscape(Report.formatPSummary($0.canaryStudentPValues)) }))
            columns.append(TableColumn(label: "students flagged at α = \(a) (95% CI)",
                                       title: "share of stolen-student tests with p ≤ α, with its Clopper–Pearson 95% interval (detection power)",
                                       markdownCell: { Report.formatShareFlagged($0.canaryStudentPValues, alpha: self.alpha) },
                                       htmlCell: { xmlEscape(Report.formatShareFlagged($0.canaryStudentPValues, alpha: self.alpha)) }))
            columns.append(TableColumn(label: "controls flagged at α = \(a) (95% CI)",
                                       title: "share of innocent-control tests with p ≤ α, with its Clopper–Pearson 95% interval (false positives)",
                                       markdownCell: { Report.formatShareFlagged($0.canaryControlPValues, alpha: self.alpha) },
                                       htmlCell: { xmlEscape(Report.formatShareFlagged($0.canaryControlPValues, alpha: self.alpha)) }))
        }
        return columns
    }

    /// A metric cell: the rounded summary; queries-to-flag with no alarm in
    /// any seed reads "not flagged".
    static func formatCell(_ key: String, _ s: MetricSummary?) -> String {
        if key == ReportMetric.detectorQueriesToFlag, let s, s.n == 0 || s.mean.isNaN { return "not flagged" }
        return formatSummary(s)
    }

    static func htmlCell(_ key: String, _ s: MetricSummary?) -> String {
        if key == ReportMetric.detectorQueriesToFlag, let s, s.n == 0 || s.mean.isNaN { return "not flagged" }
        return htmlSummary(s)
    }

    /// "mean" and a second line "± std" for HTML cells, rounded like `formatSummary`.
    static func htmlSummary(_ s: MetricSummary?) -> String {
        guard let s else { return "—" }
        guard let (mean, std) = roundedParts(s) else { return xmlEscape(formatNumber(s.mean)) }
        return xmlEscape(mean) + "<span class=\"sd\">± " + xmlEscape(std) + "</span>"
    }

    /// Median and geometric mean of the valid p-values and their count:
    /// "2e-05; 3e-06 (n=6)"; "—" when there are none.
    static func formatPSummary(_ ps: [Double]) -> String {
        let valid = ps.filter { $0 >= 0 && $0 <= 1 }.sorted()
        guard !valid.isEmpty else { return "—" }
        let mid = valid.count / 2
        let median = valid.count % 2 == 1 ? valid[mid] : 0.5 * (valid[mid - 1] + valid[mid])
        // log of 0 would sink the mean to 0: floor at the smallest double's scale.
        let logMean = valid.map { log10(max($0, 1e-300)) }.reduce(0, +) / Double(valid.count)
        return "\(formatP(median)); \(formatP(pow(10, logMean))) (n=\(valid.count))"
    }

    static func formatP(_ p: Double) -> String {
        p < 1e-300 ? "< 1e-300" : String(format: "%.2g", p)
    }

    /// "k/n = share [lo, hi]": tests with p ≤ α among the valid p-values, with
    /// the two-sided 95% Clopper–Pearson interval; "—" when there are none.
    static func formatShareFlagged(_ ps: [Double], alpha: Double) -> String {
        let valid = ps.filter { $0 >= 0 && $0 <= 1 }
        guard !valid.isEmpty else { return "—" }
        let k = valid.filter { $0 <= alpha }.count, n = valid.count
        let (lo, hi) = clopperPearson(successes: k, trials: n, confidence: 0.95)
        return "\(k)/\(n) = \(String(format: "%.2f", Double(k) / Double(n))) [\(String(format: "%.2f", lo)), \(String(format: "%.2f", hi))]"
    }

    /// Two-sided Clopper–Pearson interval for a binomial share (each tail 1 − confidence over 2).
    /// - Precondition: 0 ≤ successes ≤ trials, trials ≥ 1.
    public static func clopperPearson(successes k: Int, trials n: Int, confidence: Double) -> (Double, Double) {
        let side = 1 - (1 - confidence) / 2
        let hi = Binomial.upperConfidenceBound(successes: k, trials: n, confidence: side)
        let lo = k == 0 ? 0 : 1 - Binomial.upperConfidenceBound(successes: n - k, trials: n, confidence: side)
        return (lo, hi)
    }
}
