import Foundation
import DistillCore
import DistillNN
import DistillData

/// Progress of a running experiment, for terminals and logs.
public enum ExperimentEvent {
    case stage(String)
    /// An epoch of `model` ("teacher", "student-soft", …) finished.
    case epoch(model: String, metrics: EpochMetrics, totalEpochs: Int)
    case modelDone(ModelResult)
    /// A setting that probably spoils the run, with the fix (also in results.json's `warnings`).
    case warning(String)
}

/// The experiment: train a teacher on its private split, serve it through an
/// `Oracle` with the configured defenses, let the attacker spend its query
/// budget, and distill students from the responses (soft-label KD and
/// label-only), with an honest-label reference student beside them. With a
/// defense, the same attack also runs against the undefended teacher (same
/// budget, architecture and seed) so the drop is measured, and honest users'
/// cost is measured on the test inputs. Everything is evaluated on the test
/// split, which no model trains or selects on.
public struct Experiment {
    public var settings: ExperimentSettings

    public init(settings: ExperimentSettings) { self.settings = settings }

    /// Runs the experiment; if `directory` is given, writes settings, per-epoch
    /// metrics, results and checkpoints there.
    /// - Throws: `ExperimentError`, `DefenseError`, `DatasetError`, `TrainingError`, I/O errors.
    public func run(directory: RunDirectory? = nil,
                    onEvent: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResult {
        try run(directory: directory, cache: nil, onEvent: onEvent)
    }

    /// Runs the experiment, reusing the normally trained teacher and the
    /// undefended baseline from `cache` when it holds them (and storing them
    /// when it does not). Results are identical to a run without a cache.
    public func run(directory: RunDirectory? = nil, cache: ExperimentCache?,
                    onEvent: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResult {
        // The stages share the callback; it never outlives this call. The ledger notes every
        // stream drawn, for settings.json.
        try StreamLedger.$current.withValue(StreamLedger()) {
            try withoutActuallyEscaping(onEvent) { try perform(directory: directory, cache: cache, onEvent: $0) }
        }
    }

    /// The run as a straight list of typed stages; only the `RunWriter` touches the folder.
    func perform(directory: RunDirectory?, cache: ExperimentCache?, onEvent: @escaping (ExperimentEvent) -> Void) throws -> ExperimentResult {
        try settings.validate()
        // Every component spec with all its parameters written out: what settings.json,
        // config.yaml and the cache keys record, so a changed default cannot change a rerun.
        let s = try settings.resolved()
        let started = Date()
        let previousThreads = BLAS.threads
        BLAS.threads = s.threads
        defer { BLAS.threads = previousThreads }

        // A teacher file's header is checked before the data is loaded, its widths against the data after.
        let teacherHeader = try s.teacher.file.map { try LoadedTeacher.inspect($0) }
        let data = try RunData.load(s, onEvent: onEvent)
        try teacherHeader?.check(features: data.features, classes: data.classes, dataName: data.name, hidden: s.teacher.hidden,
                                 recipeHidden: ExperimentSettings.defaults(for: s.data.source).teacher.hidden)
        // The attack's plan is checked before anything is written or trained.
        try Run(settings: s, splits: data.splits, writer: nil, onEvent: onEvent).checkAttack()
        let warnings = [try Attack(strategy: s.attack.strategy, counters: s.attack.counters)
            .inputRangeWarning(teacherTrain: data.splits.teacherTrain, normalize: s.data.normalize)].compactMap { $0 }
        for w in warnings { onEvent(.warning(w)) }
        let loaded = try teacherHeader.map { try LoadedTeacher.load($0) }
        let environment = RunEnvironment.current(threads: s.threads, started: started)
        let normalization = data.normalizer.map { NormalizationRecord($0, rawValueScale: data.source.rawValueScale) }
        let writer = try directory.map {
            try RunWriter(directory: $0, settings: s, environment: environment, normalization: normalization, teacherFile: loaded?.file)
        }
        let run = Run(settings: s, splits: data.splits, writer: writer, onEvent: onEvent, loadedTeacher: loaded)

        let teachers = try run.trainTeachers(cache: cache)                        // 1. teacher (or nasty teacher)
        let defended = try run.defend(teachers)                                   // 2. defended oracle, honest users' cost
        let attacked = try run.attackDefended(defended, teachers: teachers)       // 3. attack and students
        let baseline = try run.attackUndefended(teachers, students: attacked.students, cache: cache)  // 4. undefended baseline
        let detection = try run.detect(defended, teachers: teachers)              // 5. extraction detection
        let ownership = try run.verifyOwnership(defended, suspects: attacked.students + (baseline?.students ?? []))  // 6. canaries

        let result = ExperimentResult(
            dataset: data.name, classes: data.classes, features: data.features,
            splits: SplitSizes(teacherTrain: data.splits.teacherTrain.count, validation: data.splits.validation.count,
                               attackerPool: data.splits.attackerPool.count, test: data.splits.test.count),
            seed: s.seed, queryBudget: s.attack.budget, queriesUsed: defended.oracle.queryCounts,
            teacher: teachers.served.result, students: attacked.students.map(\.result), environment: environment,
            seconds: Date().timeIntervalSince(started),
            defense: defended.outcome, undefendedBaseline: baseline?.students.map(\.result), defensiveImpact: baseline?.impact,
            canaries: ownership?.outcomes, detection: detection,
            attack: AttackSummary(attack: ([s.attack.strategy] + s.attack.counters).map(\.description).joined(separator: " + "),
                                  queriesSpent: attacked.outcome.queriesSpent, collected: attacked.outcome.collected,
                                  kept: attacked.outcome.transfer.count, dropped: attacked.outcome.dropped.count,
                                  notes: attacked.outcome.notes),
            warnings: warnings.isEmpty ? nil : warnings)
        // settings.json, written before the run, now also says which random streams it drew from.
        try writer?.finish(result: result, record: RunRecord(settings: s, environment: environment, streams: StreamLedger.current?.families,
                                                             teacherFile: loaded?.file),
                           models: [teachers.served] + attacked.students, evidence: ownership?.evidence ?? [])
        return result
    }
}

/// settings.json: the resolved settings and the environment they ran in.
public struct RunRecord: Codable, Sendable, Equatable {
    public var settings: ExperimentSettings
    public var environment: RunEnvironment
    /// The random streams the run drew from (`StreamPurpose.family`, catalogue
    /// order); absent while the run is unfinished.
    public var streams: [String]?
    /// The teacher file the run served (`teacher.file`): path, SHA-256 and the
    /// architecture read from it; absent when the teacher was trained.
    public var teacherFile: TeacherFile?

    public init(settings: ExperimentSettings, environment: RunEnvironment, streams: [String]? = nil, teacherFile: TeacherFile? = nil) {
        self.settings = settings; self.environment = environment; self.streams = streams; self.teacherFile = teacherFile
    }
}

/// One line of metrics.jsonl.
public struct EpochLogLine: Codable, Sendable, Equatable {
    public var model: String
    public var metrics: EpochMetrics
}

extension RunEnvironment {
    /// The environment of this process now.
    public static func current(threads: Int, started: Date = Date()) -> RunEnvironment {
        let formatter = ISO8601DateFormatter()
        return RunEnvironment(version: DistillLabVersion.current, blasCore: BLAS.coreName, blasThreads: threads,
                              blasMode: BLAS.kernelMode, gitCommit: gitCommit(), hostCPU: cpuModel(), startedAt: formatter.string(from: started))
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown" } ?? "unknown"
    }

    /// The commit of the checkout the data folder lives in, if any (read from .git, no subprocess).
    static func gitCommit() -> String? {
        guard let data = try? DataDirectory.locate() else { return nil }
        return gitCommit(checkout: URL(fileURLWithPath: data).deletingLastPathComponent())
    }

    /// The commit checked out at `root`: a `.git` folder, or a worktree's `.git` file.
    static func gitCommit(checkout root: URL) -> String? {
        func read(_ url: URL) -> String? {
            (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // In a worktree (or submodule) `.git` is a file `gitdir: PATH`; the refs live in its `commondir`.
        func resolve(_ path: String, in folder: URL) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path).standardizedFileURL
        }
        var git = root.appendingPathComponent(".git")
        if let pointer = read(git), pointer.hasPrefix("gitdir: ") { git = resolve(String(pointer.dropFirst(8)), in: root) }
        let common = read(git.appendingPathComponent("commondir")).map { resolve($0, in: git) } ?? git
        guard let head = read(git.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        if let sha = read(git.appendingPathComponent(ref)) ?? read(common.appendingPathComponent(ref)) { return sha }
        // Packed refs.
        guard let packed = read(common.appendingPathComponent("packed-refs")) else { return nil }
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(40)) }
    }
}
