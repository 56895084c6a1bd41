import Foundation
import DistillCore
import DistillLab
import DistillReport

extension SweepCollection {
    /// Writes the sweep into a new SQLite file at `url` (replacing it atomically):
    ///
    /// - `runs`: one row per finished point: `name` (primary key), `setting`,
    ///   `label`, `point_index`, `seed`, `folder`, `dataset`, `defense`,
    ///   `budget`, one TEXT column per swept key (for train runs: per setting
    ///   that differs between them; dots as underscores, the
    ///   value as written, e.g. `defense_responses`; `swept_` in front when
    ///   the name is taken, e.g. `swept_defense` for a swept `defense`
    ///   section or `swept_seed` for an old sweep's `seed` axis), one REAL column per
    ///   metric (`RunMetrics`/`ReportMetric` keys; NULL where a run lacks it),
    ///   `seconds`, and the full `result_json` and `settings_json`;
    /// - `epochs`: one row per model per epoch from each run's metrics.jsonl:
    ///   `run` (→ runs.name), `model`, `epoch`, `train_loss`, `train_accuracy`,
    ///   `validation_loss`, `validation_accuracy`, `learning_rate`, `seconds`,
    ///   `examples_per_second`;
    /// - `settings`: the results table in long form: `setting` (the label),
    ///   `defense`, `budget`, `seeds`, `metric`, `mean`, `std`, `n`.
    public func writeSQLite(to url: URL) throws {
        let temp = AtomicFile.temporaryURL(beside: url)
        defer { unlink(temp.path) }
        do {
            let db = try SQLiteDatabase(path: temp.path)
            try db.execute("BEGIN")
            try writeRuns(db)
            try writeEpochs(db)
            try writeSettings(db)
            try db.execute("COMMIT")
        }
        do { try AtomicFile.install(temp, at: url, overwrite: true) } catch {
            throw SweepError("cannot write \(url.path): \(error)")
        }
    }

    /// Column name of a swept key: `defense.responses` → `defense_responses`.
    static func column(forKey key: String) -> String {
        key.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// The columns of `keys`, each `column(forKey:)` unless that name is in `taken` (or an
    /// earlier key's): then with `swept_` in front (and a number if needed), so a swept key
    /// never duplicates a fixed column ("duplicate column name: seed" stopped collect).
    static func columns(forKeys keys: [String], avoiding taken: [String]) -> [String] {
        var used = Set(taken.map { $0.lowercased() })  // SQLite column names ignore case
        return keys.map { key in
            var name = column(forKey: key)
            if used.contains(name.lowercased()) { name = "swept_" + name }
            let stem = name
            var n = 2
            while used.contains(name.lowercased()) { name = "\(stem)_\(n)"; n += 1 }
            used.insert(name.lowercased())
            return name
        }
    }

    func writeRuns(_ db: SQLiteDatabase) throws {
        let q = SQLiteDatabase.identifier
        let axisKeys = manifest.definition.axes.map(\.key)
        let perRun = runs.map { RunMetrics.values($0.result, settings: $0.point.settings) }
        let metricKeys = ReportMetric.ordered(perRun.flatMap { $0.map(\.key) })
        let fixed = ["name TEXT PRIMARY KEY", "setting TEXT NOT NULL", "label TEXT NOT NULL", "point_index INTEGER NOT NULL",
                     "seed INTEGER NOT NULL", "folder TEXT NOT NULL", "dataset TEXT", "defense TEXT", "budget INTEGER"]
        let fixedNames = fixed.map { String($0.prefix { $0 != " " }) }
        let trailing = ["seconds", "result_json", "settings_json"]
        let axisColumns = Self.columns(forKeys: axisKeys, avoiding: fixedNames + metricKeys + trailing)
        let columns = fixed + axisColumns.map { q($0) + " TEXT" } + metricKeys.map { q($0) + " REAL" }
            + ["seconds REAL", "result_json TEXT NOT NULL", "settings_json TEXT NOT NULL"]
        try db.execute("CREATE TABLE runs (\(columns.joined(separator: ", ")))")
        let names = fixedNames + axisColumns.map(q) + metricKeys.map(q) + trailing
        var rows: [[SQLValue]] = []
        for (run, metrics) in zip(runs, perRun) {
            let p = run.point
            var row: [SQLValue] = [.text(p.name), .text(p.setting), .text(Self.label(p)), .integer(Int64(p.index)),
                                   .integer(Int64(bitPattern: p.seed)), .text(run.folder), .text(run.result.dataset),
                                   .text(Self.family(p.settings.defense)), .integer(Int64(p.settings.attack.budget))]
            let assigned = Dictionary(p.assignments.map { a -> (String, String) in
                let eq = a.firstIndex(of: "=")!
                return (String(a[..<eq]), String(a[a.index(after: eq)...]))
            }, uniquingKeysWith: { $1 })
            row += axisKeys.map { assigned[$0].map(SQLValue.text) ?? .null }
            let byKey = Dictionary(metrics.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            row += metricKeys.map { byKey[$0].map(SQLValue.real) ?? .null }
            row += [.real(run.result.seconds),
                    .text(String(decoding: try JSONCoding.compact(run.result), as: UTF8.self)),
                    .text(String(decoding: try JSONCoding.compact(p.settings), as: UTF8.self))]
            rows.append(row)
        }
        try db.insert("INSERT INTO runs (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))", rows: rows)
    }

    func writeEpochs(_ db: SQLiteDatabase) throws {
        try db.execute("""
            CREATE TABLE epochs (run TEXT NOT NULL REFERENCES runs(name), model TEXT NOT NULL, epoch INTEGER NOT NULL,
              train_loss REAL, train_accuracy REAL, validation_loss REAL, validation_accuracy REAL,
              learning_rate REAL, seconds REAL, examples_per_second REAL);
            CREATE INDEX epochs_by_run ON epochs(run, model, epoch)
            """)
        let rows: [[SQLValue]] = runs.flatMap { run in
            run.epochs.map { line in
                let m = line.metrics
                return [.text(run.point.name), .text(line.model), .integer(Int64(m.epoch)), .real(m.trainLoss), .real(m.trainAccuracy),
                        m.validationLoss.map(SQLValue.real) ?? .null, m.validationAccuracy.map(SQLValue.real) ?? .null,
                        .real(m.learningRate), .real(m.seconds), .real(m.examplesPerSecond)]
            }
        }
        try db.insert("INSERT INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows: rows)
    }

    func writeSettings(_ db: SQLiteDatabase) throws {
        try db.execute("CREATE TABLE settings (setting TEXT NOT NULL, defense TEXT, budget INTEGER, seeds INTEGER, metric TEXT NOT NULL, mean REAL, std REAL, n INTEGER)")
        let rows: [[SQLValue]] = reportRows().flatMap { row in
            ReportMetric.ordered(row.metrics.keys).map { key in
                let s = row.metrics[key]!
                return [.text(row.setting), .text(row.defense), .integer(Int64(row.budget)), .integer(Int64(row.seeds)),
                        .text(key), .real(s.mean), .real(s.std), .integer(Int64(s.n))]
            }
        }
        try db.insert("INSERT INTO settings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows: rows)
    }
}
