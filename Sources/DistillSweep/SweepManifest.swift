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

    public static let fileName = "sweep.json"

    public init(definition: SweepDefinition, points: [SweepPoint]) {
        self.definition = definition; self.points = points
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
    /// folder's sweep has the same points (names and settings; BLAS threads
    /// aside, which do not change what a point is).
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
        func comparable(_ p: SweepPoint) -> SweepPoint { var q = p; q.settings.threads = 1; return q }
        let mine = points.map(comparable), theirs = existing.points.map(comparable)
        guard mine != theirs else { return }
        let difference = zip(mine, theirs).first { $0 != $1 }.map { "point \($0.0.index) is \($0.0.name) here but \($0.1.name) (or other settings) there" }
            ?? "this sweep has \(mine.count) points, the folder's has \(theirs.count)"
        throw SweepError("\(folder.path) holds a different sweep (\(difference)); use another --output folder, or rerun with the definition in \(url.path)")
    }
}
