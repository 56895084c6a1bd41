import Foundation
import Yams
import DistillLab

/// Declarative experiment files: YAML that mirrors `ExperimentSettings`, with
/// every key optional (missing keys take the recipe of `data.source`, see
/// `ExperimentSettings.defaults(for:)`), plus `key.path=value` overrides.
///
/// The file is a map of sections, exactly like the settings' JSON (the
/// `settings.json` of a run directory), with friendlier spellings where the
/// settings use enumerations with associated values:
///
/// ```yaml
/// seed: 3
/// data: {source: fashion-mnist}          # picks the Fashion-MNIST recipe
/// teacher:
///   hidden: [512, 256]
///   # file: runs/RUN/teacher.safetensors   # or serve a trained MLP (its widths come from the file)
///   training:
///     epochs: 20
///     optimizer: {kind: adam, learningRate: 0.001, nesterov: false}
///     schedule: cosine                   # or constant, or {step: {everyEpochs: 10, gamma: 0.1}},
///                                        # or {cosine: {minFactor: 0.01}}
/// defense:
///   responses:                           # applied in order
///     - rounding:decimals=2              # name[:key=value,…]
///     - {name: gaussian-noise, sigma: 0.1}
///   nastyTeacher: {}                     # optional section: {} = on with its defaults, null = off
/// ```
///
/// How it works: the defaults and the file are read into one JSON-like tree
/// (the defaults through `JSONEncoder`); the file is laid over the defaults key
/// by key, checked against `schemaExample` (the defaults with every optional
/// section filled in) so that an unknown key or a wrong type is reported with
/// its line; the merged tree is decoded with Yams' `YAMLDecoder` and checked
/// with `ExperimentSettings.validate()`, whose message is attributed to the
/// value written that causes it. Nothing here lists the settings' keys, so
/// new settings are accepted as soon as they are in `ExperimentSettings`.
///
/// Errors are `ConfigError`s naming the file, line and column (or the
/// override), the key path, the problem and the fix.
public enum ExperimentFile {
    /// Reads and checks an experiment file.
    /// - Parameter validating: false skips `ExperimentSettings.validate()` and
    ///   the defense registry (for tools that only read the structure).
    public static func load(_ path: String, validating: Bool = true) throws -> ExperimentSettings {
        try resolve(file: path, overrides: [], validating: validating)
    }

    /// Reads and checks experiment-file text; `fileName` is used in errors.
    public static func parse(_ text: String, fileName: String = "<experiment>", overrides: [String] = [],
                             validating: Bool = true) throws -> ExperimentSettings {
        var layers = [try layer(text: text, fileName: fileName)]
        for o in overrides { layers.append(try overrideLayer(o)) }
        return try resolve(layers: layers, validating: validating)
    }

    /// The settings of `file` (or the digits recipe without one) with the
    /// overrides applied in order: file < first override < … < last override.
    public static func resolve(file: String?, overrides: [String], validating: Bool = true) throws -> ExperimentSettings {
        var layers: [ConfigNode] = []
        if let file {
            let text: String
            do {
                text = try YAMLFileText.read(file)
            } catch let e as YAMLFileText.Failure {
                var fix = e.fix
                if case .unreadable = e { fix += "; official experiments are in Notebooks-as-scripts/experiments/" }
                throw ConfigError(.unreadableFile, source: .file(file), keyPath: "", problem: e.problem("experiment file"), fix: fix)
            }
            layers.append(try layer(text: text, fileName: file))
        }
        for o in overrides { layers.append(try overrideLayer(o)) }
        return try resolve(layers: layers, validating: validating)
    }

    /// `settings` with the overrides applied in order (for settings built
    /// another way, e.g. from command-line flags, or a sweep's base settings).
    /// Unlike a file, `data.source=…` here changes only the source, not the recipe.
    public static func apply(_ overrides: [String], to settings: ExperimentSettings,
                             validating: Bool = true) throws -> ExperimentSettings {
        let layers = try overrides.map(overrideLayer)
        do {
            return try resolve(layers: layers, base: tree(of: settings), validating: validating)
        } catch var error as ConfigError where error.kind == .invalidValue && error.keyPath.isEmpty {
            // Not traced to an override: if the given settings (e.g. from command-line flags) fail
            // alone with the same message, blame them, not whichever override came first.
            var baseMessage: String?
            do { try settings.validate() } catch { baseMessage = "\(error)" }
            if baseMessage == error.problem { error.source = nil }
            throw error
        }
    }

    // MARK: - Layers

    /// The file's tree (an empty map for an empty file).
    static func layer(text: String, fileName: String) throws -> ConfigNode {
        let source = ConfigSource.file(fileName)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw yamlError(e, source: source)
        }
        guard let node else { return ConfigNode(.map([])) }
        let root = try ConfigNode(yaml: node, source: source)
        guard root.pairs != nil else {
            let keys = (try? tree(of: schemaExample).pairs?.map(\.key)) ?? []
            throw ConfigError(.wrongType, source: source, line: root.origin?.line, column: root.origin?.column, keyPath: "",
                              problem: "an experiment file is a map of sections, got \(root.shape)",
                              fix: "top-level keys: " + keys.joined(separator: ", "))
        }
        return root
    }

    /// `teacher.training.epochs=5` as the tree `{teacher: {training: {epochs: 5}}}`.
    /// The value is read as YAML: `5`, `0.1`, `true`, `adam`, `[64, 32]`, `{step: {gamma: 0.5}}`;
    /// an empty value is null (turns an optional section off).
    static func overrideLayer(_ text: String) throws -> ConfigNode {
        let source = ConfigSource.override(text)
        let shape = "write overrides as key.path=value, e.g. teacher.training.epochs=5 or student.hidden=[64,32]"
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(.malformedOverride, source: source, keyPath: "", problem: "no `=` in the override", fix: shape)
        }
        let keys = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard keys.allSatisfy({ !$0.isEmpty && !$0.contains("[") && !$0.contains(" ") }) else {
            throw ConfigError(.malformedOverride, source: source, keyPath: String(text[..<eq]),
                              problem: "the key path must be dotted names (lists are replaced whole)", fix: shape)
        }
        let origin = Origin(source: source, line: nil, column: nil)
        var node: ConfigNode
        do {
            if let yaml = try Yams.compose(yaml: String(text[text.index(after: eq)...])) {
                node = try ConfigNode(yaml: yaml, source: source, path: keys.map { .key($0) })
            } else {
                node = ConfigNode(.null, origin: origin)
            }
        } catch let e as YamlError {
            var error = yamlError(e, source: source)
            error.keyPath = keys.joined(separator: ".")
            error.line = nil; error.column = nil
            error.fix = "quote the value if it holds YAML punctuation, e.g. key='a: b'"
            throw error
        }
        node.origin = origin
        for key in keys.reversed() {
            node = ConfigNode(.map([ConfigPair(key: key, keyOrigin: origin, node: node)]), origin: origin)
        }
        return node
    }

    static func yamlError(_ e: YamlError, source: ConfigSource) -> ConfigError {
        func make(_ problem: String, _ context: YamlError.Context?, _ mark: Mark?) -> ConfigError {
            let near = context.map { " \($0.text) (line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ConfigError(.malformedYAML, source: source, line: mark?.line, column: mark?.column, keyPath: "",
                               problem: "not valid YAML: \(problem)\(near)",
                               fix: "check the indentation, the `key: value` spacing and the quotes on this line")
        }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return make(problem, context, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(.duplicateKey, source: source, line: context.mark.line, column: context.mark.column, keyPath: "",
                               problem: "key given twice in one map: " + duplicates.sorted().joined(separator: ", "),
                               fix: "keep one of them")
        default:
            return make("\(e)", nil, nil)
        }
    }

    // MARK: - Resolution

    /// The layers over `base`, or over the recipe of the data source they name.
    static func resolve(layers: [ConfigNode], base: ConfigNode? = nil, validating: Bool) throws -> ExperimentSettings {
        // The recipe depends on the data source, so read it first (the last layer that sets it wins).
        var source = "digits"
        for layer in layers {
            if case let .scalar(text, _)? = layer["data"]?["source"]?.value { source = text }
        }
        let defaults = try base ?? tree(of: ExperimentSettings.defaults(for: source))
        let schema = try tree(of: schemaExample)
        let overlay = Overlay(variants: variants, choices: choices, validating: validating)
        var merged = defaults
        for layer in layers {
            merged = try overlay.apply(layer, onto: merged, schema: schema, path: [])
        }
        let settings = try decode(merged)
        if validating {
            do {
                try settings.validate()
            } catch {
                throw attribute(error, merged: merged, defaults: defaults)
            }
        }
        return settings
    }

    /// Decodes the merged tree (with `YAMLDecoder`, whose errors carry the
    /// coding path); an error is reported at the deepest node on that path
    /// that the user wrote.
    static func decode(_ merged: ConfigNode) throws -> ExperimentSettings {
        do {
            return try YAMLDecoder().decode(ExperimentSettings.self, from: merged.decodingNode())
        } catch let error as DecodingError {
            let path: [PathStep]
            let problem: String
            switch error {
            case let .typeMismatch(type, c):
                path = steps(c.codingPath)
                problem = "expected \(words(for: type)), got \(merged.node(at: path[...])?.shape ?? "something else")"
            case let .valueNotFound(type, c):
                path = steps(c.codingPath)
                problem = "cannot be null here; expected \(words(for: type))"
            case let .keyNotFound(key, c):
                if case .null? = merged.node(at: (steps(c.codingPath) + [.key(key.stringValue)])[...])?.value {
                    path = steps(c.codingPath) + [.key(key.stringValue)]
                    problem = "cannot be null (only optional sections such as `defense.nastyTeacher` can be turned off with null)"
                } else {
                    path = steps(c.codingPath)
                    problem = "missing key `\(key.stringValue)`"
                }
            case let .dataCorrupted(c):
                path = steps(c.codingPath)
                problem = c.debugDescription
            @unknown default:
                throw error
            }
            var origin: Origin?
            for n in 0...path.count {
                if let o = merged.node(at: path.prefix(n)[...])?.origin { origin = o }
            }
            throw ConfigError(origin == nil ? .invalidValue : .wrongType, source: origin?.source, line: origin?.line,
                              column: origin?.column, keyPath: format(path), problem: problem)
        }
    }

    /// A Swift type in the words of a settings file.
    static func words(for type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("UInt") { return "a non-negative integer" }
        if name.hasPrefix("Int") { return "an integer" }
        if name == "Float" || name == "Double" { return "a number" }
        if name == "Bool" { return "true or false" }
        if name == "String" { return "a string" }
        if name.hasPrefix("Array") || name.hasPrefix("Sequence") { return "a list" }
        if name.hasPrefix("Dictionary") || name.hasPrefix("Mapping") { return "a map" }
        return name
    }

    static func steps(_ codingPath: [CodingKey]) -> [PathStep] {
        codingPath.map { key in key.intValue.map(PathStep.index) ?? .key(key.stringValue) }
    }

    /// Finds which value the user wrote makes `validate()` fail: the first
    /// whose reset to the default makes the error go away (or change).
    /// - Complexity: one decode and validation per value written.
    static func attribute(_ error: Error, merged: ConfigNode, defaults: ConfigNode) -> ConfigError {
        let message = "\(error)"
        for leaf in merged.userLeaves() {
            var path = leaf.path[...]
            while !path.isEmpty {
                var trial = merged
                if let d = defaults.node(at: path) {
                    trial.set(d, at: path)
                } else if defaults.node(at: path.dropLast())?.pairs != nil {
                    trial.set(nil, at: path)  // an optional section the defaults leave out
                } else {
                    path = path.dropLast(); continue
                }
                if let settings = try? decode(trial) {
                    var after: String?
                    do { try settings.validate() } catch { after = "\(error)" }
                    if after != message {
                        return ConfigError(.invalidValue, source: leaf.origin.source, line: leaf.origin.line,
                                           column: leaf.origin.column, keyPath: format(leaf.path), problem: message)
                    }
                    break
                }
                path = path.dropLast()
            }
        }
        let origin = merged.userLeaves().first?.origin
        let source: ConfigSource? = origin.map { o in
            if case .override = o.source, let file = fileSource(merged) { return file }
            return o.source
        }
        return ConfigError(.invalidValue, source: source, keyPath: "", problem: message)
    }

    /// The file among the origins, if any.
    static func fileSource(_ node: ConfigNode) -> ConfigSource? {
        node.userLeaves().lazy.map { $0.origin.source }.first { if case .file = $0 { return true } else { return false } }
    }
}
