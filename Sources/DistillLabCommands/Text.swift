import ArgumentParser
import DistillCore
import DistillLab
import DistillTextLab
import Foundation
import Yams

extension DistillLabCommand {
    /// The text track: `distill-lab text` (= `text train`) and `text teacher`.
    struct TextCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "text",
            abstract: "The text track: a tiny GPT teacher behind the chat API, distilled from its answers.",
            subcommands: [TextTrain.self, TextTeacherCommand.self],
            defaultSubcommand: TextTrain.self)
    }

    /// `distill-lab text train`: the default text experiment, one command with no arguments.
    struct TextTrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train (or load) the text teacher, attack it through the chat API and distill three students.",
            discussion: """
            With no options: the default teacher (cached under OUTPUT/_cache after the first run), an attacker \
            with 600 exchanges over the reasoning, tool-use and coding suites, and three students (seq-kd on the \
            sampled answers, logit-kd on the top-5 log-probs, the honest reference on the true answers), also \
            trained at 200 exchanges for the accuracy-against-budget curve.
            """)

        @OptionGroup var common: CommonOptions
        @Option(help: ArgumentHelp("A text experiment file (YAML or JSON, any subset of settings.json's 'settings' keys).", valueName: "file.yaml"))
        var config: String?
        @Argument(help: ArgumentHelp("Overrides applied last, e.g. attack.budget=300 student.steps=200.", valueName: "key.path=value"))
        var overrides: [String] = []
        @Option(help: "The attacker's budget in exchanges.")
        var budget: Int?
        @OptionGroup var saving: RunOutputOptions
        @Flag(help: "Always train the teacher; read and write no cache (otherwise OUTPUT/_cache, also with --no-save).")
        var noCache = false

        func resolvedSettings() throws -> TextExperimentSettings {
            var s = TextExperimentSettings.standard
            var edits: [String] = []
            if let budget { edits.append("attack.budget=\(budget)") }
            var tree = try TextSettingsFile.tree(of: s)
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw CommandError("cannot read --config \(config); give the path of a YAML file")
                }
                tree = try TextSettingsFile.merge(file: text, named: config, into: tree)
            }
            for o in edits + overrides { tree = try TextSettingsFile.apply(override: o, to: tree) }
            s = try TextSettingsFile.decode(tree)
            do { try s.validate() } catch let e as TextLabError { throw CommandError(e.description) }
            return s
        }

        func run() throws {
            BLAS.threads = common.threads
            let settings = try resolvedSettings()
            var directory: RunDirectory?
            if !saving.noSave {
                directory = try RunDirectory.create(under: URL(fileURLWithPath: saving.output), name: saving.runName(prefix: "text", seed: settings.seed))
            }
            let cache = noCache ? nil : URL(fileURLWithPath: saving.output).appendingPathComponent("_cache")
            let progress = TextProgressPrinter(enabled: !common.quiet, live: standardErrorIsTerminal)
            let result: TextExperimentResult
            do {
                result = try TextExperiment(settings: settings, cacheDirectory: cache).run(directory: directory, onEvent: progress.handle)
            } catch {
                progress.finish()
                if let dir = directory { printError("run directory (incomplete, no results.json): \(dir.url.path)") }
                if let e = error as? TextLabError { throw CommandError(e.description) }
                throw error
            }
            progress.finish()
            if saving.json {
                print(String(decoding: try JSONCoding.pretty(result), as: UTF8.self))
            } else {
                print(TextResultTable.render(result, settings: settings, runDirectory: directory?.url.path))
            }
        }
    }
}

/// Progress of a text run on standard error: a line per stage, training steps live on a terminal
/// (tokens per second and the loss) or every 10 seconds in a log.
final class TextProgressPrinter {
    let enabled: Bool, live: Bool
    var lastPrint = 0.0
    var pending = false
    init(enabled: Bool, live: Bool) { self.enabled = enabled; self.live = live }

    func handle(_ event: TextExperimentEvent) {
        guard enabled else { return }
        switch event {
        case let .stage(s): finish(); printError("• " + s)
        case let .notice(s): finish(); printError("  " + s)
        case let .training(model, p):
            let line = String(format: "  %@ step %d/%d  loss %.4f  %.0f tok/s  %.0f s", model as NSString, p.step, p.steps, p.loss, p.tokensPerSecond, p.elapsedSeconds)
            if live {
                if p.elapsedSeconds - lastPrint >= 0.25 || p.step == p.steps { printError("\r" + line + "   ", terminator: ""); pending = true; lastPrint = p.elapsedSeconds }
                if p.step == p.steps { finish() }
            } else if p.elapsedSeconds - lastPrint >= 10 || p.step == p.steps || p.step == 1 {
                printError(line); lastPrint = p.step == p.steps ? 0 : p.elapsedSeconds
            }
            if p.step == p.steps { lastPrint = 0 }
        }
    }

    func finish() { if pending { printError(""); pending = false } }
}

/// The text run's table: per suite, the teacher and each student's exact match and fidelity, then the
/// curve and what the attacker spent.
enum TextResultTable {
    static func render(_ r: TextExperimentResult, settings: TextExperimentSettings, runDirectory: String?) -> String {
        var out: [String] = []
        let suites = r.teacher.suites.map(\.suite)
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", 100 * $0) } ?? "-" }
        func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        out.append("Text track: teacher \(r.teacherSource) (key \(r.teacherKey.prefix(12))), \(settings.testExamples) test examples per suite; "
                   + "exact match, with fidelity to the teacher's final answers in brackets; students trained from \(settings.attack.budget) exchanges.")
        out.append("")
        out.append(row(["model"] + suites + ["bits/byte"]))
        out.append(row(Array(repeating: "--:", count: suites.count + 2).enumerated().map { $0.offset == 0 ? ":--" : $0.element }))
        for m in [r.teacher] + r.students {
            out.append(row([m.model] + m.suites.map { s in pct(s.accuracy) + (s.fidelity.map { " (\(pct($0)))" } ?? "") }
                           + [m.bitsPerByte.map { String(format: "%.3f", $0) } ?? "-"]))
        }
        if r.curve.count > r.students.count {
            var models: [String] = []
            for m in r.curve.map(\.model) where !models.contains(m) { models.append(m) }
            out.append("")
            out.append("Accuracy against the budget (mean exact match over the suites):")
            out.append("")
            out.append(row(["exchanges"] + models))
            out.append(row([":--"] + models.map { _ in "--:" }))
            for b in Array(Set(r.curve.compactMap(\.budget))).sorted() {
                out.append(row(["\(b)"] + models.map { m in pct(r.curve.first { $0.budget == b && $0.model == m }?.meanAccuracy) }))
            }
        }
        out.append("")
        out.append(row(["suite", "tasks", "exchanges", "prompt tokens", "completion tokens"]))
        out.append(row([":--", "--:", "--:", "--:", "--:"]))
        for x in r.spend { out.append(row([x.suite, "\(x.tasks)", "\(x.exchanges)", "\(x.promptTokens)", "\(x.completionTokens)"])) }
        out.append("")
        out.append(String(format: "Run time %.1f s", r.seconds) + (runDirectory.map { "; run directory \($0)" } ?? "") + ".")
        return out.joined(separator: "\n")
    }
}

/// Text experiment files: the settings as a JSON tree; a file or a `key.path=value` override replaces
/// the keys it names (any subset), and a key that is not a setting is one error naming it.
enum TextSettingsFile {
    static func tree(of s: TextExperimentSettings) throws -> Any {
        // Optional settings (absent when nil, so that older cache keys hold) are still keys a file
        // can set: they appear as null, taken from a copy with every optional filled in.
        var full = s
        full.teacher.mixedBatches = s.teacher.mixedBatches ?? false
        full.teacher.packedBatches = s.teacher.packedBatches ?? false
        full.student.packedBatches = s.student.packedBatches ?? false
        return withNulls(try JSONSerialization.jsonObject(with: JSONCoding.compact(s)),
                         keys: try JSONSerialization.jsonObject(with: JSONCoding.compact(full)))
    }

    /// `tree` with every key of `keys` it lacks set to null (recursively through mappings).
    static func withNulls(_ tree: Any, keys: Any) -> Any {
        guard var t = tree as? [String: Any], let k = keys as? [String: Any] else { return tree }
        for (key, v) in k { t[key] = t[key].map { withNulls($0, keys: v) } ?? NSNull() }
        return t
    }

    static func decode(_ tree: Any) throws -> TextExperimentSettings {
        let data = try JSONSerialization.data(withJSONObject: tree)
        do { return try JSONDecoder().decode(TextExperimentSettings.self, from: data) } catch let DecodingError.typeMismatch(_, c) {
            throw CommandError("text setting \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)")
        } catch let DecodingError.dataCorrupted(c) {
            throw CommandError("text setting \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)")
        }
    }

    /// A YAML node as JSON-like values (numbers stay numbers, strings strings).
    static func plain(_ node: Node) -> Any {
        switch node {
        case let .scalar(s):
            if let i = Int(s.string) { return i }
            if let d = Double(s.string) { return d }
            if s.string == "true" || s.string == "false" { return s.string == "true" }
            if s.string == "null" || s.string == "~" { return NSNull() }
            return s.string
        case let .mapping(m):
            var d: [String: Any] = [:]
            for (k, v) in m { d[k.string ?? "\(k)"] = plain(v) }
            return d
        case let .sequence(q): return q.map(plain)
        default: return NSNull()
        }
    }

    static func merge(file text: String, named name: String, into tree: Any) throws -> Any {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw CommandError("\(name) is not valid YAML: \(error)") }
        guard let node, case .mapping = node else { throw CommandError("\(name) must be a mapping of text settings (teacher:, student:, attack:, …)") }
        return try merge(plain(node), into: tree, path: [])
    }

    static func merge(_ value: Any, into tree: Any, path: [String]) throws -> Any {
        guard let v = value as? [String: Any], var t = tree as? [String: Any] else { return value }
        for (k, x) in v {
            guard let old = t[k] else {
                let known = t.keys.sorted().joined(separator: ", ")
                throw CommandError("unknown text setting \((path + [k]).joined(separator: ".")); known keys here: \(known)")
            }
            t[k] = try merge(x, into: old, path: path + [k])
        }
        return t
    }

    static func apply(override: String, to tree: Any) throws -> Any {
        guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
            throw CommandError("override '\(override)' must be key.path=value, e.g. attack.budget=300")
        }
        let keys = override[..<eq].split(separator: ".").map(String.init)
        let valueText = String(override[override.index(after: eq)...])
        let value: Any = (try? Yams.compose(yaml: valueText)).flatMap { $0 }.map(plain) ?? valueText
        var nested: Any = value
        for k in keys.reversed() { nested = [k: nested] }
        return try merge(nested, into: tree, path: [])
    }
}
