import Foundation
import DistillCore
import DistillLab
import DistillNN

/// An `ExperimentCache` in a folder, shared by every point and shard of a sweep:
///
/// - `teachers/<teacherCacheKey>.safetensors` (the model) and `.json`
///   (its `ModelResult` and epoch log);
/// - `baselines/<baselineCacheKey>.json` (the students' results and epoch
///   log) and `baselines/<key>.<role>.safetensors` per student.
///
/// Every file is written to a temporary name and renamed into place, models
/// first and the JSON last: an entry exists once its JSON does, and a reader
/// never sees half a file. Two shards computing the same entry at once both
/// rename; the contents are identical (same settings, same seed), so the last
/// rename wins harmlessly. An unreadable entry counts as a miss.
public final class FileExperimentCache: ExperimentCache {
    public let folder: URL

    /// Lookups answered and entries written since creation (cache statistics).
    public private(set) var teacherHits = 0
    public private(set) var teacherStores = 0
    public private(set) var baselineHits = 0
    public private(set) var baselineStores = 0

    public init(folder: URL) { self.folder = folder }

    struct Entry: Codable {
        var results: [ModelResult]
        var epochLog: [EpochLogLine]
    }

    var teachers: URL { folder.appendingPathComponent("teachers") }
    var baselines: URL { folder.appendingPathComponent("baselines") }

    public func teacher(for key: String) throws -> CachedTraining? {
        let found = load(teachers, key: key, model: { _ in teachers.appendingPathComponent(key + ".safetensors") })
        if found != nil { teacherHits += 1 }
        return found
    }

    public func storeTeacher(_ training: CachedTraining, for key: String) throws {
        try store(training, in: teachers, key: key, model: { _ in teachers.appendingPathComponent(key + ".safetensors") })
        teacherStores += 1
    }

    public func baseline(for key: String) throws -> CachedTraining? {
        let found = load(baselines, key: key, model: { baselines.appendingPathComponent("\(key).\($0).safetensors") })
        if found != nil { baselineHits += 1 }
        return found
    }

    public func storeBaseline(_ training: CachedTraining, for key: String) throws {
        try store(training, in: baselines, key: key, model: { baselines.appendingPathComponent("\(key).\($0).safetensors") })
        baselineStores += 1
    }

    func load(_ dir: URL, key: String, model url: (String) -> URL) -> CachedTraining? {
        guard let data = try? Data(contentsOf: dir.appendingPathComponent(key + ".json")),
              let entry = try? JSONDecoder().decode(Entry.self, from: data) else { return nil }
        var models: [CachedModel] = []
        for result in entry.results {
            guard let (model, _) = try? MLP.load(from: url(result.role)) else { return nil }
            models.append(CachedModel(model: model, result: result))
        }
        return CachedTraining(models: models, epochLog: entry.epochLog)
    }

    func store(_ training: CachedTraining, in dir: URL, key: String, model url: (String) -> URL) throws {
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw SweepError("cannot create the cache folder \(dir.path): \(ExperimentError.reason(error)); choose a writable --output")
        }
        // Both writes are atomic renames: a concurrent shard writing the same
        // entry (identical content) replaces it, the last one wins. JSON last,
        // so an entry exists only once its models do.
        for m in training.models {
            try m.model.save(to: url(m.result.role), metadata: ["role": m.result.role, "cacheKey": key], overwrite: true)
        }
        let json = dir.appendingPathComponent(key + ".json")
        let entry = try JSONCoding.pretty(Entry(results: training.models.map(\.result), epochLog: training.epochLog))
        do { try AtomicFile.write(entry, to: json, overwrite: true) } catch {
            throw SweepError("cannot write the cache file \(json.path): \(error)")
        }
    }
}
