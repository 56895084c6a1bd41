import Foundation
import Yams
import DistillConfig

extension SweepDefinition {
    /// Reads a sweep file: an experiment file (same keys, same defaults) plus
    ///
    /// ```yaml
    /// sweep:                                  # key path: [values to try]
    ///   defense.responses: [[rounding:decimals=2], [reverse-sigmoid:beta=0.7], []]
    ///   attack.budget: [200, 400]
    ///   # nested maps are read as dotted paths too: {student: {hidden: [[16], [32]]}}
    /// seeds: [0, 1, 2]                        # every setting runs with every seed
    /// ```
    ///
    /// The experiment part is checked as an experiment file (unknown keys and
    /// wrong types are reported with their line); the sweep values are checked
    /// when the sweep is expanded.
    /// - Throws: `ConfigError` (unreadable file, bad YAML), `SweepError` (bad `sweep:`/`seeds:`).
    public static func load(_ path: String) throws -> SweepDefinition {
        let text: String
        do {
            text = try YAMLFileText.read(path)
        } catch let e as YAMLFileText.Failure {
            throw SweepError("\(path): \(e.problem("sweep file")); \(e.fix)")
        }
        return try parse(text, fileName: path)
    }

    /// Reads sweep-file text; `fileName` is used in errors.
    public static func parse(_ text: String, fileName: String) throws -> SweepDefinition {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            // The experiment parser words YAML errors with their line; let it report this one.
            _ = try ExperimentFile.parse(text, fileName: fileName, validating: false)
            throw SweepError("\(fileName): not valid YAML (\(error)); check the indentation and quotes")
        }
        guard let mapping = root?.mapping else {
            return SweepDefinition(baseText: text, fileName: fileName)  // empty (or not a map: the experiment parser says so)
        }
        var axes: [SweepAxis] = []
        var seeds: [UInt64]?
        var removed: [(line: Int, key: String)] = []
        for (key, value) in mapping {
            guard let name = key.string, name == "sweep" || name == "seeds" else { continue }
            let line = key.mark?.line ?? 0
            removed.append((line, name))
            if name == "sweep" {
                axes = try readAxes(value, prefix: "", fileName: fileName)
            } else {
                seeds = try readSeeds(value, fileName: fileName)
            }
        }
        return SweepDefinition(baseText: removed.isEmpty ? text : try blank(removed.map(\.key), in: text, mapping: mapping, fileName: fileName),
                               fileName: fileName, axes: axes, seeds: seeds)
    }

    /// `sweep:` as axes; nested maps are dotted paths, lists are values.
    static func readAxes(_ node: Node, prefix: String, fileName: String) throws -> [SweepAxis] {
        let at = "\(fileName):\(node.mark?.line ?? 0)"
        guard let mapping = node.mapping else {
            throw SweepError("\(at): `sweep\(prefix.isEmpty ? "" : "." + prefix)` must map key paths to lists of values, "
                             + "e.g. `sweep: {defense.responses: [[rounding:decimals=2], []], attack.budget: [200, 400]}`")
        }
        var axes: [SweepAxis] = []
        for (key, value) in mapping {
            guard let name = key.string, !name.isEmpty else { throw SweepError("\(at): sweep keys are dotted key paths such as attack.budget") }
            let path = prefix.isEmpty ? name : prefix + "." + name
            let origin = "\(fileName):\(key.mark?.line ?? 0)"
            switch value {
            case let .sequence(items):
                guard !items.isEmpty else { throw SweepError("\(origin): `sweep.\(path)` lists no values; give at least one or remove the key") }
                axes.append(SweepAxis(key: path, values: try items.map { try flowText($0, origin: origin) }, origin: origin))
            case .mapping:
                axes += try readAxes(value, prefix: path, fileName: fileName)
            default:
                throw SweepError("\(origin): `sweep.\(path)` must be a list of values to try, e.g. `\(path): [a, b]` (a one-value list fixes it)")
            }
        }
        return axes
    }

    static func readSeeds(_ node: Node, fileName: String) throws -> [UInt64] {
        let at = "\(fileName):\(node.mark?.line ?? 0)"
        let items = node.sequence.map(Array.init) ?? [node]
        let seeds = items.compactMap { $0.string.flatMap { UInt64($0) } }
        guard seeds.count == items.count, !seeds.isEmpty else {
            throw SweepError("\(at): `seeds` must be a list of non-negative integers, e.g. `seeds: [0, 1, 2]`")
        }
        guard Set(seeds).count == seeds.count else { throw SweepError("\(at): `seeds` lists a seed twice; list each once") }
        return seeds
    }

    /// A value as one-line YAML (JSON-style flow) for a `key=value` override:
    /// numbers, booleans and null plain, strings double-quoted, lists and maps in brackets.
    static func flowText(_ node: Node, origin: String) throws -> String {
        switch node {
        case let .scalar(scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .int, .float, .bool: return scalar.string
            case .null: return ""
            default: return quoted(scalar.string)
            }
        case let .sequence(items):
            return "[" + (try items.map { try flowText($0, origin: origin) }).joined(separator: ", ") + "]"
        case let .mapping(pairs):
            return "{" + (try pairs.map { quoted($0.key.string ?? "") + ": " + (try flowText($0.value, origin: origin)) }).joined(separator: ", ") + "}"
        case .alias:
            throw SweepError("\(origin): YAML aliases are not supported in sweep values; write the value out")
        }
    }

    /// A double-quoted YAML string (JSON's escapes are YAML's).
    static func quoted(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\(s)\""
    }

    /// `text` with the top-level `keys` and their values replaced by empty
    /// lines, so the remaining lines keep their numbers. Needs a block-style
    /// top-level map (keys at column 1).
    static func blank(_ keys: [String], in text: String, mapping: Node.Mapping, fileName: String) throws -> String {
        var lines = text.components(separatedBy: "\n")
        let starts = mapping.compactMap { pair -> (line: Int, key: String)? in
            guard let l = pair.key.mark?.line, let k = pair.key.string else { return nil }
            return (l, k)
        }.sorted { $0.line < $1.line }
        let columns = mapping.compactMap { $0.key.mark?.column }
        guard columns.count == mapping.count, columns.allSatisfy({ $0 == 1 }), starts.allSatisfy({ $0.line >= 1 }) else {
            throw SweepError("\(fileName): write the sweep file as a block map (one top-level key per line), not `{…}`")
        }
        for (i, start) in starts.enumerated() where keys.contains(start.key) {
            let end = i + 1 < starts.count ? starts[i + 1].line - 1 : lines.count
            for l in (start.line - 1)..<min(end, lines.count) { lines[l] = "" }
        }
        return lines.joined(separator: "\n")
    }
}
