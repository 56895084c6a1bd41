import Foundation
import DistillLab
import DistillConfig

/// Progress of a sweep.
public enum SweepEvent {
    /// Point `point` (of `total` in the sweep) starts; `position` counts within the shard.
    case started(SweepPoint, position: Int, of: Int)
    case experiment(SweepPoint, ExperimentEvent)
    case finished(SweepPoint, ExperimentResult)
    case failed(SweepPoint, Error)
    /// Already finished: its folder has results.json.
    case skippedFinished(SweepPoint)
    /// Another live sweep holds its lock.
    case skippedBusy(SweepPoint, LockOwner)
    /// A folder left by an interrupted attempt was moved aside before rerunning.
    case movedAside(SweepPoint, to: URL)
    case removedStaleLock(SweepPoint, LockOwner)
}

/// What one `SweepRunner.run()` did with its shard's points.
public struct SweepRunSummary: Sendable, Equatable {
    public var ran: [String] = []
    public var alreadyFinished: [String] = []
    public var busy: [String] = []
    public var failed: [String] = []
    /// Each failed point's one-line reason, by name (also in its folder's `error.txt`).
    public var failureReasons: [String: String] = [:]
    public var movedAside: [String] = []
}

/// Runs the points of one shard of a sweep into `folder/NAME/`, skipping
/// finished ones, and sharing teachers and undefended baselines through
/// `folder/_cache` (`FileExperimentCache`).
///
/// Resume: a point is finished iff `NAME/results.json` exists (the experiment
/// writes it last, atomically). A `NAME/` without it was cut off: it is
/// renamed to `NAME.incomplete-<UTC time>-<pid>` (kept for diagnosis, ignored
/// by `collect`) and the point reruns in a fresh folder, so files of two
/// attempts never mix. Concurrency: see `PointLocks`.
public final class SweepRunner {
    public let manifest: SweepManifest
    public let folder: URL
    public let shard: Shard
    public let locks: PointLocks
    public let cache: FileExperimentCache
    /// How this sweep met its folder (new, resumed, grown, or a part of a grown one).
    public let installation: SweepManifest.Installation

    /// Checks the definition (expanding every point) and installs or checks `folder/sweep.json`.
    /// - Throws: `SweepError` (bad definition, folder holding another sweep).
    public init(definition: SweepDefinition, folder: URL, shard: Shard = .all, stealLocks: Bool = false) throws {
        manifest = SweepManifest(definition: definition, points: try definition.points())
        self.folder = folder
        self.shard = shard
        installation = try manifest.install(in: folder)
        locks = try PointLocks(sweepFolder: folder, stealLocks: stealLocks)
        cache = FileExperimentCache(folder: folder.appendingPathComponent("_cache"))
    }

    /// This shard's points, in sweep order.
    public var shardPoints: [SweepPoint] { manifest.points.filter { shard.contains($0.index) } }

    public func runFolder(_ point: SweepPoint) -> URL { folder.appendingPathComponent(point.name) }

    public func isFinished(_ point: SweepPoint) -> Bool {
        FileManager.default.fileExists(atPath: runFolder(point).appendingPathComponent(RunFiles.results).path)
    }

    /// Runs every unfinished, unlocked point of the shard; a failing point is
    /// reported and the others still run.
    public func run(onEvent: (SweepEvent) -> Void = { _ in }) throws -> SweepRunSummary {
        var summary = SweepRunSummary()
        let mine = shardPoints
        for (position, point) in mine.enumerated() {
            if isFinished(point) { summary.alreadyFinished.append(point.name); onEvent(.skippedFinished(point)); continue }
            let (claim, stale) = try locks.claim(point.name) { isFinished(point) }
            if let stale { onEvent(.removedStaleLock(point, stale)) }
            switch claim {
            case .finished: summary.alreadyFinished.append(point.name); onEvent(.skippedFinished(point)); continue
            case let .busy(owner): summary.busy.append(point.name); onEvent(.skippedBusy(point, owner)); continue
            case .claimed: break
            }
            defer { locks.release(point.name) }
            if let moved = try moveAsideIncomplete(point) { summary.movedAside.append(point.name); onEvent(.movedAside(point, to: moved)) }
            onEvent(.started(point, position: position + 1, of: mine.count))
            var directory: RunDirectory?
            do {
                directory = try RunDirectory.exact(runFolder(point), renderSettings: ExperimentFile.yaml(for:))
                let result = try Experiment(settings: point.settings).run(directory: directory, cache: cache) { onEvent(.experiment(point, $0)) }
                summary.ran.append(point.name)
                onEvent(.finished(point, result))
            } catch {
                let reason = Self.oneLine(error)
                summary.failed.append(point.name)
                summary.failureReasons[point.name] = reason
                // Saved in the point's own folder (never one it did not create), so a later look, or a
                // quiet sweep's log, says why; a rerun moves it aside with the partial logs.
                if directory != nil {
                    try? Data((reason + "\n").utf8).write(to: runFolder(point).appendingPathComponent(RunFiles.error))
                }
                onEvent(.failed(point, error))
            }
        }
        return summary
    }

    /// `error` as one bounded line: whitespace runs (newlines too) become one space.
    public static func oneLine(_ error: Error, limit: Int = 1_000) -> String {
        let words = "\(error)".split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let line = words.joined(separator: " ")
        return line.count > limit ? String(line.prefix(limit)) + "… (\(line.count) characters)" : line
    }

    /// Renames an unfinished `NAME/` to `NAME.incomplete-<time>-<pid>`; returns the new place.
    func moveAsideIncomplete(_ point: SweepPoint) throws -> URL? {
        let url = runFolder(point)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        let target = folder.appendingPathComponent("\(point.name).incomplete-\(f.string(from: Date()))-\(getpid())")
        guard rename(url.path, target.path) == 0 else {
            throw SweepError("cannot move the interrupted run \(url.path) aside: \(String(cString: strerror(errno))); remove it by hand and rerun")
        }
        return target
    }
}
