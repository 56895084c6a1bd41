import ArgumentParser
import Foundation
import DistillLab
import DistillNN
import DistillData
import DistillConfig
import DistillCore

extension DistillLabCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a teacher, attack it through the oracle and distill students (the main job).",
            discussion: """
            With no options, runs the complete default experiment on the digits data shipped in Data/.
            `--dataset fashion-mnist` uses Debian's dataset-fashion-mnist package with the
            784-512-256-10 teacher, 784-64-10 students and a 20,000-query budget.
            A CSV's features are used as they are unless --feature-scale or --normalize rescales them; a run warns on standard error when they leave [0, 1] while the attack keeps its queries there (jacobian, ood:source=noise).
            `--teacher FILE` serves a teacher you trained (any MLP widths that fit the data, e.g. an
            earlier run's teacher.safetensors) instead of training one; settings.json records its
            SHA-256 and architecture.
            """)

        @OptionGroup var common: CommonOptions

        @Option(help: ArgumentHelp(
            "An experiment file (YAML; see Notebooks-as-scripts/experiments/). It replaces the recipe and --dataset, --seed, --threads and the CSV options; the other flags still apply on top.",
            valueName: "file.yaml"))
        var config: String?
        @Argument(help: ArgumentHelp("Overrides applied last, e.g. teacher.training.epochs=5 student.hidden=[64,32].",
                                     valueName: "key.path=value"))
        var overrides: [String] = []

        @Option(help: "digits, fashion-mnist, a folder of IDX files, or a .csv/.csv.gz file.")
        var dataset = "digits"
        @Option(help: "CSV only: name of the label column.")
        var labelColumn = "label"
        @Option(help: "CSV only: multiply every feature by this (one factor for all; --normalize scales each feature).")
        var featureScale: Float = 1
        @Option(help: ArgumentHelp(
            "Rescale each feature, fitted on the teacher's training split only and applied to every split (the oracle's inputs too): none (default), minmax (the teacher split's range to [0, 1]) or standardize (zero mean, unit variance). Features of very different scales (e.g. scikit-learn's breast cancer) need it. Also applies on top of --config (data.normalize).",
            valueName: "none|minmax|standardize"))
        var normalize: FeatureNormalization?
        @Option(help: "Seed for every random stream (splits, init, shuffles, attack).")
        var seed: UInt64 = 0

        @Option(name: .customLong("teacher"), help: ArgumentHelp(
            "Serve this trained MLP (safetensors, e.g. runs/RUN/teacher.safetensors) instead of training a teacher: its widths come from the file, which must take the data's features and give its classes. Same as teacher.file=FILE.",
            valueName: "file.safetensors"))
        var teacherFile: String?
        @Option(help: "Teacher hidden widths, comma-separated (default: the dataset's recipe).")
        var teacherHidden: String?
        @Option(help: "Student hidden widths, comma-separated.")
        var studentHidden: String?
        @Option(help: "Teacher training epochs.")
        var teacherEpochs: Int?
        @Option(help: "Student training epochs.")
        var studentEpochs: Int?
        @Option(help: "Mini-batch size for teacher and students.")
        var batchSize: Int?
        @Option(help: "Optimizer for teacher and students: sgd, adam, adamw.")
        var optimizer: OptimizerConfig.Kind?
        @Option(help: "Teacher learning rate.")
        var teacherLR: Float?
        @Option(help: "Student learning rate.")
        var studentLR: Float?
        @Option(help: "Weight decay (L2 for sgd/adam, decoupled for adamw).")
        var weightDecay: Float?
        @Option(help: "Learning-rate schedule: cosine, step, constant.")
        var schedule: ScheduleName?
        @Option(help: "Teacher model selection: best-validation or last.")
        var teacherSelection: ModelSelection?

        @Option(help: "Query budget: how many inputs the attacker may send to the oracle.")
        var budget: Int?
        @Option(help: "KD temperature for the soft-label student.")
        var temperature: Float?
        @Option(help: "KD weight of the soft term (1 − alpha weights the responses' argmax).")
        var alpha: Float?

        @Option(name: .customLong("defense"), help: ArgumentHelp(
            "A defense on the oracle's responses, e.g. rounding:decimals=2; repeat to compose in order (see `distill-lab defenses`).",
            valueName: "name[:key=value,…]"))
        var defenses: [String] = []
        @Option(name: .customLong("attack"), help: ArgumentHelp(
            "The attacker's query strategy: random, ood:source=noise, jacobian, active (see `distill-lab attacks`).",
            valueName: "name[:key=value,…]"))
        var attackStrategy: String?
        @Option(name: .customLong("counter"), help: ArgumentHelp(
            "An adaptive counter of the attacker: average-repeats:repeats=4, argmax, ensemble-filter; repeat to combine.",
            valueName: "name[:key=value,…]"))
        var counters: [String] = []
        @Flag(help: "Train the teacher with the nasty-teacher objective (a training-time defense).")
        var nastyTeacher = false
        @Flag(help: "Watch the oracle with the PRADA extraction detector at its defaults, and send benign clients' traffic through it (other parameters: evaluation.detector=prada:delta=0.95).")
        var detector = false
        @Flag(help: "With a defense, skip the undefended baseline attack (no defensive impact reported).")
        var noBaseline = false

        @OptionGroup var saving: RunOutputOptions

        enum ScheduleName: String, ExpressibleByArgument, CaseIterable { case cosine, step, constant }

        func validate() throws {
            for (name, v) in [("--teacher-epochs", teacherEpochs), ("--student-epochs", studentEpochs),
                              ("--batch-size", batchSize), ("--budget", budget)] {
                if let v, v <= 0 { throw ValidationError("\(name) must be positive, got \(v)") }
            }
            // Checked here so the flag is named, not the override that happens to be applied first.
            guard featureScale.isFinite, featureScale != 0 else {
                throw ValidationError("--feature-scale must be a finite, non-zero number, got \(featureScale)")
            }
            if let t = temperature, !(t > 0) { throw ValidationError("--temperature must be positive, got \(t)") }
            if let a = alpha, !(a >= 0 && a <= 1) { throw ValidationError("--alpha must be in [0, 1], got \(a)") }
            for (name, v) in [("--teacher-lr", teacherLR), ("--student-lr", studentLR)] {
                if let v, !(v > 0) { throw ValidationError("\(name) must be positive, got \(v)") }
            }
            for d in defenses {
                do { _ = try ComponentRegistry.shared.defense(DefenseSpec(parsing: d)) } catch let e as ComponentError {
                    throw ValidationError("--defense \(QuotedInput.bounded(d)): \(e)")
                } catch let e as SpecSyntaxError { throw ValidationError("--defense: \(e)") }
            }
            do { _ = try Attack(parsing: attackStrategy ?? "random", counters: counters) } catch let e as AttackError {
                throw ValidationError("\(e)")
            } catch let e as ComponentError { throw ValidationError("\(e)") }
            for (flag, key, text) in [("--teacher-hidden", "teacher.hidden", teacherHidden), ("--student-hidden", "student.hidden", studentHidden)] {
                guard let widths = try parseWidths(text, flag) else { continue }
                // Checked here so the flag is named (the settings check later says only "settings: teacher.hidden …").
                do { try ExperimentSettings.checkModelSize(hidden: widths, key: "\(key) (\(flag))") } catch { throw ValidationError("\(error)") }
            }
            try checkTeacherFileFlags()
        }

        /// Flags that would be ignored next to `--teacher` are refused: a loaded teacher's
        /// widths come from its file, and its recipe trains only a nasty teacher.
        func checkTeacherFileFlags() throws {
            guard teacherFile != nil else { return }
            if teacherHidden != nil {
                throw ValidationError("--teacher-hidden cannot be combined with --teacher: the teacher's widths come from its file; drop --teacher-hidden")
            }
            guard !nastyTeacher else { return }
            let recipe = [("--teacher-epochs", teacherEpochs != nil), ("--teacher-lr", teacherLR != nil), ("--teacher-selection", teacherSelection != nil)]
            for (flag, given) in recipe where given {
                throw ValidationError("\(flag) has no effect with --teacher: a loaded teacher is not trained (the teacher recipe trains only a --nasty-teacher); drop \(flag)")
            }
        }

        func parseWidths(_ text: String?, _ name: String) throws -> [Int]? {
            guard let text else { return nil }
            if text.isEmpty { return [] }
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("\(name) takes positive comma-separated widths like 512,256; got \(QuotedInput.quote(text))")
            }
            return parts.map { $0! }
        }

        /// The dataset's recipe with the command line's overrides.
        func resolvedSettings() throws -> ExperimentSettings {
            var s: ExperimentSettings
            if let config {
                s = try ExperimentFile.load(config)
            } else {
                s = ExperimentSettings.defaults(for: dataset)
                s.data.source = dataset
                s.data.labelColumn = labelColumn
                s.data.featureScale = featureScale
                s.seed = seed
                s.threads = common.threads
            }
            if let f = teacherFile { s.teacher.file = f }
            if let w = try parseWidths(teacherHidden, "--teacher-hidden") { s.teacher.hidden = w }
            if let w = try parseWidths(studentHidden, "--student-hidden") { s.student.hidden = w }
            if let e = teacherEpochs { s.teacher.training.epochs = e }
            if let e = studentEpochs { s.student.training.epochs = e }
            if let b = batchSize { s.teacher.training.batchSize = b; s.student.training.batchSize = b }
            if let o = optimizer { s.teacher.training.optimizer.kind = o; s.student.training.optimizer.kind = o
                if o != .sgd { s.teacher.training.optimizer.nesterov = false; s.student.training.optimizer.nesterov = false }
            }
            if let lr = teacherLR { s.teacher.training.optimizer.learningRate = lr }
            if let lr = studentLR { s.student.training.optimizer.learningRate = lr }
            if let wd = weightDecay { s.teacher.training.optimizer.weightDecay = wd; s.student.training.optimizer.weightDecay = wd }
            if let sc = schedule {
                let value: LearningRateSchedule
                switch sc {
                case .cosine: value = .cosine(minFactor: 0)
                case .step: value = .step(everyEpochs: max(1, s.teacher.training.epochs / 3), gamma: 0.1)
                case .constant: value = .constant
                }
                s.teacher.training.schedule = value
                s.student.training.schedule = sc == .step ? .step(everyEpochs: max(1, s.student.training.epochs / 3), gamma: 0.1) : value
            }
            if let sel = teacherSelection { s.teacher.training.selection = sel }
            if let n = normalize { s.data.normalize = n }
            if let b = budget { s.attack.budget = b }
            if let t = temperature { s.student.temperature = t }
            if let a = alpha { s.student.alpha = a }
            if !defenses.isEmpty { s.defense.responses = try defenses.map { try DefenseSpec(parsing: $0) } }
            if nastyTeacher { s.defense.nastyTeacher = NastyTeacherSettings() }
            if let a = attackStrategy { s.attack.strategy = try AttackSpec(parsing: a) }
            if !counters.isEmpty { s.attack.counters = try counters.map { try AttackSpec(parsing: $0) } }
            if noBaseline { s.evaluation.undefendedBaseline = false }
            if detector && s.evaluation.detector == nil { s.evaluation.detector = ComponentSpec(name: "prada") }
            s = try ExperimentFile.apply(overrides, to: s)
            try s.validate()
            return s
        }

        func run() throws {
            let settings: ExperimentSettings
            do { settings = try resolvedSettings() } catch let e as ExperimentError { throw CommandError(e.description) } catch let e as ConfigError { throw CommandError(e.description) }
            var directory: RunDirectory?
            if !saving.noSave {
                let data = URL(fileURLWithPath: settings.data.source).lastPathComponent.replacingOccurrences(of: ".csv.gz", with: "")
                    .replacingOccurrences(of: ".csv", with: "")
                directory = try RunDirectory.create(under: URL(fileURLWithPath: saving.output), name: saving.runName(prefix: data, seed: settings.seed),
                                                    renderSettings: ExperimentFile.yaml(for:))
            }
            let progress = ProgressPrinter(enabled: !common.quiet, live: standardErrorIsTerminal)
            let result: ExperimentResult
            do {
                result = try Experiment(settings: settings).run(directory: directory, onEvent: progress.handle)
            } catch {
                progress.finish()
                // Leave no half-written run behind that looks like a result; keep its log for diagnosis.
                if let dir = directory { printError("run directory (incomplete, no results.json): \(dir.url.path)") }
                throw error
            }
            progress.finish()
            if saving.json {
                print(String(decoding: try JSONCoding.pretty(result), as: UTF8.self))
            } else {
                print(ResultTable.render(result, runDirectory: directory?.url.path))
            }
        }
    }
}

extension OptimizerConfig.Kind: ExpressibleByArgument {}
extension ModelSelection: ExpressibleByArgument {}
extension FeatureNormalization: ExpressibleByArgument {}
