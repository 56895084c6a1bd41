import Foundation

extension Report {

    /// The results table as GitHub-flavoured Markdown: one row per setting,
    /// "mean ± std" cells (the mean alone when std is undefined, "—" when the
    /// row lacks the metric), then the median canary p-value on students and on
    /// controls when any row has them. Ends with a newline.
    ///
    /// - Complexity: O(rows × columns).
    public func markdownTable() -> String {
        guard !rows.isEmpty else { return "_No results: this report has no rows._\n" }
        let columns = tableColumns()
        var header = ["setting", "defense", "budget", "seeds"]
        var align = [":--", ":--", "--:", "--:"]
        for c in columns { header.append(c.label); align.append("--:") }
        var lines = [markdownLine(header), "| " + align.joined(separator: " | ") + " |"]
        for row in rows {
            var cells = [row.setting, row.defense, String(row.budget), String(row.seeds)]
            for c in columns { cells.append(c.markdownCell(row)) }
            lines.append(markdownLine(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The results table as CSV (RFC 4180 quoting, "\n" line ends): setting,
    /// defense, budget, seeds, one `param_<name>` column per parameter name,
    /// then `<metric>_mean` and `<metric>_std` per metric and the canary
    /// p-value lists (";"-separated). Numbers use Swift's shortest round-trip
    /// form; missing and NaN values are empty cells, which pandas reads as NaN.
    ///
    /// - Complexity: O(rows × columns).
    public func csvTable() -> String {
        let parameterNames = Set(rows.flatMap { $0.parameters.keys }).sorted()
        let metrics = metricKeys
        var header = ["setting", "defense", "budget", "seeds"]
        header += parameterNames.map { "param_" + $0 }
        for m in metrics { header += [m + "_mean", m + "_std"] }
        let pValues = hasCanaryPValues
        if pValues { header += ["canary_student_p_values", "canary_control_p_values"] }
        var lines = [Report.csvLine(header)]
        for row in rows {
            var cells = [row.setting, row.defense, String(row.budget), String(row.seeds)]
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

    /// A table cell's number: 4 significant digits.
    static func formatNumber(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        let s = String(format: "%.4g", x)
        return s == "-0" ? "0" : s
    }

    /// "mean ± std", the mean alone when std is undefined, "—" when absent.
    static func formatSummary(_ s: MetricSummary?) -> String {
        guard let s else { return "—" }
        guard s.std.isFinite else { return formatNumber(s.mean) }
        return formatNumber(s.mean) + " ± " + formatNumber(s.std)
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
                        title: ReportMetric.wellKnown.first { $0.key == key }?.meaning ?? key,
                        markdownCell: { Report.formatSummary($0.metrics[key]) },
                        htmlCell: { Report.htmlSummary($0.metrics[key]) })
        }
        if hasCanaryPValues {
            columns.append(TableColumn(label: "canary p (students)", title: "median canary p-value on suspect students",
                                       markdownCell: { Report.formatMedianP($0.canaryStudentPValues) },
                                       htmlCell: { Report.htmlMedianP($0.canaryStudentPValues) }))
            columns.append(TableColumn(label: "canary p (controls)", title: "median canary p-value on innocent controls",
                                       markdownCell: { Report.formatMedianP($0.canaryControlPValues) },
                                       htmlCell: { Report.htmlMedianP($0.canaryControlPValues) }))
        }
        return columns
    }

    /// "mean" and a second line "± std" for HTML cells.
    static func htmlSummary(_ s: MetricSummary?) -> String {
        guard let s else { return "—" }
        guard s.std.isFinite else { return xmlEscape(formatNumber(s.mean)) }
        return xmlEscape(formatNumber(s.mean)) + "<span class=\"sd\">± " + xmlEscape(formatNumber(s.std)) + "</span>"
    }

    /// The median p-value, with "n = count" on a second, smaller line.
    static func htmlMedianP(_ ps: [Double]) -> String {
        let text = formatMedianP(ps)
        guard let split = text.range(of: " (n=") else { return xmlEscape(text) }
        return xmlEscape(String(text[..<split.lowerBound])) + "<span class=\"sd\">n = " + xmlEscape(String(text[split.upperBound...].dropLast())) + "</span>"
    }

    /// Median of the valid p-values (3 significant digits) and their count.
    static func formatMedianP(_ ps: [Double]) -> String {
        let valid = ps.filter { !$0.isNaN }.sorted()
        guard !valid.isEmpty else { return "—" }
        let mid = valid.count / 2
        let median = valid.count % 2 == 1 ? valid[mid] : 0.5 * (valid[mid - 1] + valid[mid])
        return String(format: "%.3g", median) + " (n=\(valid.count))"
    }
}
