import ArgumentParser
import Foundation
import DistillCore
import DistillLab
import DistillNN

extension DistillLabCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test a suspect model for a run's canary (keyed canary or periodic signal; any registered canary).",
            discussion: """
            Reads the evidence a defended run wrote for one canary (canary-<index>-<name>.json; the older \
            canary-log.json of a keyed canary works too) and a suspect model (.safetensors), and reports the \
            test statistic, its p-value and the verdict at --alpha.

            keyed-canary: the chance rate is the suspect's own. Of the N canaries where the suspect's top-1 \
            differs from the replaced answer, an innocent model hits the keyed label with probability exactly \
            1/(K-1), so p = P[Bin(N, 1/(K-1)) >= m]. No control models are needed; --controls only reports \
            their pooled agreement.
            periodic-signal: the periodogram peak at the secret frequency against the null fitted on the \
            run's controls (Student-t prediction bound on ln SNR); --controls refits that null on your own \
            innocent models (at least 3).

            Exit status: 0 = verified (and the --fail-if condition did not hold); 3 = the --fail-if \
            condition holds (copied: flagged at --alpha; innocent: not flagged); 1 = an error (bad or \
            missing file, mismatched model); 64 = bad command-line usage.
            """)

        @Option(name: [.customLong("log"), .customLong("evidence")],
                help: "The canary evidence file (canary-<index>-<name>.json, or canary-log.json, in a run directory).")
        var log: String
        @Option(help: "The suspect model (.safetensors).")
        var suspect: String
        @Option(parsing: .upToNextOption, help: "Innocent control models (.safetensors) to (re)fit the canary's null on.")
        var controls: [String] = []
        @Option(help: "Significance level of the verdict.")
        var alpha: Double = 0.01
        @Flag(help: "Print the verification as JSON.")
        var json = false
        @OptionGroup var common: CommonOptions
        @Option(name: .customLong("fail-if"), help: "Exit with status 3 when the verdict is this: copied | innocent.")
        var failIf: FailCondition?

        enum FailCondition: String, ExpressibleByArgument, CaseIterable { case copied, innocent }

        /// The exit status --fail-if asks for.
        static let conditionExitCode: Int32 = 3

        func validate() throws {
            guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
            guard controls.isEmpty || controls.count >= 2 else {
                throw ValidationError("--controls needs at least 2 models to bound the chance agreement, got \(controls.count)")
            }
        }

        /// Fails with one clear message when `path` is missing or a directory; `example` is
        /// the kind of file a run folder holds for this role (the fix names one).
        static func checkFile(_ path: String, role: String, example: String) throws {
            let shown = QuotedInput.quote(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandError("\(role) \(shown) does not exist; pass the path of the file (e.g. RUN/\(example))")
            }
            guard !isDirectory.boolValue else {
                throw CommandError("\(role) \(shown) is a directory; pass a file inside it (e.g. \(QuotedInput.bounded(path))/\(example))")
            }
        }

        func run() throws {
            // The run verified with its own thread count (default 1); sgemm's sums, and so a
            // periodic signal's statistic, move in the last bits with another.
            BLAS.threads = common.threads
            try Verify.checkFile(log, role: "canary evidence", example: "canary-log.json")
            try Verify.checkFile(suspect, role: "suspect model", example: "student-soft.safetensors")
            for c in controls { try Verify.checkFile(c, role: "control model", example: "student-reference.safetensors") }
            var evidence = try CanaryEvidenceFile.load(from: URL(fileURLWithPath: log))
            if !controls.isEmpty {
                evidence = try evidence.calibrated(on: controls.map { try MLP.load(from: URL(fileURLWithPath: $0)).model })
            }
            let model = try MLP.load(from: URL(fileURLWithPath: suspect)).model
            let v = try evidence.verify(model, alpha: alpha)
            if json {
                print(String(decoding: try JSONCoding.pretty(v), as: UTF8.self))
            } else {
                print("suspect: \(suspect)")
                print("\(evidence.method): \(evidence.explain(v))")
                print(String(format: "p-value: %.3g", v.pValue ?? 1))
                print("verdict at α = \(alpha): " + (v.flagged ? "COPIED (the suspect carries the teacher's \(evidence.method))" : "not shown to be copied"))
            }
            if let failIf, (failIf == .copied) == v.flagged { throw ExitCode(Verify.conditionExitCode) }
        }
    }
}
