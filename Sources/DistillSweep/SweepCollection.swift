import Foundation
import DistillLab

/// One finished run of a sweep folder.
public struct CollectedRun: Sendable, Equatable {
    public var point: SweepPoint
    /// The run's folder name (the point's name unless doubled).
    public var folder: String
    public var result: ExperimentResult
    /// metrics.jsonl, in order (empty if missing).
    public var epochs: [EpochLogLine]
}

/// A run folder whose results.json or settings.json cannot be read.
public struct DamagedRun: Sendable, Equatable {
    /// The folder's path.
    public var path: String
    /// Which file and what is wrong with it, e.g. "results.json is not valid JSON (truncated or damaged)".
    public var reason: String
}

/// The finished points of a sweep folder (any shard), checked against the
/// sweep's expected points (`DIR/sweep.json`): missing points (not finished,
/// or never run), doubled points (two folders holding the same settings and
/// seed) and finished folders that belong to no point.
public struct SweepCollection: Sendable {
    public var manifest: SweepManifest
    /// One run per finished point, in sweep order (the point's own folder when doubled).
    public var runs: [CollectedRun]
    public var missing: [String]
    /// Point name → every folder holding a finished run of it, when more than one.
    public var doubled: [String: [String]]
    /// Finished folders whose settings match no point.
    public var unexpected: [String]
    /// Folders with a results.json that cannot be read (truncated, not a run's JSON), skipped; each with its one-line reason.
    public var damaged: [DamagedRun] = []

    public var isComplete: Bool { missing.isEmpty && doubled.isEmpty }

    /// Reads `folder`: every sub-folder with results.json except `_…`
    /// (cache, locks) and `….incomplete-…` (interrupted attempts moved aside).
    /// A damaged folder is listed in `damaged` and skipped, so one bad point does not block the rest.
    /// - Throws: `SweepError` (not a sweep folder, or the folder cannot be listed).
    public static func read(_ folder: URL) throws -> SweepCollection {
        let manifest = try SweepManifest.read(from: folder)
        let fm = FileManager.default
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: folder.path).sorted() } catch {
            throw SweepError("cannot list the sweep folder \(folder.path): \(ExperimentError.reason(error))")
        }
        var damaged: [DamagedRun] = []
        var byPoint: [Int: [String]] = [:]
        var unexpected: [String] = []
        var results: [String: ExperimentResult] = [:]
        let indexByName = Dictionary(uniqueKeysWithValues: manifest.points.map { ($0.name, $0.index) })
        for entry in entries where !entry.hasPrefix("_") && !entry.hasPrefix(".") && !entry.contains(".incomplete-") {
            let run = folder.appendingPathComponent(entry)
            let resultsURL = run.appendingPathComponent(RunFiles.results)
            guard fm.fileExists(atPath: resultsURL.path) else { continue }
            guard let result = decode(ExperimentResult.self, RunFiles.results, in: run, damaged: &damaged),
                  let record = decode(RunRecord.self, RunFiles.settings, in: run, damaged: &damaged) else { continue }
            results[entry] = result
            // A point's own folder, or any folder holding exactly a point's settings (a copy, a renamed run).
            let match = indexByName[entry].flatMap { i in same(manifest.points[i].settings, record.settings) ? i : nil }
                ?? manifest.points.first { same($0.settings, record.settings) }?.index
            if let match { byPoint[match, default: []].append(entry) } else { unexpected.append(entry) }
        }
        var runs: [CollectedRun] = []
        var missing: [String] = []
        var doubled: [String: [String]] = [:]
        for point in manifest.points {
            guard let folders = byPoint[point.index] else { missing.append(point.name); continue }
            if folders.count > 1 { doubled[point.name] = folders }
            let chosen = folders.contains(point.name) ? point.name : folders[0]
            runs.append(CollectedRun(point: point, folder: chosen, result: results[chosen]!,
                                     epochs: readEpochs(folder.appendingPathComponent(chosen).appendingPathComponent(RunFiles.metrics))))
        }
        return SweepCollection(manifest: manifest, runs: runs, missing: missing, doubled: doubled, unexpected: unexpected, damaged: damaged)
    }

    /// `file` of the run folder `run` decoded, or nil with the reason appended to `damaged`.
    static func decode<T: Decodable>(_ type: T.Type, _ file: String, in run: URL, damaged: inout [DamagedRun]) -> T? {
        let url = run.appendingPathComponent(file)
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch {
            damaged.append(DamagedRun(path: run.path, reason: "\(file) " + SweepCollection.reason(error)))
            return nil
        }
    }

    /// What is wrong with a run's JSON file, as a short phrase (never a raw DecodingError).
    public static func reason(_ error: Error) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "" : " at `" + path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".") + "`"
        }
        switch error {
        case let DecodingError.dataCorrupted(c) where c.codingPath.isEmpty:
            return "is not valid JSON (truncated or damaged)"
        case let DecodingError.dataCorrupted(c):
            return "holds an invalid value\(at(c.codingPath))"
        case let DecodingError.keyNotFound(key, c):
            return "lacks `\(key.stringValue)`\(at(c.codingPath))"
        case let DecodingError.typeMismatch(_, c), let DecodingError.valueNotFound(_, c):
            return "holds a value of the wrong type\(at(c.codingPath))"
        default:
            return "cannot be read (\(ExperimentError.reason(error)))"
        }
    }

    /// Settings equal up to the BLAS thread count (which does not change what a point is).
    /// Equal up to the thread count, every component spec resolved (a folder written
    /// before specs were saved resolved still matches its point).
    static func same(_ a: ExperimentSettings, _ b: ExperimentSettings) -> Bool {
        var a = (try? a.resolved()) ?? a, b = (try? b.resolved()) ?? b
        a.threads = 1; b.threads = 1
        return a == b
    }

    static func readEpochs(_ url: URL) -> [EpochLogLine] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochLogLine.self, from: Data($0.utf8)) }
    }

    /// A one-paragraph account: finished, missing, doubled, unexpected.
    public var statusText: String {
        var lines = ["\(runs.count) of \(manifest.points.count) points finished"]
        if !missing.isEmpty { lines.append("missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        for (name, folders) in doubled.sorted(by: { $0.key < $1.key }) {
            lines.append("doubled: \(name) in " + folders.joined(separator: ", "))
        }
        if !unexpected.isEmpty { lines.append("folders matching no point (ignored): " + unexpected.joined(separator: ", ")) }
        for d in damaged { lines.append("damaged, skipped: \(d.path): \(d.reason); move the folder away (a point's folder: rerun the sweep to redo it)") }
        return lines.joined(separator: "\n")
    }
}
