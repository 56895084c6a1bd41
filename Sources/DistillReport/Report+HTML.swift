import Foundation

extension Report {

    /// The report as one self-contained HTML page: inline CSS and inline SVG,
    /// no scripts, no external resources (a Content-Security-Policy of
    /// `default-src 'none'` makes the browser refuse any that slip in). It holds
    /// the provenance, the results table, the plots the data call for
    /// (`chosenPlots`; `ReportPlot` ids), each with a caption on how to read
    /// it, notes on skipped or clamped data, and the report's JSON for re-use.
    ///
    /// - Complexity: O(rows × metrics + p) for p canary p-values.
    public func html() -> String {
        var notes: [String] = []
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="distill-lab report">
        <title>\(xmlEscape(title))</title>
        <style>\(Report.stylesheet)</style>
        </head>
        <body>
        <header>
        <h1>\(xmlEscape(title))</h1>
        \(provenanceHTML())
        </header>

        """
        h += "<section id=\"results\">\n<h2>Results</h2>\n"
        if rows.isEmpty {
            h += "<p class=\"empty\" id=\"no-rows\">No results: this report has no rows (no sweep settings were found), so it draws no plots.</p>\n"
        } else {
            h += tableHTML()
        }
        h += "</section>\n"
        for plot in chosenPlots {
            let heading = plot.heading
            let rendered = render(plot, standalone: false)
            notes += rendered.notes
            h += "<section class=\"figure\" id=\"section-\(plot.rawValue)\">\n<h2>\(xmlEscape(heading))</h2>\n<figure>\n"
            h += rendered.svg
            h += "\n<figcaption>\(xmlEscape(rendered.caption))</figcaption>\n</figure>\n</section>\n"
        }
        h += "<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n"
        h += "<li>Values are mean ± sample standard deviation over seeds; a single seed shows the mean alone and no error bar.</li>\n"
        for note in self.notes ?? [] { h += "<li class=\"study-note\">\(xmlEscape(note))</li>\n" }
        for note in notes { h += "<li class=\"data-note\">\(xmlEscape(note))</li>\n" }
        h += "</ul>\n</section>\n"
        // The data itself, inert (a JSON block is never executed), so figures can be redrawn elsewhere.
        if let json = try? encodeJSON() {
            // JSON's \u escapes keep markup characters from ever reading as tags.
            let text = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
                .replacingOccurrences(of: ">", with: "\\u003e").replacingOccurrences(of: "&", with: "\\u0026")
            h += "<script type=\"application/json\" id=\"report-data\">\n\(text)\n</script>\n"
        }
        h += "</body>\n</html>\n"
        return h
    }

    private func provenanceHTML() -> String {
        var items = [("generated", generatedAt), ("α (canary tests)", String(format: "%g", alpha)),
                     ("settings", String(rows.count))]
        items += provenance.keys.sorted().map { ($0, provenance[$0]!) }
        return "<dl class=\"provenance\">" + items.map { "<dt>\(xmlEscape($0.0))</dt><dd><code>\(xmlEscape($0.1))</code></dd>" }.joined() + "</dl>"
    }

    private func tableHTML() -> String {
        let columns = tableColumns()
        // The badge points at a plot: none without a trade-off plot (a budget or detection study).
        let plots = chosenPlots
        let front = plots.contains(.tradeoff) || plots.contains(.attackerTradeoff) ? tradeoffFront() : []
        let frontTitle = plots.contains(.attackerTradeoff) ? "on its attacker's soft-student Pareto front" : "on the soft-student Pareto front"
        var t = "<div class=\"table-wrap\"><table id=\"results-table\">\n<thead><tr><th>setting</th><th>defense family</th><th class=\"num\">query budget</th><th class=\"num\">seeds</th>"
        for name in settingColumnNames { t += "<th>\(xmlEscape(name))</th>" }
        for c in columns { t += "<th class=\"num\" title=\"\(xmlEscape(c.title))\">\(xmlEscape(c.label))</th>" }
        t += "</tr></thead>\n<tbody>\n"
        for (i, row) in rows.enumerated() {
            let onFront = front.contains(i)
            t += "<tr class=\"result-row\(onFront ? " pareto" : "")\" data-setting=\"\(xmlEscape(row.setting))\">"
            // Break long settings between parameters, not inside them.
            let breakable = xmlEscape(row.setting).replacingOccurrences(of: ":", with: ":<wbr>").replacingOccurrences(of: ",", with: ",<wbr>")
            t += "<td>\(breakable)\(onFront ? " <span class=\"badge\" title=\"\(frontTitle)\">Pareto</span>" : "")</td>"
            t += "<td>\(xmlEscape(row.defense))</td><td class=\"num\">\(row.budget)</td><td class=\"num\">\(row.seeds)</td>"
            for name in settingColumnNames { t += "<td>\(xmlEscape(Report.settingValue(row, name)))</td>" }
            for c in columns { t += "<td class=\"num\">\(c.htmlCell(row))</td>" }
            t += "</tr>\n"
        }
        t += "</tbody>\n</table></div>\n"
        t += "<dl class=\"definitions\" id=\"definitions\">" + columns.map { "<dt>\(xmlEscape($0.label))</dt><dd>\(xmlEscape($0.title))</dd>" }.joined() + "</dl>\n"
        return t
    }

    static let stylesheet = """
    body{font-family:"DejaVu Sans","Liberation Sans",Helvetica,Arial,sans-serif;color:#222;max-width:1400px;margin:24px auto;padding:0 16px;line-height:1.4}
    h1{font-size:1.6em;margin:0 0 8px}h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
    dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em;margin:0}
    dl.provenance dt{color:#666}dl.provenance dd{margin:0}
    .table-wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.8em}
    th,td{padding:4px 6px;border-bottom:1px solid #e5e5e5;text-align:left;white-space:nowrap;vertical-align:top}
    th{white-space:normal;min-width:3.5em;vertical-align:bottom}.sd{display:block;font-size:.85em;color:#777}
    td:first-child,th:first-child{white-space:normal;min-width:8em;max-width:15em;position:sticky;left:0;background:#fff;z-index:1}th:first-child{background:#f5f5f5;z-index:2}
    dl.definitions{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.85em;color:#444}dl.definitions dt{font-weight:bold}dl.definitions dd{margin:0}
    th{background:#f5f5f5;position:sticky;top:0}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    tr.pareto td:first-child{font-weight:bold}.badge{font-size:.75em;background:#222;color:#fff;border-radius:3px;padding:0 4px;font-weight:normal}
    figure{margin:0}svg.plot{max-width:100%;height:auto;display:block}figcaption{font-size:.9em;color:#444;max-width:780px;margin-top:4px}
    .empty{padding:12px;background:#fff6e5;border:1px solid #f0c36d}.legend-note{font-size:.8em;color:#555}
    """
}
