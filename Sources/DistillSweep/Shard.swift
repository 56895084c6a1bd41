import Foundation

/// The k-th of n disjoint slices of a sweep's points: point i belongs to
/// shard `i mod n`. The union of the n shards is the whole sweep.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole sweep.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    init(uncheckedIndex index: Int, count: Int) { self.index = index; self.count = count }

    /// - Throws: `SweepError` unless 0 ≤ index < count.
    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw SweepError("shard \(index)/\(count) does not exist: write --shard k/n with 0 ≤ k < n, e.g. --shard 0/4")
        }
        self.index = index; self.count = count
    }

    /// Parses `k/n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw SweepError("--shard takes k/n (the k-th of n slices, 0-based), e.g. --shard 2/4; got '\(text)'")
        }
        try self.init(index: k, count: n)
    }

    /// The shard a job array assigns through the environment, if any:
    /// Slurm (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`) or a Kubernetes indexed job
    /// (`JOB_COMPLETION_INDEX`, with the shard count from `count`, since
    /// Kubernetes does not export the number of completions).
    /// - Throws: `SweepError` if the variables are inconsistent or a count is missing.
    public static func fromEnvironment(_ env: [String: String], count: Int? = nil) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }) {
            let minimum = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            guard let n = count ?? env["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) else {
                throw SweepError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shards n")
            }
            return try Shard(index: id - minimum, count: n)
        }
        if let k = env["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
            guard let n = count else {
                throw SweepError("JOB_COMPLETION_INDEX is set (a Kubernetes indexed job); pass --shards n with the job's completions")
            }
            return try Shard(index: k, count: n)
        }
        return nil
    }

    public func contains(_ pointIndex: Int) -> Bool { pointIndex % count == index }

    public var description: String { "\(index)/\(count)" }
}
