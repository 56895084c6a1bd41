import Foundation
import Yams
import DistillCore

/// Where one node of a configuration tree was written (nil origin = a default).
struct Origin: Equatable {
    var source: ConfigSource
    var line: Int?
    var column: Int?
}

/// One step of a key path: a map key or a list index.
enum PathStep: Equatable {
    case key(String)
    case index(Int)
}

/// Formats `teacher.training.epochs`, `defense.responses[1].name`.
func format(_ path: [PathStep]) -> String {
    var s = ""
    for step in path {
        switch step {
        case let .key(k): s += s.isEmpty ? k : "." + k
        case let .index(i): s += "[\(i)]"
        }
    }
    return s
}

/// The scalar types a JSON-like settings tree distinguishes.
enum ScalarKind: Equatable {
    case int, float, bool, string

    /// The expected type in words, for error messages.
    var expected: String {
        switch self {
        case .int: return "an integer"
        case .float: return "a number"
        case .bool: return "true or false"
        case .string: return "a string"
        }
    }
}

/// A JSON-like tree with source positions: the common form of the defaults
/// (encoded settings), the YAML file and the overrides, so they can be
/// overlaid and checked key by key before the settings are decoded.
struct ConfigNode {
    indirect enum Value {
        case map([ConfigPair])
        case list([ConfigNode])
        case scalar(String, ScalarKind)
        case null
    }
    var value: Value
    /// Where the user wrote this node; nil for defaults.
    var origin: Origin?

    init(_ value: Value, origin: Origin? = nil) { self.value = value; self.origin = origin }

    /// The node's shape in words (for "expected a map, got a list").
    var shape: String {
        switch value {
        case .map: return "a map"
        case .list: return "a list"
        case .null: return "null"
        case let .scalar(text, kind):
            switch kind {
            case .int: return "the integer \(QuotedInput.bounded(text))"
            case .float: return "the number \(QuotedInput.bounded(text))"
            case .bool: return "the boolean \(text)"
            case .string: return "the string " + QuotedInput.quote(text)
            }
        }
    }

    var pairs: [ConfigPair]? { if case let .map(p) = value { return p } else { return nil } }

    subscript(key: String) -> ConfigNode? {
        pairs?.first { $0.key == key }?.node
    }

    /// The node at `path`, if every step exists.
    func node(at path: ArraySlice<PathStep>) -> ConfigNode? {
        guard let step = path.first else { return self }
        switch (step, value) {
        case let (.key(k), .map(pairs)):
            return pairs.first { $0.key == k }?.node.node(at: path.dropFirst())
        case let (.index(i), .list(items)) where items.indices.contains(i):
            return items[i].node(at: path.dropFirst())
        default:
            return nil
        }
    }

    /// Replaces (or, with nil, removes) the node at `path`; returns false if the parent is missing.
    @discardableResult
    mutating func set(_ new: ConfigNode?, at path: ArraySlice<PathStep>) -> Bool {
        guard let step = path.first else {
            if let new { self = new }
            return true
        }
        switch (step, value) {
        case (.key(let k), .map(var pairs)):
            if let i = pairs.firstIndex(where: { $0.key == k }) {
                if path.count == 1 {
                    if let new { pairs[i].node = new } else { pairs.remove(at: i) }
                } else if !pairs[i].node.set(new, at: path.dropFirst()) {
                    return false
                }
            } else if path.count == 1, let new {
                pairs.append(ConfigPair(key: k, keyOrigin: nil, node: new))
            } else {
                return path.count == 1  // removing a missing key is a no-op
            }
            value = .map(pairs)
            return true
        case (.index(let i), .list(var items)) where items.indices.contains(i):
            if path.count == 1 {
                if let new { items[i] = new } else { items.remove(at: i) }
            } else if !items[i].set(new, at: path.dropFirst()) {
                return false
            }
            value = .list(items)
            return true
        default:
            return false
        }
    }

    /// Paths of the values the user wrote (scalars, lists, nulls, and maps
    /// written whole), in the order written.
    func userLeaves(_ prefix: [PathStep] = []) -> [(path: [PathStep], origin: Origin)] {
        switch value {
        case let .map(pairs):
            let inner = pairs.flatMap { $0.node.userLeaves(prefix + [.key($0.key)]) }
            if inner.isEmpty, let origin { return [(prefix, origin)] }
            return inner
        default:
            if let origin { return [(prefix, origin)] }
            return []
        }
    }
}

/// One `key: value` of a map, with where the key was written.
struct ConfigPair {
    var key: String
    var keyOrigin: Origin?
    var node: ConfigNode
}

// MARK: - From YAML

extension ConfigNode {
    /// Converts a composed YAML node, checking what YAML allows but settings
    /// do not (non-string keys, duplicate keys, aliases).
    init(yaml node: Node, source: ConfigSource, path: [PathStep] = []) throws {
        let origin = Origin(source: source, line: node.mark?.line, column: node.mark?.column)
        switch node {
        case let .scalar(scalar):
            let kind: ScalarKind
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: self.init(.null, origin: origin); return
            case .int: kind = .int
            case .float: kind = .float
            case .bool: kind = .bool
            default: kind = .string
            }
            self.init(.scalar(scalar.string, kind), origin: origin)
        case let .sequence(sequence):
            var items: [ConfigNode] = []
            for (i, item) in sequence.enumerated() {
                items.append(try ConfigNode(yaml: item, source: source, path: path + [.index(i)]))
            }
            self.init(.list(items), origin: origin)
        case let .mapping(mapping):
            var pairs: [ConfigPair] = []
            for (keyNode, valueNode) in mapping {
                let keyOrigin = Origin(source: source, line: keyNode.mark?.line, column: keyNode.mark?.column)
                guard case let .scalar(k) = keyNode else {
                    throw ConfigError(.malformedYAML, source: source, line: keyOrigin.line, column: keyOrigin.column,
                                      keyPath: format(path), problem: "a map key must be a plain word",
                                      fix: "write `name: value`")
                }
                if let first = pairs.first(where: { $0.key == k.string }) {
                    throw ConfigError(.duplicateKey, source: source, line: keyOrigin.line, column: keyOrigin.column,
                                      keyPath: format(path + [.key(k.string)]),
                                      problem: "key given twice (first on line \(first.keyOrigin?.line ?? 0))",
                                      fix: "keep one of them")
                }
                let value = try ConfigNode(yaml: valueNode, source: source, path: path + [.key(k.string)])
                pairs.append(ConfigPair(key: k.string, keyOrigin: keyOrigin, node: value))
            }
            self.init(.map(pairs), origin: origin)
        case .alias:
            throw ConfigError(.malformedYAML, source: source, line: origin.line, column: origin.column,
                              keyPath: format(path), problem: "YAML aliases (*name) are not supported in experiment files",
                              fix: "write the value out")
        }
    }

    /// Reads JSON text (as produced by `JSONEncoder`) as a tree without
    /// origins. JSON is YAML, so Yams types its scalars exactly as written.
    init(json data: Data) throws {
        let text = String(decoding: data, as: UTF8.self)
        guard let node = try Yams.compose(yaml: text) else { self.init(.map([])); return }
        self.init(stripping: try ConfigNode(yaml: node, source: .file("<defaults>")))
    }

    /// The same tree with every origin removed (marks it as defaults).
    init(stripping node: ConfigNode) {
        switch node.value {
        case let .map(pairs):
            self.init(.map(pairs.map { ConfigPair(key: $0.key, keyOrigin: nil, node: ConfigNode(stripping: $0.node)) }))
        case let .list(items):
            self.init(.list(items.map(ConfigNode.init(stripping:))))
        default:
            self.init(node.value)
        }
    }
}

// MARK: - To YAML for decoding

extension ConfigNode {
    /// A Yams node with explicit tags, for `YAMLDecoder`.
    func decodingNode() -> Node {
        switch value {
        case .null:
            return Node("null", Tag(.null))
        case let .scalar(text, kind):
            switch kind {
            case .string: return Node(text, Tag(.str), .doubleQuoted)
            case .int: return Node(text, Tag(.int), .plain)
            case .float: return Node(text, Tag(.float), .plain)
            case .bool: return Node(text, Tag(.bool), .plain)
            }
        case let .list(items):
            return Node(items.map { $0.decodingNode() })
        case let .map(pairs):
            // null = absent: an optional decodes as nil, a required key reports itself missing.
            return Node(pairs.filter { if case .null = $0.node.value { return false } else { return true } }
                .map { (Node($0.key, Tag(.str)), $0.node.decodingNode()) })
        }
    }
}

// MARK: - To JSON (canonical text, for comparing trees)

extension ConfigNode {
    /// Canonical JSON text (compares trees; decodes small parts such as a `DefenseSpec`). Scalars are assumed checked (see the
    /// overlay); numbers in YAML-only spellings (`1_000`, `0x10`, `.5`) are
    /// rewritten in JSON's.
    func json() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch value {
        case .null:
            out += "null"
        case let .scalar(text, kind):
            switch kind {
            case .string: out += jsonQuoted(text)
            case .bool: out += (Bool.construct(from: Node.Scalar(text)) ?? false) ? "true" : "false"
            case .int, .float: out += jsonNumber(text, kind) ?? jsonQuoted(text)  // unreadable → a type error on decoding
            }
        case let .list(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case let .map(pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += jsonQuoted(pair.key) + ":"
                pair.node.write(into: &out)
            }
            out += "}"
        }
    }
}

/// JSON's number grammar.
private let jsonNumberPattern = try! NSRegularExpression(pattern: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#)

private func isJSONNumber(_ s: String) -> Bool {
    jsonNumberPattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
}

/// The number in JSON's spelling, or nil if it is not a finite number.
func jsonNumber(_ text: String, _ kind: ScalarKind) -> String? {
    if isJSONNumber(text) { return text }
    let scalar = Node.Scalar(text)
    if kind == .int {
        if let v = Int.construct(from: scalar) { return String(v) }
        if let v = UInt64.construct(from: scalar) { return String(v) }
        return nil
    }
    guard let v = Double.construct(from: scalar), v.isFinite else { return nil }
    return "\(v)"
}

func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
