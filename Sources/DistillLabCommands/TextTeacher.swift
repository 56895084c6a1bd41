import ArgumentParser
import DistillCore
import DistillLab
import DistillTasks
import DistillText
import DistillTextLab
import Foundation

extension DistillLabCommand {
    /// Trains (or loads from the cache) the text teacher and grades it per suite: the measurement
    /// behind the default and full recipes.
    struct TextTeacherCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "teacher",
            abstract: "Train or load the text teacher (cached) and report its exact match per suite.")

        @OptionGroup var common: CommonOptions
        @Option(help: "default or full (the notebook's longer recipe).")
        var recipe = "default"
        @Option(help: "Override the recipe's training steps.")
        var steps: Int?
        @Option(help: "Override the train examples per suite.")
        var trainExamples: Int?
        @Option(help: "Override the batch size.")
        var batchSize: Int?
        @Option(help: "Override the peak learning rate.")
        var learningRate: Float?
        @Option(help: "Override the shape: context,channels,heads,layers.")
        var shape: String?
        @Option(help: ArgumentHelp("Override the answer format: \(TextAnswerFormat.allCases.map(\.rawValue).joined(separator: ", ")).",
                                   valueName: "format"))
        var answerFormat: String?
        @Option(help: "mixed (every batch mixes the suites: the default recipe) or per-suite (each batch from one suite).")
        var batches: String?
        @Option(help: "Override packing: true (each row holds as many whole examples as fit) or false (one example per row).")
        var pack: Bool?
        @Option(help: "Override every suite's difficulty (1...5).")
        var difficulty: Int?
        @Option(help: "Test examples graded per suite.")
        var testExamples = 200
        @Option(help: "Teacher cache folder.")
        var cache = "runs/_cache"
        @Flag(help: "Always train; write nothing.")
        var noCache = false
        @Flag(help: "Also measure bits per byte on the Shakespeare test chunks.")
        var perplexity = false
        @Option(help: "Evaluate 50 test examples per suite every N training steps (0 = never).")
        var evalEvery = 0
        @Option(help: "Print the first N test prompts' greedy answers per suite (to read what the teacher does).")
        var show = 0
        @Option(help: "Print the first N training sequences per suite as the teacher sees them (with --json: one JSON line each, tokens and loss mask), then stop.")
        var printData = 0
        @Option(help: "Evaluate this saved model (safetensors) instead of training or loading the cached teacher.")
        var load: String?
        @Flag(help: "Print the record and evaluation as JSON.")
        var json = false

        func settings() throws -> TextTeacherSettings {
            var s: TextTeacherSettings
            switch recipe {
            case "default": s = .standard
            case "full": s = .full
            default: throw ValidationError("--recipe must be default or full, got \(recipe)")
            }
            if let steps { s.steps = steps; s.optimizer.totalSteps = steps }
            if let batchSize { s.batchSize = batchSize }
            if let learningRate { s.optimizer.learningRate = learningRate; s.optimizer.minLearningRate = learningRate / 10 }
            if let trainExamples { s.suites = s.suites.map { var x = $0; x.trainExamples = trainExamples; return x } }
            switch batches {
            case nil: break
            case "mixed": s.mixedBatches = true
            case "per-suite": s.mixedBatches = nil  // absent, as in settings written before the option
            default: throw ValidationError("--batches must be mixed or per-suite, got \(batches!)")
            }
            if let pack { s.packedBatches = pack ? true : nil }
            s.suites = s.suites.map { var x = $0; x.testExamples = testExamples; x.difficulty = difficulty ?? x.difficulty; return x }
            if let answerFormat {
                guard let f = TextAnswerFormat(rawValue: answerFormat) else { throw ValidationError("--answer-format must be one of \(TextAnswerFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(answerFormat)") }
                s.answerFormat = f
            }
            if let shape {
                let v = shape.split(separator: ",").compactMap { Int($0) }
                guard v.count == 4 else { throw ValidationError("--shape is context,channels,heads,layers, e.g. 256,128,4,4") }
                s.model = try GPTConfig(context: v[0], channels: v[1], heads: v[2], layers: v[3])
            }
            return s
        }

        struct Output: Codable { var record: TextTeacherRecord?; var evaluation: TextEvaluation }

        func run() throws {
            BLAS.threads = common.threads
            let s = try settings()
            let talk = !common.quiet && !json
            if talk { printError("text teacher: \(s.model), \(s.steps) steps × \(s.batchSize), lr \(s.optimizer.learningRate), format \(s.answerFormat.rawValue), \(common.threads) thread(s)") }
            if printData > 0 {
                for sub in s.suites {
                    for ex in try sub.suite().examples(split: .train, count: printData, seed: s.seed) {
                        let r = try TextTaskData.trainingExample(ex, format: s.answerFormat)
                        if json {
                            struct Line: Codable { var suite: String; var tokens: [Int32]; var lossMask: [Float] }
                            print(String(decoding: try JSONCoding.compact(Line(suite: sub.name, tokens: r.tokens, lossMask: r.lossMask ?? [])), as: UTF8.self))
                            continue
                        }
                        let text = String(decoding: r.tokens.map { UInt8($0) }, as: UTF8.self)
                        print("[\(sub.name)] " + text.map { c -> String in
                            guard let a = c.asciiValue, a < 0x20, a != 0x0A else { return String(c) }
                            return ["\u{11}": "<system>", "\u{12}": "<user>", "\u{13}": "<assistant>", "\u{14}": "<tool>", "\u{1E}": "<end>"][String(c)] ?? "?"
                        }.joined() + " (\(r.tokens.count) tokens)")
                    }
                }
                return
            }
            if let load {
                let model: GPT
                do { model = try GPT.load(from: URL(fileURLWithPath: load)) } catch {
                    throw CommandError("cannot load --load '\(load)' as a GPT: \(error)")
                }
                try report(model, s, nil)
                return
            }
            let progress = TextProgressPrinter(enabled: talk, live: standardErrorIsTerminal)
            defer { progress.finish() }
            let (model, record) = try TextTeacherCache.teacher(
                for: s, cacheDirectory: noCache ? nil : URL(fileURLWithPath: cache),
                progress: { progress.handle(.training(model: "teacher", $0)) },
                notice: { progress.handle(.notice("warning: " + $0)) },
                checkpoint: evalEvery > 0 ? TextCheckpoint(every: evalEvery) { step, m in
                    let few = s.suites.map { var x = $0; x.testExamples = min(50, x.testExamples); return x }
                    let e = try TextEvaluation.evaluate(m, suites: few, seed: s.seed)
                    progress.finish()
                    printError("  eval @\(step): " + e.suites.map { String(format: "%@ %.2f", $0.suite as NSString, $0.accuracy) }.joined(separator: ", "))
                } : nil)
            progress.finish()
            if talk {
                let t = record.training
                printError("teacher \(record.source == .cached ? "loaded from cache" : "trained"): \(String(format: "%.1f s, %.0f tok/s, loss %.4f → %.4f", t.seconds, t.tokensPerSecond, t.firstLoss, t.finalLoss)) (key \(record.key.prefix(12)))")
            }
            try report(model, s, record)
        }

        func report(_ model: GPT, _ s: TextTeacherSettings, _ record: TextTeacherRecord?) throws {
            for sub in s.suites where show > 0 {
                let suite = try sub.suite()
                for ex in suite.examples(split: .test, count: show, seed: s.seed) {
                    let a = try TextEvaluation.answer(model, messages: ex.messages, suite: suite, maxTokens: 160) ?? "(prompt too long)"
                    print("[\(sub.name)] \(ex.messages.last!.content.replacingOccurrences(of: "\n", with: " / "))\n  model: \(a.replacingOccurrences(of: "\n", with: " / "))\n  ref:   \(ex.reference.replacingOccurrences(of: "\n", with: " / "))  \(suite.grade(response: a, example: ex) ? "OK" : "WRONG")")
                }
            }
            let corpus = perplexity ? try TextCorpus.shakespeare() : nil
            let eval = try TextEvaluation.evaluate(model, suites: s.suites, seed: s.seed, corpus: corpus)
            if json {
                print(String(decoding: try JSONCoding.pretty(Output(record: record, evaluation: eval)), as: UTF8.self))
                return
            }
            for e in eval.suites {
                print(String(format: "%-10@ test exact match %.4f (%d/%d)", e.suite as NSString, e.accuracy, e.correct.filter { $0 }.count, e.correct.count))
            }
            if let b = eval.bitsPerByte { print(String(format: "Shakespeare test: %.3f bits/byte", b)) }
            if let record {
                print(String(format: "training %.1f s (%.0f tok/s at %d thread(s)); evaluation %.1f s", record.training.seconds, record.training.tokensPerSecond, record.blasThreads, eval.seconds))
            }
        }
    }
}
