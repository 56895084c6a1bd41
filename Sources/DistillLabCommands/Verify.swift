import ArgumentParser
import Foundation
import DistillLab
import DistillNN

extension DistillLabCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test a suspect model for the teacher's keyed canaries (DAWN-style ownership proof).",
            discussion: """
            Reads the canary log a defended run wrote (canary-log.json, which holds the marked queries, \
            their canary labels and the chance agreement p0 bounded from control models) and a suspect \
            model (.safetensors), and reports how many canaries the suspect reproduces, the binomial-tail \
            p-value against p0 and the verdict at --alpha. Pass --controls to recalibrate p0 on your own \
            innocent models.
            """)

        @Option(help: "The canary log (canary-log.json in a run directory).")
        var log: String
        @Option(help: "The suspect model (.safetensors).")
        var suspect: String
        @Option(parsing: .upToNextOption, help: "Innocent control models (.safetensors) to calibrate p0 on (at least 2).")
        var controls: [String] = []
        @Option(help: "Significance level of the verdict.")
        var alpha: Double = 0.01
        @Flag(help: "Print the verification as JSON.")
        var json = false

        func validate() throws {
            guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
            guard controls.isEmpty || controls.count >= 2 else {
                throw ValidationError("--controls needs at least 2 models to bound the chance agreement, got \(controls.count)")
            }
        }

        func run() throws {
            var canaryLog = try CanaryLog.load(from: URL(fileURLWithPath: log))
            if !controls.isEmpty {
                try canaryLog.calibrate(controls: controls.map { try MLP.load(from: URL(fileURLWithPath: $0)).model })
            }
            guard canaryLog.calibration != nil else {
                throw CommandError("\(log) holds no calibration; pass --controls with at least 2 innocent models (e.g. trained on true labels)")
            }
            let model = try MLP.load(from: URL(fileURLWithPath: suspect)).model
            let v = try canaryLog.verify(model, alpha: alpha)
            if json {
                print(String(decoding: try JSONCoding.pretty(v), as: UTF8.self))
                return
            }
            print("suspect: \(suspect)")
            print("canaries reproduced: \(v.matches ?? 0) of \(v.trials ?? 0)" +
                  (canaryLog.calibration.map { String(format: " (chance agreement bounded at p0 = %.4g from %d controls)", $0.nullRate, $0.controls) } ?? ""))
            print(String(format: "p-value: %.3g", v.pValue ?? 1))
            print("verdict at α = \(alpha): " + (v.flagged ? "COPIED (the suspect reproduces the teacher's keyed canaries)" : "not shown to be copied"))
        }
    }
}
