import Foundation
import DistillCore
import DistillLab

/// `DIR/sweep.json`: the sweep a folder holds, written by the first
/// `distill-lab sweep` on it and checked by every later one (another shard,
/// a resume), so one folder never mixes two sweeps. `collect` reads the
/// expected points from it.
public struct SweepManifest: Codable, Sendable, Equatable {
    public var definition: SweepDefinition
    /// The expanded points, in order.
    public var points: [SweepPoint]
    /// The OpenBLAS kernels the folder's runs use (`BLAS.coreName`; absent in
    /// manifests from before it was recorded). Results depend on them.
    public var blasCore: String?

    public static let fileName = "sweep.json"

    public init(definition: SweepDefinition, points: [SweepPoint], blasCore: String? = BLAS.coreName) {
        self.definition = definition; self.points = points; self.blasCore = blasCore
    }

    /// Reads `DIR/sweep.json`.
    /// - Throws: `SweepError` if it is missing or unreadable.
    public static func read(from folder: URL) throws -> SweepManifest {
        let url = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else {
            throw SweepError("\(url.path) is missing: \(folder.path) is not a sweep folder; run `distill-lab sweep FILE --output \(folder.path)` first")
        }
        do { return try JSONDecoder().decode(SweepManifest.self, from: data) } catch {
            throw SweepError("\(url.path) \(SweepCollection.reason(error)); it was not written by this version of distill-lab, or it was damaged")
        }
    }

    /// One growth of the folder's sweep: when, and its points before and after.
    public struct Growth: Codable, Sendable, Equatable {
        public var at: String
        public var pointsBefore: Int
        public var pointsAfter: Int
    }
    /// Earlier growths, oldest first (absent until the sweep first grows).
    public var growths: [Growth]?

    /// How a sweep met its folder.
    public enum Installation: Equatable, Sendable {
        /// The folder had no sweep: this one was written.
        case created
        /// The folder holds this very sweep (another shard, a resume).
        case same
        /// This sweep keeps every point of the folder's and adds `added`
        /// (more seeds, more values): the manifest now lists them all.
        case grown(added: Int)
        /// Every point of this sweep is one of the folder's larger sweep (an
        /// earlier definition of a grown sweep): its points run, the manifest stays.
        case part(of: Int)
    }

    /// Writes the manifest into `folder` if it has none; else checks it
    /// against the folder's sweep. The same points (names and settings) run
    /// as a resume or shard; a sweep that keeps every finished point's name
    /// and settings and adds others grows the folder (finished points are not
    /// rerun); an older definition of a grown sweep runs its part. Anything
    /// else is another sweep and is refused. The BLAS thread count and kernels
    /// must match: results depend on both, so one folder never mixes them.
    /// Serialised by an flock on `DIR/_locks/.manifest`, so two growing shards
    /// cannot drop each other's points.
    /// - Throws: `SweepError` naming the first difference and the fix.
    @discardableResult
    public func install(in folder: URL) throws -> Installation {
        // One sentence ("Read-only file system"), not Foundation's NSCocoaErrorDomain dump.
        do { try RunDirectory.createFolder(folder) } catch let e as ExperimentError { throw SweepError(e.description) }
        // Beside the point locks' `.claim`, so the folder holds only the sweep's own entries.
        let lockFolder = folder.appendingPathComponent("_locks")
        do { try FileManager.default.createDirectory(at: lockFolder, withIntermediateDirectories: true) } catch {
            throw SweepError("cannot create the lock folder \(lockFolder.path): \(ExperimentError.reason(error)); choose a writable --output")
        }
        let lockPath = lockFolder.appendingPathComponent(".manifest").path
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw SweepError("cannot open \(lockPath): \(String(cString: strerror(errno))); check the folder's permissions") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SweepError("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }

        let url = folder.appendingPathComponent(Self.fileName)
        do {
            try AtomicFile.write(JSONCoding.pretty(self), to: url, overwrite: false)
            return .created
        } catch AtomicFile.Failure.exists {}
        let existing = try Self.read(from: folder)
        if let theirs = existing.blasCore, let mine = blasCore, theirs != mine {
            throw SweepError("\(folder.path) holds runs made with OpenBLAS's \(theirs) kernels, but this process uses \(mine) kernels, which sum in another order; run every shard with DISTILL_LAB_BLAS=pinned (the Haswell kernels on every AVX2 CPU) or OPENBLAS_CORETYPE=\(theirs), or use another --output folder")
        }
        if let a = points.first?.settings.threads, let b = existing.points.first?.settings.threads, a != b {
            throw SweepError("\(folder.path) holds runs made with \(b) BLAS thread\(b == 1 ? "" : "s"), but this sweep asks for \(a); results depend on the thread count, so rerun with --threads \(b), or use another --output folder")
        }
        let mine = points, theirs = existing.points
        if mine == theirs { return .same }
        // A point is the same run whatever its place in the expansion.
        let mineByName = Dictionary(mine.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let theirsByName = Dictionary(theirs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // The folder's first point this sweep does not keep as it is (and its namesake here, if any).
        let lost = theirs.first { p in !(mineByName[p.name]?.isSameRun(as: p) ?? false) }
            .map { p in (p, mineByName[p.name]) }
        if lost == nil {
            var grown = self
            grown.growths = (existing.growths ?? []) + [Growth(at: ISO8601DateFormatter().string(from: Date()),
                                                                pointsBefore: theirs.count, pointsAfter: mine.count)]
            do { try AtomicFile.write(JSONCoding.pretty(grown), to: url, overwrite: true) } catch {
                throw SweepError("cannot grow the sweep in \(url.path): \(ExperimentError.reason(error)); check the folder's permissions")
            }
            return .grown(added: mine.count - theirs.count)
        }
        if mine.allSatisfy({ p in theirsByName[p.name].map { $0.isSameRun(as: p) } ?? false }) {
            return .part(of: theirs.count)
        }
        let difference: String
        if let (p, changed) = lost, let changed {
            let here = Dictionary(Self.settingValues(changed.settings), uniquingKeysWith: { a, _ in a })
            let diff = Self.settingValues(p.settings).first { here[$0.key] != $0.value }
                .map { "\($0.key) is \(here[$0.key].map { $0.isEmpty ? "null" : $0 } ?? "absent") here but \($0.value.isEmpty ? "null" : $0.value) there" }
                ?? "its seed or settings differ"
            difference = "point \(p.name) has other settings here: \(diff)"
        } else if let (p, _) = lost {
            difference = "its point \(p.name) is not in this sweep; a sweep grows only by keeping every point and adding seeds or values"
        } else {
            difference = "this sweep has \(mine.count) points, the folder's has \(theirs.count)"
        }
        throw SweepError("\(folder.path) holds a different sweep (\(difference)); use another --output folder, or rerun with the definition in \(url.path)")
    }
}

extension SweepPoint {
    /// Same name, seed and resolved settings: the same run, wherever it sits
    /// in the expansion and however its values were written (file or command line).
    func isSameRun(as other: SweepPoint) -> Bool {
        name == other.name && seed == other.seed && settings == other.settings
    }
}
