import Crypto
import DistillCore
import DistillText
import Foundation

/// Version of the code that trains the text teacher; part of the cache key, so changing the training
/// loop, the data layout or the model's numerics (bump it then) never reuses a stale teacher.
public enum TextTeacherCodeVersion {
    public static let current = "text-teacher-2"
}

/// Where a teacher came from.
public enum TextTeacherSource: Codable, Equatable, Sendable {
    /// Loaded from a valid cache entry.
    case cached
    /// Trained (no entry, or caching off).
    case trained
    /// A cache entry existed but was corrupt: reported, removed, and the teacher retrained.
    case retrainedCorrupt(String)
}

/// A trained teacher's record, saved beside its weights as `entry.json`.
public struct TextTeacherRecord: Codable, Equatable, Sendable {
    public var key: String
    public var codeVersion: String
    public var blasThreads: Int
    public var settings: TextTeacherSettings
    public var training: TextTrainingReport
    /// SHA-256 (hex) of `model.safetensors`: a mismatch marks the entry corrupt.
    public var modelSHA256: String
    /// Not stored: how this call obtained the teacher.
    public var source: TextTeacherSource = .trained

    enum CodingKeys: String, CodingKey { case key, codeVersion, blasThreads, settings, training, modelSHA256 }
}

/// Trained text teachers, one folder per key under a cache directory:
/// `<cache>/text-teacher-<key>/model.safetensors` (GPT-2 names, config in the metadata) and
/// `entry.json` (the ``TextTeacherRecord``: resolved settings, training report, the weights' SHA-256).
///
/// The key is the SHA-256 of the resolved settings, the code version and the BLAS thread count (the
/// float summation order): same key, same weights. Both files are written atomically, the record last,
/// so a folder without a record is an interrupted write (retrained); a record whose weights do not
/// load, do not hash to the recorded SHA-256 or whose settings differ is corrupt: reported through
/// `notice`, removed and retrained, never used.
public enum TextTeacherCache {
    struct Identity: Codable {
        var codeVersion: String
        var blasThreads: Int
        var settings: TextTeacherSettings
    }

    /// The cache key of `settings` at `threads` BLAS threads (hex SHA-256).
    public static func key(for settings: TextTeacherSettings, threads: Int = BLAS.threads) -> String {
        var s = settings
        s.optimizer.totalSteps = s.steps  // resolved
        // Test examples grade the teacher, they do not train it: grading more or fewer reuses it
        // (fixed at 200, the value every key was computed with before, so older keys stay valid).
        s.suites = s.suites.map { var x = $0; x.testExamples = 200; return x }
        let data = (try? sortedJSON(Identity(codeVersion: TextTeacherCodeVersion.current, blasThreads: threads, settings: s))) ?? Data()
        return sha256(data)
    }

    /// The entry folder of `key` under `cacheDirectory`.
    public static func entryURL(key: String, cacheDirectory: URL) -> URL {
        cacheDirectory.appendingPathComponent("text-teacher-" + key, isDirectory: true)
    }

    /// The teacher for `settings`: loaded from `cacheDirectory` when a valid entry exists, otherwise
    /// trained and stored (nil `cacheDirectory`: always trained, nothing written).
    /// - Parameters:
    ///   - progress: each training step's progress (only when training).
    ///   - notice: one line for a corrupt entry that is being retrained.
    ///   - checkpoint: called every `every` training steps (only when training).
    /// - Throws: ``TextLabError`` for bad settings or divergence; file-system errors when storing fails.
    public static func teacher(for settings: TextTeacherSettings, cacheDirectory: URL?,
                               progress: ((TextTrainingProgress) -> Void)? = nil,
                               notice: ((String) -> Void)? = nil,
                               checkpoint: TextCheckpoint? = nil) throws -> (GPT, TextTeacherRecord) {
        try settings.validate()
        let key = key(for: settings)
        var source = TextTeacherSource.trained
        if let cacheDirectory {
            let entry = entryURL(key: key, cacheDirectory: cacheDirectory)
            do {
                if case (let model, var record)? = try load(entry: entry, key: key, settings: settings) {
                    record.source = .cached
                    return (model, record)
                }
            } catch let TextLabError.corruptCache(path, detail) {
                notice?(TextLabError.corruptCache(path: path, detail: detail).description)
                try? FileManager.default.removeItem(at: entry)
                source = .retrainedCorrupt(detail)
            }
        }
        let (model, training) = try TextTeacher.train(settings, progress: progress, checkpoint: checkpoint)
        var record = TextTeacherRecord(key: key, codeVersion: TextTeacherCodeVersion.current, blasThreads: BLAS.threads,
                                       settings: settings, training: training, modelSHA256: "")
        if let cacheDirectory { record = try store(model, record: record, cacheDirectory: cacheDirectory) }
        record.source = source
        return (model, record)
    }

    /// The entry's model and record; nil when there is no complete entry.
    /// - Throws: ``TextLabError/corruptCache(path:detail:)`` for an entry that exists but cannot be trusted.
    static func load(entry: URL, key: String, settings: TextTeacherSettings) throws -> (GPT, TextTeacherRecord)? {
        let recordURL = entry.appendingPathComponent("entry.json"), modelURL = entry.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: recordURL.path) else { return nil }
        func corrupt(_ d: String) -> TextLabError { .corruptCache(path: entry.path, detail: d) }
        guard let data = FileManager.default.contents(atPath: recordURL.path),
              let record = try? JSONDecoder().decode(TextTeacherRecord.self, from: data) else {
            throw corrupt("entry.json does not decode")
        }
        guard record.key == key, record.codeVersion == TextTeacherCodeVersion.current else {
            throw corrupt("entry.json is for key \(record.key.prefix(12))… / \(record.codeVersion), not this folder's")
        }
        guard let bytes = FileManager.default.contents(atPath: modelURL.path) else { throw corrupt("model.safetensors is missing") }
        guard sha256(bytes) == record.modelSHA256 else { throw corrupt("model.safetensors does not match its recorded SHA-256") }
        let model: GPT
        do { model = try GPT.load(from: modelURL) } catch { throw corrupt("\(error)") }
        guard model.config == settings.model else { throw corrupt("the weights are a \(model.config), expected \(settings.model)") }
        return (model, record)
    }

    /// Writes the model then its record (each atomically); returns the record with the weights' hash.
    static func store(_ model: GPT, record: TextTeacherRecord, cacheDirectory: URL) throws -> TextTeacherRecord {
        let entry = entryURL(key: record.key, cacheDirectory: cacheDirectory)
        try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
        let modelURL = entry.appendingPathComponent("model.safetensors")
        try model.save(to: modelURL, overwrite: true)
        guard let bytes = FileManager.default.contents(atPath: modelURL.path) else {
            throw TextLabError.corruptCache(path: entry.path, detail: "model.safetensors vanished after writing")
        }
        var r = record
        r.modelSHA256 = sha256(bytes)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(r), to: entry.appendingPathComponent("entry.json"), overwrite: true)
        return r
    }

    static func sortedJSON<T: Encodable>(_ v: T) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try enc.encode(v)
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}
