import Foundation
import Crypto
import DistillNN
import DistillCore

/// A trained model and its outcome, as an `ExperimentCache` keeps it.
public struct CachedModel {
    public var model: MLP
    public var result: ModelResult
    public init(model: MLP, result: ModelResult) { self.model = model; self.result = result }
}

/// Models trained in one stage of an experiment, with the per-epoch log lines
/// they wrote, so a run that reuses them writes the same metrics.jsonl as one
/// that trained them.
public struct CachedTraining {
    public var models: [CachedModel]
    public var epochLog: [EpochLogLine]
    public init(models: [CachedModel], epochLog: [EpochLogLine]) { self.models = models; self.epochLog = epochLog }
}

/// Stages an experiment can reuse across runs instead of recomputing them
/// (a sweep shares them between its defense settings):
///
/// - the normally trained teacher, keyed by `ExperimentSettings.teacherCacheKey`;
/// - the undefended baseline (the attack on the undefended teacher and its
///   students), keyed by `ExperimentSettings.baselineCacheKey`.
///
/// Every random stream of a run is derived from (seed, purpose), so skipping a
/// stage does not shift any other stage's draws: a run with a cache hit gives
/// bit-identical results to one without a cache (timings aside).
/// Implementations must be safe to call from one run at a time; lookups that
/// fail should return nil (the stage is then recomputed).
public protocol ExperimentCache: AnyObject {
    /// The teacher trained under `key` (one model), if cached.
    func teacher(for key: String) throws -> CachedTraining?
    func storeTeacher(_ training: CachedTraining, for key: String) throws
    /// The undefended baseline's students under `key`, if cached.
    func baseline(for key: String) throws -> CachedTraining?
    func storeBaseline(_ training: CachedTraining, for key: String) throws
}

extension ExperimentSettings {
    /// What determines the normally trained teacher: the data, its split
    /// fractions and its normalisation, the seed (splits, initialisation, shuffle), the teacher's
    /// architecture and training recipe, the BLAS thread count and kernels
    /// (float summation order) and the library version. Defenses, the attack, the
    /// students and the evaluation do not enter.
    ///
    /// A teacher loaded from `teacher.file` is identified by the SHA-256 of
    /// the file's bytes instead of the recipe: the same bytes under another
    /// path share a baseline, other bytes under the same path never do, and
    /// no loaded teacher's key equals a trained one's.
    struct TeacherIdentity: Encodable {
        var version: String
        var seed: UInt64
        var threads: Int
        /// The OpenBLAS kernels (`BLAS.coreName`): another kernel sums in another order, so a
        /// shard on another CPU must not reuse this teacher.
        var blasCore: String
        var data: DataSettings
        /// A trained teacher's recipe (nil for a loaded one), encoded as before when set,
        /// so keys of trained teachers are unchanged.
        var teacher: TeacherSettings?
        /// A loaded teacher's file hash (absent for a trained one).
        var teacherFileSHA256: String?

        enum CodingKeys: String, CodingKey { case version, seed, threads, blasCore, data, teacher, teacherFileSHA256 }

        /// As the synthesized encoding, but `data.normalize` is written only when it is not
        /// `none`: teachers cached before the setting existed keep their keys.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(version, forKey: .version)
            try c.encode(seed, forKey: .seed)
            try c.encode(threads, forKey: .threads)
            try c.encode(blasCore, forKey: .blasCore)
            try c.encode(DataIdentity(data), forKey: .data)
            try c.encodeIfPresent(teacher, forKey: .teacher)
            try c.encodeIfPresent(teacherFileSHA256, forKey: .teacherFileSHA256)
        }
    }

    /// `DataSettings` as teacher cache keys encode it (see `TeacherIdentity.encode(to:)`).
    struct DataIdentity: Encodable {
        let data: DataSettings
        init(_ data: DataSettings) { self.data = data }

        func encode(to encoder: Encoder) throws {
            typealias Key = DataSettings.CodingKeys
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(data.source, forKey: .source)
            try c.encode(data.labelColumn, forKey: .labelColumn)
            try c.encode(data.featureScale, forKey: .featureScale)
            if data.normalize != .none { try c.encode(data.normalize, forKey: .normalize) }
            try c.encode(data.teacherFraction, forKey: .teacherFraction)
            try c.encode(data.validationFraction, forKey: .validationFraction)
            try c.encode(data.poolFraction, forKey: .poolFraction)
            try c.encode(data.testFraction, forKey: .testFraction)
        }
    }

    /// What determines the undefended baseline: the teacher's identity plus
    /// the attack (budget, batch, strategy, counters) and the students'
    /// architecture and recipe.
    struct BaselineIdentity: Encodable {
        var teacher: TeacherIdentity
        var attack: AttackSettings
        var student: StudentSettings
    }

    /// The identity of the trained teacher, or with `teacherFileSHA256` of the loaded one.
    func teacherIdentity(teacherFileSHA256: String? = nil) -> TeacherIdentity {
        var recipe = teacher
        recipe.file = nil  // a trained teacher does not depend on a file setting it ignores
        return TeacherIdentity(version: DistillLabVersion.current, seed: seed, threads: threads, blasCore: BLAS.coreName, data: data,
                               teacher: teacherFileSHA256 == nil ? recipe : nil, teacherFileSHA256: teacherFileSHA256)
    }

    /// SHA-256 (hex) of the settings that determine the normally trained teacher.
    /// (A loaded teacher is never cached: loading it is what the cache would do.)
    public var teacherCacheKey: String { Self.hash(teacherIdentity()) }

    /// SHA-256 (hex) of the settings that determine the undefended baseline of a trained teacher.
    public var baselineCacheKey: String { baselineCacheKey(teacherFileSHA256: nil) }

    /// SHA-256 (hex) of what determines the undefended baseline: with
    /// `teacherFileSHA256`, that of a teacher loaded from a file with that hash.
    public func baselineCacheKey(teacherFileSHA256: String?) -> String {
        Self.hash(BaselineIdentity(teacher: teacherIdentity(teacherFileSHA256: teacherFileSHA256), attack: attack, student: student))
    }

    /// Hex SHA-256 of the value's compact, key-sorted JSON.
    static func hash<T: Encodable>(_ value: T) -> String {
        // Encoding plain settings cannot fail; an empty digest input would still give a stable key.
        let data = (try? JSONCoding.compact(value)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
