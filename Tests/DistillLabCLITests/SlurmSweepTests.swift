import XCTest
import Foundation
import DistillLab

/// The sweep as a real Slurm job array: a one-node Slurm (slurm-wlm + munge)
/// on localhost runs `Notebooks-as-scripts/slurm/sweep.sbatch` as 4 array
/// tasks, each its own shard; `collect` then finds every point exactly once.
final class SlurmSweepTests: XCTestCase {
    /// The script used 2 threads (its --cpus-per-task) while local runs default to 1, so shards and
    /// local reruns of one point differed in the last bits. A stand-in binary records the arguments.
    func testScriptRunsOneThreadLikeLocalRunsUnlessAskedForMore() throws {
        let root = try LocalSlurm.packageRoot()
        let script = root.appendingPathComponent("Notebooks-as-scripts/slurm/sweep.sbatch")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sbatch-args-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let fake = work.appendingPathComponent("fake-distill-lab")
        try "#!/bin/sh\necho \"$@\"\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        XCTAssertTrue(try String(contentsOf: script, encoding: .utf8).contains("#SBATCH --cpus-per-task=1\n"))
        for (extra, threads) in [([String: String](), "1"), (["DISTILL_LAB_THREADS": "3"], "3")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [script.path, "s.yaml", "out"]
            var env = ProcessInfo.processInfo.environment
            env["SLURM_ARRAY_TASK_ID"] = "0"; env["SLURM_ARRAY_TASK_COUNT"] = "1"; env["SLURM_CPUS_PER_TASK"] = "2"
            env["SLURM_SUBMIT_DIR"] = work.path; env["DISTILL_LAB"] = fake.path
            for (k, v) in extra { env[k] = v }
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, text)
            XCTAssertTrue(text.contains("sweep s.yaml --output out --threads \(threads)\n"), text)
        }
    }

    func testFourTaskArrayRunsEveryPointOnceAndCollectMergesThem() throws {
        guard FileManager.default.isExecutableFile(atPath: DistillLabBinary.url.path) else {
            throw XCTSkip("distill-lab is not built next to the tests")
        }
        let slurm = try LocalSlurm.start()
        defer { try? slurm.stop() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // 2 settings × 2 seeds = 4 points, tiny training: one point per task.
        let sweepFile = work.appendingPathComponent("tiny.yaml")
        try """
        data: {source: digits}
        teacher: {training: {epochs: 4}}
        student: {training: {epochs: 6}}
        attack: {budget: 200}
        sweep:
          defense.responses: [[], [rounding:decimals=1]]
        seeds: [0, 1]
        """.write(to: sweepFile, atomically: true, encoding: .utf8)
        let output = work.appendingPathComponent("out")

        let tasks = try slurm.runShardedSweep(arguments: [sweepFile.path, output.path], shards: 4, workingDirectory: work)
        XCTAssertEqual(tasks.map(\.taskID).sorted(), [0, 1, 2, 3])
        XCTAssertTrue(tasks.allSatisfy { $0.state == "COMPLETED" && $0.exitCode == "0:0" }, "\(tasks)")

        // Every point finished exactly once: 4 run folders with results.json, nothing cut off or doubled.
        let entries = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { !$0.hasPrefix("_") && !$0.hasSuffix(".json") }
        XCTAssertEqual(entries.count, 4, "\(entries)")
        XCTAssertFalse(entries.contains { $0.contains(".incomplete") })
        for e in entries {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent(e).appendingPathComponent("results.json").path), e)
        }
        let collect = try DistillLabBinary.run(["collect", output.path, "--require-complete"])
        XCTAssertEqual(collect.status, 0, collect.stderr)
        XCTAssertTrue((collect.stdout + collect.stderr).contains("4 of 4 points finished"), collect.stdout + collect.stderr)
        // Teachers were shared across shards through the cache: one per seed.
        let teachers = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("_cache/teachers").path)
            .filter { $0.hasSuffix(".safetensors") }
        XCTAssertEqual(teachers.count, 2)
    }
}
