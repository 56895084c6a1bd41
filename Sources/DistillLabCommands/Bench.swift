import ArgumentParser
import Foundation
import DistillLab
import DistillCore
import DistillData
import DistillNN
import DistillText
import DistillTextLab

extension DistillLabCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time sgemm at the training shapes and training epochs against their sgemm-only floor.",
            discussion: """
            Uses Fashion-MNIST's 60,000 training images: the teacher 784-512-256-10 and a distilled \
            784-64-10 student (teacher outputs computed once), batch 128, with the default recipe's SGD (Nesterov, weight decay 5e-4).
            """)

        @OptionGroup var common: CommonOptions
        @Option(help: "Timed epochs per model (after one warm-up epoch).")
        var epochs = 3
        @Option(help: "Dataset to time on (fashion-mnist, or any source `train` accepts).")
        var dataset = "fashion-mnist"
        @Flag(help: "Print the measurements as JSON.")
        var json = false
        @Flag(help: "Time the text teacher instead: a training step of the default teacher's shape against its sgemm-only floor, and generation with and without the KV cache.")
        var text = false
        @Option(help: "With --text: the batch × sequence length of the timed step (default: the teacher's batch and context).")
        var sequence: Int?
        @Option(help: "With --text: a Python with PyTorch to run ../shared/bench/torch_tiny_gpt.py beside the bench at the same thread count (skipped when empty).")
        var torchPython = ""
        @Option(help: "With --text: the PyTorch bench script.")
        var torchScript = "../shared/bench/torch_tiny_gpt.py"

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        }

        struct Report: Codable {
            var blasCore: String
            var threads: Int
            var cpu: String
            var kernelMaxRelativeError: Double
            var gemm: [Benchmark.GemmRate]
            var epochs: [Benchmark.EpochTiming]
        }

        struct TextReport: Codable {
            var blasCore: String
            var threads: Int
            var step: TextBenchmark.StepTiming
            var generation: TextBenchmark.GenerationTiming
            var torchTokensPerSecond: Double?
            var torchTokensPerCPUSecond: Double?
            var torch: String?
        }

        func runText() throws {
            func say(_ s: String) { if !common.quiet && !json { print(s) } }
            let teacher = TextTeacherSettings.standard
            let T = sequence ?? teacher.model.context, B = teacher.batchSize
            say("distill-lab bench --text: OpenBLAS \(BLAS.coreName) kernels, \(common.threads) thread\(common.threads == 1 ? "" : "s")")
            let step = try TextBenchmark.trainingStep(config: teacher.model, batch: B, sequence: T)
            say("training step \(teacher.model), batch \(B)×\(T):")
            say(String(format: "  step %.1f ms median (%.1f best) = %.0f tok/s; sgemm-only floor %.1f ms = %.0f tok/s; step ÷ floor %.2f×",
                       step.medianSeconds * 1e3, step.bestSeconds * 1e3, step.tokensPerSecond, step.sgemmFloorSeconds * 1e3,
                       step.floorTokensPerSecond, step.overFloor))
            say(String(format: "  CPU time: step %.1f ms = %.0f tok/CPU-s; floor %.1f ms; step ÷ floor %.2f× (CPU time does not count other processes' turns on the core)",
                       step.cpuSecondsPerStep * 1e3, step.tokensPerCPUSecond, step.floorCPUSeconds * 1e3, step.cpuOverFloor))
            let gen = try TextBenchmark.generation(config: teacher.model)
            say(String(format: "generation (greedy, %d prompt + %d new tokens): KV cache %.0f tok/s, no cache %.0f tok/s (%.1f×)",
                       gen.promptTokens, gen.generatedTokens, gen.kvCacheTokensPerSecond, gen.noCacheTokensPerSecond,
                       gen.kvCacheTokensPerSecond / gen.noCacheTokensPerSecond))
            var torchRate: Double? = nil, torchCPURate: Double? = nil, torchLine: String? = nil
            if !torchPython.isEmpty {
                let c = teacher.model
                /// Runs the PyTorch bench for `steps` timed steps; returns its JSON and the CPU seconds it used.
                func torch(_ steps: Int) throws -> ([String: Any]?, String, Double) {
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: torchPython)
                    p.arguments = [torchScript, "--threads", "\(common.threads)", "--vocab", "\(c.vocabularySize)", "--context", "\(T)",
                                   "--d-model", "\(c.channels)", "--heads", "\(c.heads)", "--layers", "\(c.layers)", "--batch", "\(B)",
                                   "--steps", "\(steps)"]
                    let pipe = Pipe()
                    p.standardOutput = pipe
                    let c0 = TextBenchmark.cpuSeconds(children: true)
                    try p.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    let line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line, TextBenchmark.cpuSeconds(children: true) - c0)
                }
                let (short, _, cpuShort) = try torch(4)
                let (obj, line, cpuLong) = try torch(14)
                torchLine = line
                if let obj, let r = obj["tokens_per_second"] as? Double, short != nil {
                    torchRate = r
                    // Ten more steps' CPU time (imports, model build and warm-up cancel out).
                    let cpuPerStep = (cpuLong - cpuShort) / 10
                    torchCPURate = Double(B * T) / cpuPerStep
                    say(String(format: "PyTorch (%@, same shape, %d thread%@): %.0f tok/s wall, %.0f tok/CPU-s; distill-lab ÷ PyTorch %.2f× wall, %.2f× CPU",
                               (obj["framework"] as? String ?? "torch") as NSString, common.threads, common.threads == 1 ? "" : "s",
                               r, torchCPURate!, step.tokensPerSecond / r, step.tokensPerCPUSecond / torchCPURate!))
                } else {
                    say("PyTorch bench gave no JSON: \(line.prefix(200))")
                }
            }
            if json {
                let r = TextReport(blasCore: BLAS.coreName, threads: common.threads, step: step, generation: gen, torchTokensPerSecond: torchRate,
                                    torchTokensPerCPUSecond: torchCPURate, torch: torchLine)
                print(String(decoding: try JSONCoding.pretty(r), as: UTF8.self))
            }
        }

        func run() throws {
            BLAS.threads = common.threads
            if text { return try runText() }
            let env = RunEnvironment.current(threads: common.threads)
            let check = Benchmark.kernelSelfCheck()
            guard check < 1e-4 else {
                throw ValidationError("the loaded OpenBLAS kernels (\(BLAS.coreName)) disagree with a naive product (relative error \(check)); rerun with OPENBLAS_CORETYPE=Haswell")
            }
            func say(_ s: String) { if !common.quiet && !json { print(s) } }
            say("distill-lab bench: OpenBLAS \(BLAS.coreName) kernels, \(common.threads) thread\(common.threads == 1 ? "" : "s"), \(env.hostCPU)")
            say("kernel self-check: max relative error \(String(format: "%.1e", check)) vs naive")
            let shapes: [(String, Int, Int, Int, BLAS.Transpose, BLAS.Transpose)] = [
                ("teacher forward L1", 128, 512, 784, .none, .none),
                ("teacher weight grad L1", 784, 512, 128, .transpose, .none),
                ("teacher forward L2", 128, 256, 512, .none, .none),
                ("teacher forward L3", 128, 10, 256, .none, .none),
                ("student forward L1", 128, 64, 784, .none, .none),
            ]
            var rates: [Benchmark.GemmRate] = []
            say("\nsgemm (row-major, W stored [in × out])")
            say("  product                    m×n×k          op   GFLOP/s")
            for (label, m, n, k, ta, tb) in shapes {
                let r = Benchmark.gemmRate(label: label, m: m, n: n, k: k, ta, tb)
                rates.append(r)
                say("  " + label.padding(toLength: 25, withPad: " ", startingAt: 0) + "  " +
                    "\(m)×\(n)×\(k)".padding(toLength: 13, withPad: " ", startingAt: 0) + "  \(r.op)   " + String(format: "%7.1f", r.gflops))
            }

            let source = try DataSource(parsing: dataset)
            let (train, _) = try source.load()
            let d = train.featureCount, k = train.classCount
            var timings: [Benchmark.EpochTiming] = []
            say("\ntraining epochs on \(source.name) (\(train.count) examples, batch 128; best of \(epochs) after a warm-up epoch)")
            let recipe = ExperimentSettings.defaults(for: "fashion-mnist")  // time the optimizer users actually run
            let teacherSizes = [d, 512, 256, k]
            let teacher = try Benchmark.trainingEpochs(model: "teacher " + teacherSizes.map(String.init).joined(separator: "-"),
                                                       sizes: teacherSizes, data: TrainingSet(features: train.features, labels: train.labels),
                                                       objective: .crossEntropy, optimizer: recipe.teacher.training.optimizer,
                                                       batchSize: 128, epochs: epochs)
            timings.append(teacher)
            // Student: KD on teacher probabilities computed once (the teacher's own random-init outputs suffice for timing).
            var initRNG = RandomStream(seed: 0, purpose: .teacherInit)
            let soft = MLP(sizes: teacherSizes, rng: &initRNG).probabilities(train.features)
            let studentSizes = [d, 64, k]
            let student = try Benchmark.trainingEpochs(model: "student " + studentSizes.map(String.init).joined(separator: "-") + " (KD)",
                                                       sizes: studentSizes,
                                                       data: TrainingSet(features: train.features, labels: soft.argmaxRows(), softTargets: soft),
                                                       objective: .distillation(temperature: 4, alpha: 1),
                                                       optimizer: recipe.student.training.optimizer, batchSize: 128, epochs: epochs)
            timings.append(student)
            say("  model                           epoch s (best / median)   GFLOP/s   sgemm floor s   epoch ÷ floor")
            for t in timings {
                say("  " + t.model.padding(toLength: 30, withPad: " ", startingAt: 0) +
                    String(format: "  %7.3f / %7.3f        %7.1f      %7.3f          %5.2f×", t.bestSeconds, t.medianSeconds, t.gflops, t.sgemmFloorSeconds, t.overFloor))
            }
            if json {
                let report = Report(blasCore: BLAS.coreName, threads: common.threads, cpu: env.hostCPU,
                                    kernelMaxRelativeError: check, gemm: rates, epochs: timings)
                print(String(decoding: try JSONCoding.pretty(report), as: UTF8.self))
            }
        }
    }
}
