import ArgumentParser
import Foundation
import DistillLab
import DistillNN

extension DistillLabCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test a suspect model for the teacher's keyed canaries (DAWN-style ownership proof).",
            discussion: """
            Reads the canary evidence a defended run wrote (canary-<index>-keyed-canary.json, or the older \
            canary-log.json: the marked queries, their canary labels and the replaced top-1 answers) and a \
            suspect model (.safetensors). The chance rate is the suspect's own: of the N canaries where the \
            suspect's top-1 differs from the replaced answer, an innocent model hits the keyed label with \
            probability exactly 1/(K-1), so p = P[Bin(N, 1/(K-1)) >= m]. No control models are needed; \
            --controls only reports their pooled agreement.

            Exit status: 0 = verified (and the --fail-if condition did not hold); 3 = the --fail-if \
            condition holds (copied: flagged at --alpha; innocent: not flagged); 1 = an error (bad or \
            missing file, mismatched model); 64 = bad command-line usage.
            """)

        @Option(name: [.customLong("log"), .customLong("evidence")],
                help: "The canary evidence file (canary-<index>-keyed-canary.json or canary-log.json in a run directory).")
        var log: String
        @Option(help: "The suspect model (.safetensors).")
        var suspect: String
        @Option(parsing: .upToNextOption, help: "Innocent control models (.safetensors) to calibrate p0 on (at least 2).")
        var controls: [String] = []
        @Option(help: "Significance level of the verdict.")
        var alpha: Double = 0.01
        @Flag(help: "Print the verification as JSON.")
        var json = false
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

        /// Fails with one clear message when `path` is missing or a directory.
        static func checkFile(_ path: String, role: String) throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandError("\(role) '\(path)' does not exist; pass the path of the file (e.g. RUN/canary-log.json)")
            }
            guard !isDirectory.boolValue else {
                throw CommandError("\(role) '\(path)' is a directory; pass a file inside it (e.g. \(path)/canary-log.json)")
            }
        }

        func run() throws {
            try Verify.checkFile(log, role: "canary evidence")
            try Verify.checkFile(suspect, role: "suspect model")
            for c in controls { try Verify.checkFile(c, role: "control model") }
            var canaryLog = try CanaryLog.load(from: URL(fileURLWithPath: log))
            if !controls.isEmpty {
                try canaryLog.calibrate(controls: controls.map { try MLP.load(from: URL(fileURLWithPath: $0)).model })
            }
            let model = try MLP.load(from: URL(fileURLWithPath: suspect)).model
            let v = try canaryLog.verify(model, alpha: alpha)
            if json {
                print(String(decoding: try JSONCoding.pretty(v), as: UTF8.self))
            } else {
                report(v, canaryLog)
            }
            if let failIf, (failIf == .copied) == v.flagged { throw ExitCode(Verify.conditionExitCode) }
        }

        func report(_ v: OwnershipVerification, _ canaryLog: CanaryLog) {
            print("suspect: \(suspect)")
            print("canaries reproduced: \(v.matches ?? 0) of \(v.trials ?? 0) where the suspect differs from the replaced answer" +
                  String(format: " (chance 1/%d = %.4g)", canaryLog.classCount - 1, 1 / Double(canaryLog.classCount - 1)))
            if let c = canaryLog.calibration {
                print(String(format: "controls (reported only): pooled agreement %d of %d over %d models", c.agreements, c.trials, c.controls))
            }
            print(String(format: "p-value: %.3g", v.pValue ?? 1))
            print("verdict at α = \(alpha): " + (v.flagged ? "COPIED (the suspect reproduces the teacher's keyed canaries)" : "not shown to be copied"))
        }
    }
}
