import Foundation
import DistillCore

/// A run's output folder. Created fresh, never reused: results are never
/// overwritten. Files are written whole (temp file + rename) so an interrupted
/// run never leaves a file that looks finished.
public struct RunDirectory {
    public let url: URL
    /// How `config.yaml` is written: the experiment-file YAML when DistillConfig
    /// made the folder, else the settings as JSON (which YAML also reads).
    public var renderSettings: (ExperimentSettings) -> String = RunFiles.jsonDocument

    /// Creates `root/name`, or `root/name-2`, `-3`, … if taken.
    /// - Throws: if the root cannot be created.
    public static func create(under root: URL, name: String,
                              renderSettings: @escaping (ExperimentSettings) -> String = RunFiles.jsonDocument) throws -> RunDirectory {
        try checkName(name)
        try createFolder(root)
        for attempt in 1...10_000 {
            let candidate = root.appendingPathComponent(attempt == 1 ? name : "\(name)-\(attempt)")
            // mkdir fails if the folder exists, so two concurrent runs never share one.
            if mkdir(candidate.path, 0o755) == 0 { return RunDirectory(url: candidate, renderSettings: renderSettings) }
            if errno != EEXIST { throw ExperimentError.invalid("cannot create run folder \(candidate.path): \(String(cString: strerror(errno))); choose a writable --output") }
        }
        throw ExperimentError.outputExists(root.appendingPathComponent(name).path)
    }

    /// Refuses a run name that would leave its output folder (`..`, `/`) or is not a plain file name.
    /// - Throws: `ExperimentError.invalid` naming the run name and the rule.
    public static func checkName(_ name: String) throws {
        let shown = ExperimentError.quote(name)
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0"),
              name.utf8.count <= 200 else {
            throw ExperimentError.invalid("run name \(shown) must be a plain folder name inside --output (no '/', not '.' or '..', at most 200 bytes); run names stay inside their output folder")
        }
    }

    /// Creates `root` and its parents; a file in the way gets one clear error.
    public static func createFolder(_ root: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        // Find the part of the path that exists and is not a folder.
        var probe = root
        while probe.path != "/" {
            if fm.fileExists(atPath: probe.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue {
                    throw ExperimentError.invalid("cannot create the output folder \(root.path): \(probe.path) is a file, not a folder; choose another --output")
                }
                break
            }
            probe = probe.deletingLastPathComponent()
        }
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError.invalid("cannot create the output folder \(root.path): \(ExperimentError.reason(error)); choose a writable --output")
        }
    }

    /// Uses an existing, empty folder (or creates it). Refuses a non-empty one.
    public static func exact(_ url: URL,
                             renderSettings: @escaping (ExperimentSettings) -> String = RunFiles.jsonDocument) throws -> RunDirectory {
        let fm = FileManager.default
        if fm.fileExists(atPath: url.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            guard contents.isEmpty else { throw ExperimentError.outputExists(url.path) }
        } else {
            try createFolder(url)
        }
        return RunDirectory(url: url, renderSettings: renderSettings)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `data` to `name` atomically; refuses to replace an existing file.
    public func write(_ data: Data, to name: String) throws {
        do {
            try AtomicFile.write(data, to: file(name), overwrite: false)
        } catch AtomicFile.Failure.exists(let path) {
            throw ExperimentError.outputExists(path)
        }
    }

    /// Pretty, key-sorted JSON of `value`, written atomically.
    public func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        try write(JSONCoding.pretty(value), to: name)
    }

    /// Replaces a file this run wrote earlier (settings.json completed at the end), atomically.
    /// - Precondition: the run itself wrote `name`; results of other runs are never replaced.
    func replaceJSON<T: Encodable>(_ value: T, at name: String) throws {
        try AtomicFile.write(JSONCoding.pretty(value), to: file(name), overwrite: true)
    }
}

/// Appends JSON lines to a file (per-epoch metrics as they happen).
public final class JSONLinesWriter {
    let handle: FileHandle
    public init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExperimentError.invalid("cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
    }
    deinit { try? handle.close() }

    public func append<T: Encodable>(_ value: T) throws {
        var line = try JSONCoding.compact(value)
        line.append(0x0A)
        try handle.write(contentsOf: line)
    }
}

public enum JSONCoding {
    public static func pretty<T: Encodable>(_ v: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(v)
    }
    public static func compact<T: Encodable>(_ v: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(v)
    }
}

/// The files of a run directory, named in one place.
public enum RunFiles {
    /// The resolved settings and the environment (`RunRecord`).
    public static let settings = "settings.json"
    /// The resolved settings as an experiment file: `distill-lab train --config` reruns it.
    public static let config = "config.yaml"
    /// One JSON line per epoch of every model.
    public static let metrics = "metrics.jsonl"
    /// The per-feature normalisation fitted on the teacher's training split (`NormalizationRecord`),
    /// only when `data.normalize` is not `none`.
    public static let normalization = "normalization.json"
    /// The `ExperimentResult`; written last, so its presence means the run finished.
    public static let results = "results.json"
    /// Why a sweep point failed, one line; kept beside the partial logs (absent for a finished run).
    public static let error = "error.txt"
    /// The keyed canary's log (the owner's evidence for `distill-lab verify`).
    public static let canaryLog = "canary-log.json"
    /// One canary's evidence: its index in the pipeline and its name, so two canaries never collide.
    public static func canaryEvidence(index: Int, name: String) -> String { "canary-\(index)-\(name).json" }
    /// A model's checkpoint by role.
    public static func model(_ role: ModelRole) -> String { role.rawValue + ".safetensors" }

    /// The settings as pretty JSON with a header: valid YAML, rerunnable with `--config`.
    public static func jsonDocument(_ settings: ExperimentSettings) -> String {
        let body = (try? JSONCoding.pretty(settings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "# distill-lab experiment settings, fully resolved (JSON is YAML too).\n# Rerun: distill-lab train --config config.yaml\n" + body + "\n"
    }
}

/// The models a run trains, by role (also their checkpoint names).
public enum ModelRole: String, Codable, Sendable, CaseIterable {
    case teacher
    case studentSoft = "student-soft", studentLabel = "student-label", studentReference = "student-reference"
    case baselineSoft = "baseline-soft", baselineLabel = "baseline-label", baselineReference = "baseline-reference"

    /// The student objectives of one attack.
    public enum Objective: String, CaseIterable, Sendable { case soft, label, reference }

    /// The student of `objective` against the defended oracle, or its undefended baseline.
    public static func student(_ objective: Objective, baseline: Bool) -> ModelRole {
        switch (objective, baseline) {
        case (.soft, false): return .studentSoft
        case (.label, false): return .studentLabel
        case (.reference, false): return .studentReference
        case (.soft, true): return .baselineSoft
        case (.label, true): return .baselineLabel
        case (.reference, true): return .baselineReference
        }
    }

    /// The objective of a student or baseline role (nil for the teacher).
    public var objective: Objective? {
        switch self {
        case .teacher: return nil
        case .studentSoft, .baselineSoft: return .soft
        case .studentLabel, .baselineLabel: return .label
        case .studentReference, .baselineReference: return .reference
        }
    }

    public var isBaseline: Bool { [.baselineSoft, .baselineLabel, .baselineReference].contains(self) }
}
