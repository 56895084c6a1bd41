import Foundation
import DistillLab
import DistillCore

/// Lays what a file or an override gives over the settings so far, key by
/// key, checking every key against the schema and every value's type
/// before anything is decoded, so each error can name its line and key path.
struct Overlay {
    var variants: [ConfigVariant]
    var choices: [ConfigChoice]
    /// Check defense names and parameters with the registry.
    var validating: Bool

    /// `user` over `base` (the value so far; nil inside list elements, which
    /// are written whole), shaped like `schema`.
    /// - Complexity: O(size of `user` × keys per map).
    func apply(_ user: ConfigNode, onto base: ConfigNode?, schema: ConfigNode, path: [PathStep]) throws -> ConfigNode {
        if case .null = user.value { return user }  // the decoder accepts null for optionals only
        if let variant = variants.first(where: { $0.matches(schema) }) {
            return try applyVariant(variant, user, onto: base, path: path)
        }
        if isDefenseSpec(schema) { return try defenseSpec(user, path: path) }
        switch schema.value {
        case let .map(schemaPairs):
            guard case let .map(userPairs) = user.value else {
                throw wrongType(user, path, expected: schemaPairs.isEmpty ? "a map" : "a map with keys " + list(schemaPairs.map(\.key)))
            }
            if schemaPairs.isEmpty { return user }  // a dictionary: any keys
            var result = base?.pairs ?? []
            for pair in userPairs {
                let childPath = path + [.key(pair.key)]
                guard let schemaChild = schemaPairs.first(where: { $0.key == pair.key })?.node else {
                    let keys = schemaPairs.map(\.key)
                    let near = nearest(pair.key, in: keys)
                    throw ConfigError(.unknownKey, source: pair.keyOrigin?.source, line: pair.keyOrigin?.line,
                                      column: pair.keyOrigin?.column, keyPath: format(childPath),
                                      problem: "unknown key" + (near.map { "; did you mean `\($0)`?" } ?? ""),
                                      fix: (path.isEmpty ? "top-level keys: " : "keys of `\(format(path))`: ") + list(keys))
                }
                let index = result.firstIndex { $0.key == pair.key }
                // A key missing from the settings so far is an optional section: it starts from the schema's example.
                let childBase = index.map { result[$0].node } ?? (base == nil ? nil : schemaChild)
                let merged = try apply(pair.node, onto: childBase, schema: schemaChild, path: childPath)
                if let index { result[index].node = merged } else { result.append(ConfigPair(key: pair.key, keyOrigin: pair.keyOrigin, node: merged)) }
            }
            let order = schemaPairs.map(\.key)
            result.sort { (order.firstIndex(of: $0.key) ?? .max) < (order.firstIndex(of: $1.key) ?? .max) }
            return ConfigNode(.map(result), origin: user.origin)
        case let .list(schemaItems):
            guard case var .list(items) = user.value else {
                throw wrongType(user, path, expected: "a list" + example(schema, path))
            }
            guard let elementSchema = schemaItems.first else { return user }
            if isDefenseSpec(elementSchema) { items = joinSplitSpecs(items) }
            var out: [ConfigNode] = []
            for (i, item) in items.enumerated() {
                out.append(try apply(item, onto: nil, schema: elementSchema, path: path + [.index(i)]))
            }
            return ConfigNode(.list(out), origin: user.origin)
        case let .scalar(schemaText, kind):
            guard case let .scalar(text, userKind) = user.value else {
                throw wrongType(user, path, expected: kind.expected + example(schema, path))
            }
            let fits: Bool
            switch kind {
            case .string: fits = true  // any word is a string (`labelColumn: 0` names column "0")
            case .bool: fits = userKind == .bool
            case .int: fits = userKind == .int
            case .float: fits = userKind == .int || userKind == .float
            }
            guard fits else { throw wrongType(user, path, expected: kind.expected + example(schema, path)) }
            if kind == .float || kind == .int, jsonNumber(text, userKind) == nil {
                throw ConfigError(.invalidValue, source: user.origin?.source, line: user.origin?.line, column: user.origin?.column,
                                  keyPath: format(path), problem: "\(QuotedInput.bounded(text)) is not a finite number", fix: "write a finite number")
            }
            if case let .key(key)? = path.last, let choice = choices.first(where: { $0.key == key && $0.values.contains(schemaText) }),
               !choice.values.contains(text) {
                let near = nearest(text, in: choice.values).map { " (did you mean `\($0)`?)" } ?? ""
                throw ConfigError(.invalidValue, source: user.origin?.source, line: user.origin?.line, column: user.origin?.column,
                                  keyPath: format(path), problem: "\(QuotedInput.quote(text)) is not a valid \(choice.noun)\(near)",
                                  fix: "choose one of " + list(choice.values))
            }
            return ConfigNode(.scalar(text, kind == .string ? .string : userKind), origin: user.origin)
        case .null:
            return user
        }
    }

    // MARK: Enumerations with associated values

    func applyVariant(_ variant: ConfigVariant, _ user: ConfigNode, onto base: ConfigNode?, path: [PathStep]) throws -> ConfigNode {
        let shapes = "write a name (\(list(variant.caseNames))) or a one-key map such as `{step: {everyEpochs: 10, gamma: 0.1}}`"
        let caseName: String
        var parameters: ConfigNode?
        var keyOrigin = user.origin
        switch user.value {
        case let .scalar(text, _):
            caseName = text
        case let .map(pairs) where pairs.count == 1:
            caseName = pairs[0].key
            keyOrigin = pairs[0].keyOrigin
            if case .null = pairs[0].node.value {} else { parameters = pairs[0].node }
        default:
            throw wrongType(user, path, expected: "a \(variant.name)", fix: shapes)
        }
        guard let caseDefaults = variant.parameters(of: caseName) else {
            let near = nearest(caseName, in: variant.caseNames).map { " (did you mean `\($0)`?)" } ?? ""
            throw ConfigError(.invalidValue, source: keyOrigin?.source, line: keyOrigin?.line, column: keyOrigin?.column,
                              keyPath: format(path), problem: "unknown \(variant.name) \(QuotedInput.quote(caseName))\(near)", fix: shapes)
        }
        // Same case as before: keep its parameters; another case: start from that case's defaults.
        let start = base?.pairs.flatMap { $0.count == 1 && $0[0].key == caseName ? $0[0].node : nil } ?? caseDefaults
        var merged = start
        if let parameters {
            if caseDefaults.pairs?.isEmpty == true, parameters.pairs?.isEmpty == false {
                let o = parameters.origin
                throw ConfigError(.unknownKey, source: o?.source, line: o?.line, column: o?.column,
                                  keyPath: format(path + [.key(caseName)]), problem: "the \(caseName) \(variant.name) takes no parameters",
                                  fix: "write `\(caseName)`")
            }
            merged = try apply(parameters, onto: start, schema: caseDefaults, path: path + [.key(caseName)])
        }
        return ConfigNode(.map([ConfigPair(key: caseName, keyOrigin: keyOrigin, node: merged)]), origin: user.origin)
    }

    // MARK: Defense and attack specs

    /// Which registry a `{name, parameters}` spec belongs to, by where it stands.
    enum SpecKind {
        case defense, attackStrategy, attackCounter, detector

        init(path: [PathStep]) {
            let keys = path.compactMap { step -> String? in if case let .key(k) = step { return k } else { return nil } }
            switch (keys.first, keys.dropFirst().first) {
            case ("attack", "strategy"): self = .attackStrategy
            case ("attack", "counters"): self = .attackCounter
            case ("evaluation", "detector"): self = .detector
            default: self = .defense
            }
        }

        var noun: String { componentKind.noun }
        var listing: String { componentKind.listing }
        var example: String {
            switch self {
            case .defense: return "{name: rounding, decimals: 2}"
            case .attackStrategy: return "{name: jacobian, lambda: 0.1}"
            case .attackCounter: return "{name: average-repeats, repeats: 4}"
            case .detector: return "{name: prada, delta: 0.9}"
            }
        }

        /// The registry kind the spec is resolved as.
        var componentKind: ComponentKind {
            switch self {
            case .defense: return .defense
            case .attackStrategy: return .strategy
            case .attackCounter: return .counter
            case .detector: return .detector
            }
        }

        /// Checks the name and parameters against the component's declarations.
        func check(name: String, parameters: [String: String]) throws {
            _ = try ComponentRegistry.shared.resolve(ComponentSpec(name: name, parameters: parameters), kind: componentKind)
        }
    }

    /// A `DefenseSpec` or `AttackSpec` in the schema: `{name, parameters}`.
    func isDefenseSpec(_ schema: ConfigNode) -> Bool {
        schema.pairs.map { $0.map(\.key).sorted() == ["name", "parameters"] } ?? false
    }

    /// In a YAML flow list the commas between a spec's parameters split it:
    /// `[noise:sigma=0.1,clip=true]` reads as `noise:sigma=0.1` and `clip=true`.
    /// A `key=value` item (never a defense name) is joined back to the spec before it.
    func joinSplitSpecs(_ items: [ConfigNode]) -> [ConfigNode] {
        var out: [ConfigNode] = []
        for item in items {
            if case let .scalar(text, _) = item.value, let eq = text.firstIndex(of: "="),
               !text[..<eq].contains(":"), let last = out.last, case let .scalar(previous, _) = last.value {
                out[out.count - 1].value = .scalar(previous + (previous.contains(":") ? "," : ":") + text, .string)
            } else {
                out.append(item)
            }
        }
        return out
    }

    /// Reads `name:key=value,…`, `{name: rounding, decimals: 2}`,
    /// `{rounding: {decimals: 2}}` or `{name: rounding, parameters: {decimals: 2}}`
    /// into the canonical `{name, parameters}` with string values.
    func defenseSpec(_ user: ConfigNode, path: [PathStep]) throws -> ConfigNode {
        let o = user.origin
        let specKind = SpecKind(path: path)
        func fail(_ kind: ConfigError.Kind, _ problem: String, at origin: Origin? = nil) -> ConfigError {
            let at = origin ?? o
            return ConfigError(kind, source: at?.source, line: at?.line, column: at?.column, keyPath: format(path), problem: problem,
                               fix: "write \(specKind == .defense ? "a" : "an") \(specKind.noun) as `name:key=value,…` or `\(specKind.example)`; see `\(specKind.listing)`")
        }
        func text(_ node: ConfigNode, _ key: String) throws -> String {
            guard case let .scalar(t, _) = node.value else { throw fail(.wrongType, "parameter `\(key)` must be a single value, got \(node.shape)", at: node.origin) }
            return t
        }
        var spec: DefenseSpec
        switch user.value {
        case let .scalar(t, _):
            do { spec = try DefenseSpec(parsing: t) } catch { throw fail(.invalidValue, "\(error)") }
        case let .map(pairs):
            if let nameNode = user["name"] {
                guard case let .scalar(name, _) = nameNode.value else { throw fail(.wrongType, "`name` must be a \(specKind.noun) name, got \(nameNode.shape)") }
                spec = DefenseSpec(name: name)
                for pair in pairs where pair.key != "name" {
                    if pair.key == "parameters", let inner = pair.node.pairs {
                        for q in inner { spec.parameters[q.key] = try text(q.node, q.key) }
                    } else {
                        spec.parameters[pair.key] = try text(pair.node, pair.key)
                    }
                }
            } else if pairs.count == 1 {
                spec = DefenseSpec(name: pairs[0].key)
                switch pairs[0].node.value {
                case .null: break
                case let .map(inner): for q in inner { spec.parameters[q.key] = try text(q.node, q.key) }
                default: throw fail(.wrongType, "the parameters of '\(pairs[0].key)' must be a map, got \(pairs[0].node.shape)")
                }
            } else {
                throw fail(.wrongType, "\(specKind == .detector ? "an" : "a") \(specKind.noun) map needs a `name` key")
            }
        default:
            throw fail(.wrongType, "expected a \(specKind.noun), got \(user.shape)")
        }
        if validating {
            do { try specKind.check(name: spec.name, parameters: spec.parameters) } catch let e as ComponentError {
                // A parameter's error points at that parameter: `defense.responses[0].decimals`.
                let kind: ConfigError.Kind = { if case .unknownParameter = e { return .unknownKey } else { return .invalidValue } }()
                guard let parameter = e.parameter else { throw fail(kind, e.description) }
                throw ConfigError(kind, source: o?.source, line: o?.line, column: o?.column,
                                  keyPath: format(path + [.key(parameter)]), problem: e.description,
                                  fix: "see `\(specKind.listing)` for the parameters of '\(spec.name)' and their ranges")
            }
        }
        let parameters = spec.parameters.sorted { $0.key < $1.key }.map {
            ConfigPair(key: $0.key, keyOrigin: nil, node: ConfigNode(.scalar($0.value, .string)))
        }
        return ConfigNode(.map([
            ConfigPair(key: "name", keyOrigin: nil, node: ConfigNode(.scalar(spec.name, .string))),
            ConfigPair(key: "parameters", keyOrigin: nil, node: ConfigNode(.map(parameters))),
        ]), origin: o)
    }

    // MARK: Messages

    func wrongType(_ user: ConfigNode, _ path: [PathStep], expected: String, fix: String? = nil) -> ConfigError {
        ConfigError(.wrongType, source: user.origin?.source, line: user.origin?.line, column: user.origin?.column,
                    keyPath: format(path), problem: "expected \(expected), got \(user.shape)", fix: fix)
    }

    /// ", e.g. `epochs: 60`" from the schema's value, for scalars and short lists.
    func example(_ schema: ConfigNode, _ path: [PathStep]) -> String {
        guard case let .key(key)? = path.last else { return "" }
        switch schema.value {
        case let .scalar(text, _):
            return " (e.g. `\(key): \(text)`)"
        case let .list(items):
            let texts = items.compactMap { item -> String? in if case let .scalar(t, _) = item.value { return t } else { return nil } }
            guard texts.count == items.count, !texts.isEmpty else { return "" }
            return " (e.g. `\(key): [\(texts.joined(separator: ", "))]`)"
        default:
            return ""
        }
    }

    func list(_ words: [String]) -> String { words.joined(separator: ", ") }
}
