import Foundation

/// One defense setting of a sweep, summarised over its seeds.
public struct ReportRow: Codable, Sendable, Equatable {
    /// The setting's label, e.g. "rounding:decimals=2" (unique within a report).
    public var setting: String
    /// The defense family, e.g. "rounding"; "none" for the undefended oracle.
    /// Rows of one family share a colour in the plots.
    public var defense: String
    /// The defense's parameters as given, e.g. ["decimals": "2"].
    public var parameters: [String: String]
    /// The attacker's query budget.
    public var budget: Int
    /// Seeds the summaries are over.
    public var seeds: Int
    /// Metric summaries keyed by name; see `ReportMetric` for well-known keys.
    public var metrics: [String: MetricSummary]
    /// Canary p-values on suspect students, one per (seed, student).
    public var canaryStudentPValues: [Double]
    /// Canary p-values on innocent control models.
    public var canaryControlPValues: [Double]
    /// The row's value of each of the report's `settingColumns` (e.g. ["defense": "label-only"]); nil = none.
    public var settingValues: [String: String]?

    public init(setting: String, defense: String, parameters: [String: String] = [:], budget: Int, seeds: Int,
                metrics: [String: MetricSummary] = [:], canaryStudentPValues: [Double] = [],
                canaryControlPValues: [Double] = [], settingValues: [String: String]? = nil) {
        self.setting = setting; self.defense = defense; self.parameters = parameters
        self.budget = budget; self.seeds = seeds; self.metrics = metrics
        self.canaryStudentPValues = canaryStudentPValues; self.canaryControlPValues = canaryControlPValues
        self.settingValues = settingValues
    }

    /// The summary of `metric`, if this row has it.
    public subscript(metric key: String) -> MetricSummary? { metrics[key] }
}

/// A sweep's results: the rows plus what is needed to reproduce them.
public struct Report: Codable, Sendable, Equatable {
    public var title: String
    public var rows: [ReportRow]
    /// Significance level of the canary tests (the α line of the canary plot).
    public var alpha: Double
    /// When the report was generated, ISO 8601 (kept as given so output is reproducible).
    public var generatedAt: String
    /// How to reproduce it: e.g. "commit", "command".
    public var provenance: [String: String]
    /// The plots to draw, in order; nil = chosen from the data (`chosenPlots`).
    public var plots: [ReportPlot]?
    /// Notes for the reader (e.g. how the baseline was attacked), shown in the HTML notes.
    public var notes: [String]?
    /// The settings that differ between the rows (a sweep's axes, the differing
    /// settings of train runs), one table column each after "seeds", e.g.
    /// ["defense"]; values in each row's `settingValues`. nil = none.
    public var settingColumns: [String]?
    /// Per-epoch training curves of the teacher and students, one seed per
    /// setting (the training-curves plot); nil = none recorded.
    public var curves: [TrainingCurve]?

    public init(title: String, rows: [ReportRow], alpha: Double = 0.05, generatedAt: String,
                provenance: [String: String] = [:], plots: [ReportPlot]? = nil, notes: [String]? = nil,
                settingColumns: [String]? = nil, curves: [TrainingCurve]? = nil) {
        self.title = title; self.rows = rows; self.alpha = alpha
        self.generatedAt = generatedAt; self.provenance = provenance
        self.plots = plots; self.notes = notes; self.settingColumns = settingColumns
        self.curves = curves
    }

    /// The setting columns' names, `[]` without any.
    var settingColumnNames: [String] { settingColumns ?? [] }

    /// A row's value of the setting column `name` ("—" when it has none).
    static func settingValue(_ row: ReportRow, _ name: String) -> String { row.settingValues?[name] ?? "—" }

    /// The metric keys present in any row, in table order (`ReportMetric.ordered`).
    public var metricKeys: [String] { ReportMetric.ordered(rows.flatMap { $0.metrics.keys }) }

    /// Whether any row has canary p-values.
    var hasCanaryPValues: Bool {
        rows.contains { !$0.canaryStudentPValues.isEmpty || !$0.canaryControlPValues.isEmpty }
    }

    /// Pretty, key-sorted JSON; NaN and ±∞ are written as "nan", "inf", "-inf".
    public func encodeJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Reads JSON written by `encodeJSON()` (or any JSON of this shape).
    public static func decodeJSON(_ data: Data) throws -> Report {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(Report.self, from: data)
    }
}
