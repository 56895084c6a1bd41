import Foundation
import DistillLab

/// Who holds a point: written into its lock file.
public struct LockOwner: Codable, Sendable, Equatable {
    public var pid: Int32
    public var host: String
    public var started: String

    public init(pid: Int32, host: String, started: String) {
        self.pid = pid; self.host = host; self.started = started
    }

    /// This process.
    public static func current() -> LockOwner {
        LockOwner(pid: getpid(), host: hostName(), started: ISO8601DateFormatter().string(from: Date()))
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(cString: buffer)
    }

    /// Whether the owner is provably gone: same host and no such process.
    /// An owner on another host cannot be checked and counts as alive.
    var isDeadOnThisHost: Bool {
        host == LockOwner.hostName() && kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// Per-point locks of a sweep folder, so several sweeps (shards, or two
/// invocations by mistake) can share one output folder without running a
/// point twice or mixing the files of two attempts.
///
/// `DIR/_locks/NAME.lock` is created with O_CREAT|O_EXCL and holds the
/// owner's pid, host and start time; it is removed when the point ends
/// (finished or failed). Claims are serialised by an flock on
/// `DIR/_locks/.claim`, held only while a claim is decided, so that removing
/// a stale lock and taking it cannot race with another claimer. A lock is
/// stale when its owner's host is this host and its pid no longer exists (a
/// killed sweep), or when its content is unreadable (killed while writing);
/// a lock from another host is respected unless `stealLocks` is set (for
/// when no other sweep runs on this folder, e.g. rerunning a Slurm array
/// whose nodes died).
public struct PointLocks {
    public let folder: URL
    public var stealLocks: Bool

    public init(sweepFolder: URL, stealLocks: Bool = false) throws {
        folder = sweepFolder.appendingPathComponent("_locks")
        self.stealLocks = stealLocks
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw SweepError("cannot create the lock folder \(folder.path): \(ExperimentError.reason(error)); choose a writable --output")
        }
    }

    public enum Claim: Equatable {
        /// The point is ours: run it, then `release`.
        case claimed
        /// Another live sweep holds it.
        case busy(LockOwner)
        /// It finished meanwhile (checked under the claim lock).
        case finished
    }

    public func lockFile(_ name: String) -> URL { folder.appendingPathComponent(name + ".lock") }

    /// Decides whether this process runs point `name`; `isFinished` is checked
    /// under the claim lock, so a point that finished meanwhile is not rerun.
    /// Returns also the stale owner removed, if any.
    public func claim(_ name: String, isFinished: () -> Bool) throws -> (claim: Claim, removedStale: LockOwner?) {
        let claimFile = folder.appendingPathComponent(".claim")
        let fd = open(claimFile.path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw SweepError("cannot open \(claimFile.path): \(String(cString: strerror(errno))); check the folder's permissions") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SweepError("cannot lock \(claimFile.path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }

        if isFinished() { return (.finished, nil) }
        let path = lockFile(name).path
        var removed: LockOwner?
        if FileManager.default.fileExists(atPath: path) {
            let owner = (try? Data(contentsOf: lockFile(name))).flatMap { try? JSONDecoder().decode(LockOwner.self, from: $0) }
            if let owner, !stealLocks, !owner.isDeadOnThisHost { return (.busy(owner), nil) }
            removed = owner ?? LockOwner(pid: 0, host: "unreadable lock", started: "")
            unlink(path)
        }
        let lock = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard lock >= 0 else { throw SweepError("cannot create \(path): \(String(cString: strerror(errno)))") }
        let data = try JSONEncoder().encode(LockOwner.current())
        _ = data.withUnsafeBytes { write(lock, $0.baseAddress, $0.count) }
        close(lock)
        return (.claimed, removed)
    }

    /// Gives point `name` up (after it finished or failed); a lock another
    /// process has taken over (`stealLocks`) is left alone.
    public func release(_ name: String) {
        let url = lockFile(name)
        let owner = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(LockOwner.self, from: $0) }
        if let owner, owner.pid == getpid(), owner.host == LockOwner.hostName() { unlink(url.path) }
    }
}
