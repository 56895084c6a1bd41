import XCTest
import DistillSweep

/// `--shard k/n`: disjoint slices whose union is the sweep; job-array environments.
final class ShardTests: XCTestCase {
    func testShardsPartitionThePoints() throws {
        for n in 1...5 {
            var seen: [Int: Int] = [:]
            for k in 0..<n {
                let shard = try Shard(index: k, count: n)
                for i in 0..<13 where shard.contains(i) { seen[i, default: 0] += 1 }
            }
            XCTAssertEqual(seen.keys.sorted(), Array(0..<13), "union of \(n) shards")
            XCTAssertTrue(seen.values.allSatisfy { $0 == 1 }, "shards of \(n) overlap")
        }
    }

    func testParsingAndEnvironment() throws {
        XCTAssertEqual(try Shard(parsing: "2/4"), try Shard(index: 2, count: 4))
        XCTAssertThrowsError(try Shard(parsing: "4/4")) { XCTAssertTrue("\($0)".contains("0 ≤ k < n"), "\($0)") }
        XCTAssertThrowsError(try Shard(parsing: "1-4")) { XCTAssertTrue("\($0)".contains("--shard takes k/n"), "\($0)") }
        // Slurm arrays: the index is relative to the array's first task.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(index: 3, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"]),
                       try Shard(index: 1, count: 4))
        // Kubernetes indexed jobs do not export the count.
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2"], count: 3), try Shard(index: 2, count: 3))
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2"])) { XCTAssertTrue("\($0)".contains("--shards n"), "\($0)") }
        XCTAssertNil(try Shard.fromEnvironment([:]))
    }
}
