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

    /// Writes the manifest into `folder` if it has none; else checks that the
    /// folder's sweep has the same points (names and settings), the same BLAS
    /// thread count and the same kernels: results depend on both, so one
    /// folder never mixes them (another shard, a resume).
    /// - Throws: `SweepError` naming the first difference and the fix.
    public func install(in folder: URL) throws {
        // One sentence ("Read-only file system"), not Foundation's NSCocoaErrorDomain dump.
        do { try RunDirectory.createFolder(folder) } catch let e as ExperimentError { throw SweepError(e.description) }
        let url = folder.appendingPathComponent(Self.fileName)
        // A no-clobber write: if another shard installed a manifest meanwhile, compare with that one.
        do {
            try AtomicFile.write(JSONCoding.pretty(self), to: url, overwrite: false)
            return
        } catch AtomicFile.Failure.exists {}
        let existing = try Self.read(from: folder)
        if let theirs = existing.blasCore, let mine = blasCore, theirs != mine {
            throw SweepError("\(folder.path) holds runs made with OpenBLAS's \(theirs) kernels, but this process uses \(mine) kernels, which sum in another order; run every shard with DISTILL_LAB_BLAS=pinned (the Haswell kernels on every AVX2 CPU) or OPENBLAS_CORETYPE=\(theirs), or use another --output folder")
        }
        if let a = points.first?.settings.threads, let b = existing.points.first?.settings.threads, a != b {
            throw SweepError("\(folder.path) holds runs made with \(b) BLAS thread\(b == 1 ? "" : "s"), but this sweep asks for \(a); results depend on the thread count, so rerun with --threads \(b), or use another --output folder")
        }
        let mine = points, theirs = existing.points
        guard mine != theirs else { return }
        let difference = zip(mine, theirs).first { $0 != $1 }.map { "point \($0.0.index) is \($0.0.name) here but \($0.1.name) (or other settings) there" }
            ?? "this sweep has \(mine.count) points, the folder's has \(theirs.count)"
        throw SweepError("\(folder.path) holds a different sweep (\(difference)); use another --output folder, or rerun with the definition in \(url.path)")
    }
}
