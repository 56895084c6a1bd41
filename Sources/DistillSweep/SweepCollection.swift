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
///
/// A folder of plain `distill-lab train` runs (no sweep.json), or one run
/// folder, is collected the same way against an implicit sweep derived from
/// the runs themselves (`SweepManifest.implicit`): one point per distinct
/// settings, the settings that differ between the runs as its axes.
public struct SweepCollection: Sendable {
    /// What the collected folder is.
    public enum Kind: String, Sendable, Equatable {
        /// A sweep folder (`DIR/sweep.json`).
        case sweep
        /// A folder of `distill-lab train` run folders (`train --output DIR --run-name …`).
        case runs
        /// One run folder (`DIR/results.json`, `DIR/settings.json`), collected alone.
        case run
    }

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
    public var kind: Kind = .sweep
    /// Run folders without results.json (still running, interrupted or failed), skipped: their paths.
    /// Listed for train-run folders only (a sweep reports them as missing points).
    public var unfinished: [String] = []
    /// The folder collected (for `.run`, the run folder itself).
    public var folder: URL? = nil

    public var isComplete: Bool { missing.isEmpty && doubled.isEmpty }

    /// Where `collect` writes results.csv, .md, .json and .sqlite: the folder
    /// itself, but `RUN/collection` for a single run folder (whose own
    /// results.json must never be replaced).
    public var resultsFolder: URL? {
        kind == .run ? folder?.appendingPathComponent("collection") : folder
    }

    /// Reads `folder`: every sub-folder with results.json except `_…`
    /// (cache, locks) and `….incomplete-…` (interrupted attempts moved aside).
    /// A damaged folder is listed in `damaged` and skipped, so one bad point does not block the rest.
    /// Without `folder/sweep.json`: `folder` as one run folder if it holds
    /// settings.json, else as a folder of train runs.
    /// - Throws: `SweepError` (neither a sweep folder nor run folders, or the folder cannot be listed).
    public static func read(_ folder: URL) throws -> SweepCollection {
        let folder = folder.standardizedFileURL  // `.` and `x/` name their folder
        let fm = FileManager.default
        let given: SweepManifest?
        let kind: Kind
        let parent: URL
        var entries: [String]
        if fm.fileExists(atPath: folder.appendingPathComponent(SweepManifest.fileName).path) {
            given = try SweepManifest.read(from: folder)
            kind = .sweep
        } else if isRunFolder(folder) {
            given = nil
            kind = .run
        } else {
            given = nil
            kind = .runs
        }
        if kind == .run {
            parent = folder.deletingLastPathComponent()
            entries = [folder.lastPathComponent]
        } else {
            parent = folder
            do { entries = try fm.contentsOfDirectory(atPath: folder.path).sorted() } catch {
                if given == nil { throw notCollectable(folder) }
                throw SweepError("cannot list the sweep folder \(folder.path): \(ExperimentError.reason(error))")
            }
            entries = entries.filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") && !$0.contains(".incomplete-") }
        }
        var damaged: [DamagedRun] = []
        var unfinished: [String] = []
        var finished: [(entry: String, result: ExperimentResult, record: RunRecord)] = []
        for entry in entries {
            let run = parent.appendingPathComponent(entry)
            guard fm.fileExists(atPath: run.appendingPathComponent(RunFiles.results).path) else {
                if kind != .sweep && isStartedRun(run) { unfinished.append(run.path) }
                continue
            }
            guard let result = decode(ExperimentResult.self, RunFiles.results, in: run, damaged: &damaged),
                  let record = decode(RunRecord.self, RunFiles.settings, in: run, damaged: &damaged) else { continue }
            finished.append((entry, result, record))
        }
        guard let manifest = given ?? implicitManifest(folder, kind: kind, finished: finished,
                                                          started: !damaged.isEmpty || !unfinished.isEmpty) else {
            throw notCollectable(folder)
        }
        var byPoint: [Int: [String]] = [:]
        var unexpected: [String] = []
        var results: [String: ExperimentResult] = [:]
        let indexByName = Dictionary(uniqueKeysWithValues: manifest.points.map { ($0.name, $0.index) })
        for (entry, result, record) in finished {
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
                                     epochs: readEpochs(parent.appendingPathComponent(chosen).appendingPathComponent(RunFiles.metrics))))
        }
        return SweepCollection(manifest: manifest, runs: runs, missing: missing, doubled: doubled, unexpected: unexpected,
                               damaged: damaged, kind: kind, unfinished: unfinished, folder: folder)
    }

    /// The error for a folder that is neither a sweep folder nor run folders.
    static func notCollectable(_ folder: URL) -> SweepError {
        // A results.json of its own without settings.json (a stray copy, another tool's file) is not a run.
        let stray = FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunFiles.results).path)
            ? "its results.json has no settings.json beside it, so it is no run folder, and " : ""
        return SweepError("\(folder.appendingPathComponent(SweepManifest.fileName).path) is missing: \(folder.path) is not a sweep folder, "
                          + "nor a run folder or a folder of run folders (\(stray)none of its sub-folders holds settings.json or results.json); "
                          + "run `distill-lab sweep FILE --output \(folder.path)` or `distill-lab train --output \(folder.path)` first")
    }

    /// A run folder: it holds the run's settings.json (written first by every run). Not results.json
    /// alone: `collect` writes one (the table) into a folder of runs.
    static func isRunFolder(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(RunFiles.settings).path)
    }

    /// A run that started (settings.json, config.yaml or metrics.jsonl written) but has no results.json.
    static func isStartedRun(_ url: URL) -> Bool {
        let fm = FileManager.default
        return [RunFiles.settings, RunFiles.config, RunFiles.metrics].contains { fm.fileExists(atPath: url.appendingPathComponent($0).path) }
    }

    /// The implicit sweep of train runs, or nil when `folder` holds no run at all (finished, unfinished or damaged).
    static func implicitManifest(_ folder: URL, kind: Kind, finished: [(entry: String, result: ExperimentResult, record: RunRecord)],
                                 started: Bool) -> SweepManifest? {
        guard !finished.isEmpty || started || kind == .run else { return nil }
        return SweepManifest.implicit(name: folder.lastPathComponent, runs: finished.map { ($0.entry, $0.record.settings) })
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

    /// A one-paragraph account: finished, missing, doubled, unexpected, unfinished, damaged.
    public var statusText: String {
        var lines: [String]
        if kind == .sweep {
            lines = ["\(runs.count) of \(manifest.points.count) points finished"]
        } else {
            let settings = Set(runs.map(\.point.setting)).count
            let differing = manifest.definition.axes.map(\.key)
            lines = ["\(runs.count) finished run(s) in \(settings) setting(s)"
                     + (differing.isEmpty ? "" : "; settings that differ: " + differing.joined(separator: ", "))]
        }
        if !missing.isEmpty { lines.append("missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        for (name, folders) in doubled.sorted(by: { $0.key < $1.key }) {
            lines.append(kind == .sweep ? "doubled: \(name) in " + folders.joined(separator: ", ")
                         : "doubled: " + folders.joined(separator: ", ") + " hold the same settings and seed; collected \(runs.first { $0.point.name == name }?.folder ?? name) only")
        }
        if !unexpected.isEmpty { lines.append("folders matching no point (ignored): " + unexpected.joined(separator: ", ")) }
        for path in unfinished { lines.append("unfinished, skipped: \(path): no results.json (the run is still going, was interrupted or failed)") }
        let advice = kind == .sweep ? "move the folder away (a point's folder: rerun the sweep to redo it)" : "move the folder away or rerun it"
        for d in damaged { lines.append("damaged, skipped: \(d.path): \(d.reason); \(advice)") }
        return lines.joined(separator: "\n")
    }
}
