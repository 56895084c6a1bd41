import Foundation
import DistillReport

extension SweepCollection {
    /// Writes the collected results into the sweep folder, replacing earlier
    /// collections (each file atomically): `results.csv`, `results.md`,
    /// `results.json` (the `Report`, which `distill-lab report` renders) and
    /// `results.sqlite` (see `writeSQLite`).
    /// - Returns: the files written.
    @discardableResult
    public func writeResults(into folder: URL, report: Report) throws -> [URL] {
        let files: [(String, ReportFormat)] = [("results.csv", .csv), ("results.md", .markdown), ("results.json", .json)]
        var written: [URL] = []
        for (name, format) in files {
            let url = folder.appendingPathComponent(name)
            try report.write(format, to: url, overwrite: true)
            written.append(url)
        }
        let database = folder.appendingPathComponent("results.sqlite")
        try writeSQLite(to: database)
        return written + [database]
    }
}
