import ArgumentParser
import Foundation
import DistillLab
import DistillConfig
import DistillSweep

extension DistillLabCommand {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the Cartesian product of swept settings × seeds (resumable, shardable).",
            discussion: """
            FILE is an experiment file with two extra keys:
              sweep: {defense.responses: [[rounding:decimals=2], [reverse-sigmoid:beta=0.7], []], attack.budget: [200, 400]}
              seeds: [0, 1, 2]
            Arguments key=value fix a setting for every point; key=v1|v2|… (or key=v1,v2,… when no value \
            holds ':' or '=') sweep it: defense.responses=[rounding:decimals=2]|[label-only]|[]  seeds=0,1,2.

            Each point runs in DIR/<key=value__…__seed=N>/; a point is finished once its results.json \
            exists, and a rerun skips it. A folder an interrupted run left is moved to \
            NAME.incomplete-<time>-<pid> and the point reruns. Points are locked (DIR/_locks/NAME.lock, \
            pid and host), so several sweeps or shards can share DIR; a lock whose process died on this \
            host is taken over. Teachers and undefended baselines are computed once and shared through \
            DIR/_cache/.

            --shard k/n runs points i with i mod n = k. In a Slurm job array (sbatch --array=0-(n-1)) \
            the shard comes from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT; in a Kubernetes indexed \
            job from JOB_COMPLETION_INDEX with --shards n. Merge with `distill-lab collect DIR`.
            """)

        @Argument(help: ArgumentHelp("An optional sweep file, then key=value and key=v1|v2|… arguments.",
                                     valueName: "FILE | key.path=value"))
        var arguments: [String] = []
        @Option(help: "The sweep folder (created; shared by shards and reruns).")
        var output: String
        @Option(help: ArgumentHelp("Run only the k-th of n slices (0-based).", valueName: "k/n"))
        var shard: String?
        @Option(help: "Number of shards when the index comes from the environment (Kubernetes JOB_COMPLETION_INDEX).")
        var shards: Int?
        @Option(help: "OpenBLAS threads per run (sets `threads` in every point; default: the file's, else 1).")
        var threads: Int?
        @Flag(help: "Take over every lock, also other hosts' (only when no other sweep runs on this folder).")
        var stealLocks = false
        @Flag(help: "List this shard's points (index, finished or to run, name) without running or writing anything.")
        var dryRun = false
        @Flag(name: .shortAndLong, help: "No progress output.")
        var quiet = false

        func definition() throws -> SweepDefinition {
            let files = arguments.filter { !$0.contains("=") }
            guard files.count <= 1 else {
                throw CommandError("more than one sweep file given (\(files.joined(separator: ", "))); pass one FILE and key=value arguments")
            }
            var overrides = arguments.filter { $0.contains("=") }
            if let threads { overrides.append("threads=\(threads)") }
            return try SweepDefinition.make(file: files.first, arguments: overrides)
        }

        func resolvedShard() throws -> Shard {
            if let shard { return try Shard(parsing: shard) }
            return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, count: shards) ?? .all
        }

        func run() throws {
            let runner: SweepRunner
            do {
                let definition = try definition()
                let shard = try resolvedShard()
                if dryRun {
                    // Nothing is written: list the shard's points and whether each has finished.
                    for p in try definition.points() where shard.contains(p.index) {
                        let finished = FileManager.default.fileExists(atPath: URL(fileURLWithPath: output).appendingPathComponent(p.name).appendingPathComponent(RunFiles.results).path)
                        print("\(p.index)\t\(finished ? "finished" : "to run")\t\(p.name)")
                    }
                    return
                }
                runner = try SweepRunner(definition: definition, folder: URL(fileURLWithPath: output), shard: shard, stealLocks: stealLocks)
            } catch let e as SweepError { throw CommandError(e.description) } catch let e as ConfigError { throw CommandError(e.description) }
            let points = runner.shardPoints
            if !quiet {
                switch runner.installation {
                case let .grown(added): printError("sweep: grew \(output) by \(added) point\(added == 1 ? "" : "s") to \(runner.manifest.points.count); finished points are kept, not rerun")
                case let .part(of):
                    let n = runner.manifest.points.count
                    printError("sweep: \(n == 1 ? "this point is" : "these \(n) points are") part of the \(of)-point sweep in \(output) (it grew since); its manifest stays")
                case .created, .same: break
                }
                printError("sweep: \(points.count) of \(runner.manifest.points.count) points in shard \(runner.shard) → \(output)")
            }
            let progress = ProgressPrinter(enabled: !quiet, live: standardErrorIsTerminal)
            let summary = try runner.run { event in
                guard !quiet else { return }
                switch event {
                case let .started(p, position, total): progress.finish(); printError("[\(position)/\(total)] \(p.name)")
                case let .experiment(_, e):
                    if case .stage = e { return }  // per-point stages are in each run's folder; keep the sweep log short
                    progress.handle(e)
                case let .finished(p, r):
                    progress.finish()
                    printError(String(format: "  done %@ in %.1f s", p.name, r.seconds))
                case let .failed(p, error): progress.finish(); printError("  FAILED \(p.name): \(SweepRunner.oneLine(error))")
                case let .skippedFinished(p): printError("  finished already: \(p.name)")
                case let .skippedBusy(p, owner): printError("  running elsewhere (pid \(owner.pid) on \(owner.host)): \(p.name)")
                case let .movedAside(p, to): printError("  interrupted earlier: moved \(p.name) to \(to.lastPathComponent)")
                case let .removedStaleLock(p, owner): printError("  took over the stale lock of \(p.name) (pid \(owner.pid) on \(owner.host) is gone)")
                }
            }
            progress.finish()
            let cache = runner.cache
            if !quiet {
                printError("sweep: ran \(summary.ran.count), finished before \(summary.alreadyFinished.count), running elsewhere \(summary.busy.count), failed \(summary.failed.count); "
                           + "teachers trained \(cache.teacherStores) (reused \(cache.teacherHits)), baselines run \(cache.baselineStores) (reused \(cache.baselineHits))")
                printError("collect with: distill-lab collect \(output)")
            }
            if !summary.failed.isEmpty {
                // Quiet mode printed no FAILED lines as they happened; say why each failed now.
                if quiet { for name in summary.failed { printError("FAILED \(name): \(summary.failureReasons[name] ?? "unknown reason")") } }
                throw CommandError("\(summary.failed.count) point(s) failed: \(summary.failed.joined(separator: ", ")); each folder's \(RunFiles.error) says why and its partial logs are kept, rerun the sweep to retry them")
            }
        }
    }
}
