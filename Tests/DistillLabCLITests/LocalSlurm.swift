import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real one-node Slurm cluster on localhost for tests, brought up by the
/// repository's `.ci/slurm-local` script (munged + slurmctld + slurmd from
/// Debian's `slurm-wlm` and `munge`, all state in a private folder, loopback
/// only). Every client command (`sbatch`, `squeue`, `scontrol`) runs with
/// `SLURM_CONF` pointing at the private `slurm.conf` and with inherited
/// `SLURM_*`/`SBATCH_*` variables removed, so a test can never reach the
/// system's Slurm or a real cluster.
///
/// Usage: `let slurm = try LocalSlurm.start()`, `defer { try? slurm.stop() }`,
/// `let job = try slurm.submitArray(script:tasks:workingDirectory:)`,
/// `let tasks = try slurm.waitForJob(job, timeout: 60)`.
///
/// Each `start()` uses its own state folder (named after the test process), so
/// parallel test runs from different worktrees do not share daemons; the
/// script picks free ports. Folders left behind by test processes that died are
/// stopped and removed by the next `start()`.
final class LocalSlurm {
    /// The private state folder (`DISTILL_LAB_SLURM_DIR` of the script).
    let stateDirectory: URL
    /// The private `slurm.conf` every client command uses.
    var configFile: URL { stateDirectory.appendingPathComponent("etc/slurm.conf") }
    /// Process ids of munged, slurmctld and slurmd, read from their pid files at start.
    private(set) var daemonPIDs: [String: pid_t] = [:]

    /// The daemons the cluster consists of (their executables must be installed).
    static let daemonNames = ["munged", "slurmctld", "slurmd"]
    private static let systemPaths = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
    private static let stateFolderPrefix = "distill-lab-slurm-test-"

    private init(stateDirectory: URL) {
        self.stateDirectory = stateDirectory
    }

    // MARK: - Locating things

    /// The package root: the first folder above this source file holding `Package.swift`.
    static func packageRoot(file: String = #filePath) throws -> URL {
        var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir
            }
            dir.deleteLastPathComponent()
        }
        throw LocalSlurmError("no Package.swift above \(file); run the tests from a checkout of distill-lab")
    }

    /// `.ci/slurm-local` in the package root.
    static func controlScript() throws -> URL {
        let script = try packageRoot().appendingPathComponent(".ci/slurm-local")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw LocalSlurmError("\(script.path) is missing or not executable")
        }
        return script
    }

    /// Whether `name` is an executable on the usual system paths (root's PATH has /usr/sbin, a user's may not).
    static func isInstalled(_ name: String) -> Bool {
        systemPaths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    // MARK: - Lifecycle

    /// Brings up a fresh cluster and waits until its node is idle.
    ///
    /// Skips the test (XCTSkip) only when the daemons are not installed — CI
    /// installs them (`.ci/install-deps --test`), so there the test really runs.
    /// Any other failure (not root, a daemon that does not come up) throws, with
    /// the script's message and the daemon log tails.
    static func start(timeout: TimeInterval = 90) throws -> LocalSlurm {
        let missing = daemonNames.filter { !isInstalled($0) }
        if !missing.isEmpty {
            throw XCTSkip("\(missing.joined(separator: ", ")) not installed (apt-get install slurm-wlm munge; .ci/install-deps --test does it)")
        }
        let script = try controlScript()
        reapAbandonedClusters(script: script)
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(stateFolderPrefix)\(getpid())")
        let cluster = LocalSlurm(stateDirectory: dir)
        let result = try cluster.runScript(script, "start", timeout: timeout)
        guard result.status == 0 else {
            throw LocalSlurmError("`.ci/slurm-local start` failed (status \(result.status)):\n\(result.stdout)\(result.stderr)")
        }
        for name in daemonNames {
            let pidFile = dir.appendingPathComponent("run/\(name).pid")
            let text = (try? String(contentsOf: pidFile, encoding: .utf8)) ?? ""
            guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw LocalSlurmError("cluster started but \(pidFile.path) holds no pid")
            }
            cluster.daemonPIDs[name] = pid
        }
        return cluster
    }

    /// Cancels the cluster's jobs, stops exactly its daemons and deletes its state folder.
    func stop(timeout: TimeInterval = 60) throws {
        let result = try runScript(try Self.controlScript(), "stop", timeout: timeout)
        guard result.status == 0 else {
            throw LocalSlurmError("`.ci/slurm-local stop` failed (status \(result.status)):\n\(result.stdout)\(result.stderr)")
        }
    }

    /// Whether process `pid` exists and has not exited. A zombie (exited, not
    /// yet reaped by init — daemons are init's children) counts as gone.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // The state letter follows the parenthesised command name.
        return stat[stat.index(after: close)...].first { $0 != " " } != "Z"
    }

    /// Stops clusters whose test process is gone (a crashed or killed test run).
    /// The script only signals daemons whose command line names that folder.
    private static func reapAbandonedClusters(script: URL) {
        let tmp = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where name.hasPrefix(stateFolderPrefix) {
            guard let owner = pid_t(name.dropFirst(stateFolderPrefix.count)),
                  owner != getpid(), !isAlive(owner) else { continue }
            let stale = LocalSlurm(stateDirectory: tmp.appendingPathComponent(name))
            _ = try? stale.runScript(script, "stop", timeout: 60)
        }
    }

    // MARK: - Jobs

    /// A submitted job array.
    struct ArrayJob {
        /// Slurm's job id of the array (`%A`).
        var id: String
        /// Number of tasks, with ids 0..<tasks.
        var tasks: Int
        /// Where task `k` writes its stdout and stderr.
        var outputDirectory: URL
        func outputFile(task: Int) -> URL {
            outputDirectory.appendingPathComponent("slurm-\(id)_\(task).out")
        }
    }

    /// How one array task ended, from `scontrol show job`.
    struct TaskResult: Equatable {
        var taskID: Int
        var state: String      // COMPLETED, FAILED, CANCELLED, TIMEOUT, …
        var exitCode: String   // "status:signal", "0:0" on success
    }

    /// Submits `script` (the text of a batch script, starting with `#!`) as an
    /// array of `tasks` tasks (ids 0…tasks−1) running in `workingDirectory`.
    /// The script is written there as `array-job.sh`; task k's output goes to
    /// `slurm-<job>_<k>.out` in the same folder.
    func submitArray(script: String, tasks: Int, workingDirectory: URL,
                     environment: [String: String] = [:]) throws -> ArrayJob {
        let file = workingDirectory.appendingPathComponent("array-job.sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        return try submitArray(scriptFile: file, tasks: tasks, workingDirectory: workingDirectory,
                               environment: environment)
    }

    /// Submits the batch script at `scriptFile` (e.g. a shipped `.sbatch`) as an
    /// array of `tasks` tasks with `arguments` after the script path.
    /// `environment` is added to the submitter's environment, which sbatch
    /// exports to every task (`--export=ALL`). `--array`, `--chdir` and
    /// `--output` on the command line win over `#SBATCH` lines in the script.
    func submitArray(scriptFile: URL, arguments: [String] = [], tasks: Int, workingDirectory: URL,
                     environment: [String: String] = [:]) throws -> ArrayJob {
        guard tasks >= 1 else { throw LocalSlurmError("a job array needs at least 1 task, got \(tasks)") }
        let result = try client("sbatch", [
            "--parsable", "--array=0-\(tasks - 1)", "--job-name=distill-lab-test",
            "--chdir=\(workingDirectory.path)",
            "--output=\(workingDirectory.path)/slurm-%A_%a.out",
            "--export=ALL", scriptFile.path,
        ] + arguments, environment: environment)
        // --parsable prints "jobid" or "jobid;cluster".
        let id = result.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw LocalSlurmError("sbatch failed (status \(result.status)): \(result.stdout)\(result.stderr)")
        }
        return ArrayJob(id: id, tasks: tasks, outputDirectory: workingDirectory)
    }

    /// Waits until no task of `job` is pending or running (polling `squeue`),
    /// then reads every task's final state and exit code (`scontrol show job`).
    /// Throws — with the failing tasks' output — unless exactly the tasks
    /// 0..<job.tasks ran once each and all COMPLETED with exit code 0:0. On
    /// timeout, cancels the job and throws with the queue's state.
    @discardableResult
    func waitForJob(_ job: ArrayJob, timeout: TimeInterval) throws -> [TaskResult] {
        let deadline = Date().addingTimeInterval(timeout)
        var lastQueue = ""
        while true {
            let queue = try client("squeue", ["-h", "-r", "-j", job.id, "-o", "%i %T %r"])
            // A job that aged out of the controller is "Invalid job id": it is gone too.
            lastQueue = queue.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if queue.status == 0 && lastQueue.isEmpty { break }
            if queue.status != 0 && !queue.stderr.contains("Invalid job id") {
                throw LocalSlurmError("squeue failed (status \(queue.status)): \(queue.stderr)")
            }
            if queue.status != 0 { break }
            if Date() >= deadline {
                _ = try? client("scancel", [job.id])
                throw LocalSlurmError("job \(job.id) not finished after \(Int(timeout)) s; still queued:\n\(lastQueue)\n\(diagnostics(job))")
            }
            Thread.sleep(forTimeInterval: 0.25)
        }

        let show = try client("scontrol", ["-o", "show", "job", job.id])
        guard show.status == 0 else {
            throw LocalSlurmError("scontrol show job \(job.id) failed: \(show.stderr) (finished jobs are kept for MinJobAge=300 s)")
        }
        var results: [TaskResult] = []
        for line in show.stdout.split(separator: "\n") {
            let fields = Self.keyValues(String(line))
            guard let task = fields["ArrayTaskId"].flatMap({ Int($0) }) else {
                throw LocalSlurmError("job \(job.id) has a record without a single ArrayTaskId: \(line)")
            }
            results.append(TaskResult(taskID: task, state: fields["JobState"] ?? "?",
                                      exitCode: fields["ExitCode"] ?? "?"))
        }
        results.sort { $0.taskID < $1.taskID }

        let ids = results.map(\.taskID)
        guard ids == Array(0..<job.tasks) else {
            throw LocalSlurmError("job \(job.id) should have tasks 0..<\(job.tasks) once each, has \(ids)\n\(diagnostics(job))")
        }
        let failed = results.filter { $0.state != "COMPLETED" || $0.exitCode != "0:0" }
        guard failed.isEmpty else {
            let detail = failed.map { "task \($0.taskID): \($0.state), exit \($0.exitCode)\n\(tail(job.outputFile(task: $0.taskID)))" }
            throw LocalSlurmError("job \(job.id): \(failed.count) of \(job.tasks) tasks failed\n" + detail.joined(separator: "\n"))
        }
        return results
    }

    // MARK: - Running commands

    /// Runs a Slurm client command against this cluster only.
    @discardableResult
    func client(_ tool: String, _ arguments: [String], environment extra: [String: String] = [:],
                timeout: TimeInterval = 30) throws -> CommandResult {
        var env = extra
        env["SLURM_CONF"] = configFile.path
        return try Self.run(["/usr/bin/env", tool] + arguments, environment: env, timeout: timeout)
    }

    private func runScript(_ script: URL, _ command: String, timeout: TimeInterval) throws -> CommandResult {
        try Self.run(["/bin/bash", script.path, command],
                     environment: ["DISTILL_LAB_SLURM_DIR": stateDirectory.path], timeout: timeout)
    }

    /// Runs a command with a clean Slurm environment (inherited SLURM_*/SBATCH_*
    /// removed) and the system paths. Output goes to files, not pipes: daemons
    /// the command starts could otherwise hold a pipe open and hang the read.
    private static func run(_ argv: [String], environment extra: [String: String],
                            timeout: TimeInterval) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !["SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "SQUEUE_", "SINFO_", "SCONTROL_", "SACCT_"]
                .contains { key.hasPrefix($0) }
        }
        env["PATH"] = ([env["PATH"]].compactMap { $0 } + systemPaths).joined(separator: ":")
        for (k, v) in extra { env[k] = v }

        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("distill-lab-slurm-cmd-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw LocalSlurmError("\(argv.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    // MARK: - Helpers

    /// `Key=Value` fields of one `scontrol -o` line.
    static func keyValues(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for token in line.split(separator: " ") {
            guard let eq = token.firstIndex(of: "=") else { continue }
            fields[String(token[..<eq])] = String(token[token.index(after: eq)...])
        }
        return fields
    }

    private func tail(_ file: URL, lines: Int = 20) -> String {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return "  (no output file \(file.lastPathComponent))" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).map { "  | \($0)" }.joined(separator: "\n")
    }

    /// The job's record and the daemon log tails, for error messages.
    private func diagnostics(_ job: ArrayJob) -> String {
        var parts: [String] = []
        if let show = try? client("scontrol", ["show", "job", job.id]) { parts.append(show.stdout + show.stderr) }
        for log in ["slurmctld", "slurmd"] {
            parts.append("---- \(log).log ----\n" + tail(stateDirectory.appendingPathComponent("log/\(log).log")))
        }
        return parts.joined(separator: "\n")
    }
}

struct LocalSlurmError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
