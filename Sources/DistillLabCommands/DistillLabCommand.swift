import ArgumentParser
import Foundation
import DistillLab

/// The `distill-lab` command. A plug-in's executable registers its components
/// with `ComponentRegistry.shared` and then calls `DistillLabCommand.main()`.
public struct DistillLabCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "distill-lab",
        abstract: "Measure what distillation defenses cost a thief and honest users.",
        version: DistillLabVersion.current,
        subcommands: [Train.self, Sweep.self, Collect.self, ReportCommand.self, Verify.self, Defenses.self, Attacks.self, Bench.self, Serve.self, TextCommand.self],
        defaultSubcommand: Train.self
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "OpenBLAS threads (results are bit-identical for the same seed and thread count).")
    var threads: Int = 1

    @Flag(name: .shortAndLong, help: "No progress output; only results and errors.")
    var quiet = false

    func validate() throws {
        guard threads >= 1 && threads <= 256 else {
            throw ValidationError("--threads must be between 1 and 256, got \(threads)")
        }
    }
}

/// Where a run's folder goes and how its results print (`train` and `text train`).
struct RunOutputOptions: ParsableArguments {
    @Option(help: "Folder that receives run directories.")
    var output = "runs"
    @Option(help: "Run directory name (default: the data, the seed and the UTC time); an existing name gets a -2 suffix.")
    var runName: String?
    @Flag(help: "Do not write a run directory.")
    var noSave = false
    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    /// `prefix-seedN-yyyyMMdd-HHmmss` (UTC), unless `--run-name` was given.
    func runName(prefix: String, seed: UInt64, now: Date = Date()) -> String {
        if let runName { return runName }
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "\(prefix)-seed\(seed)-\(f.string(from: now))"
    }
}

/// Writes to standard error.
func printError(_ text: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}

/// Whether standard error is a terminal (live progress) or a pipe/file (quiet per-epoch output).
let standardErrorIsTerminal = isatty(STDERR_FILENO) == 1

/// A failure found while running a command (not a usage mistake): printed as
/// one `Error: …` line, exit status 1, without the usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension DistillLabCommand {
    /// What the `distill-lab` executable does: picks the BLAS kernels, then
    /// parses the command line and runs. A plug-in calls it after registering.
    public static func launch() {
        BLASKernelSelection.reexecWithBestKernelsIfNeeded()
        main()
    }
}
