import Foundation
import DistillCore

/// A defense by name with its parameters, e.g. `rounding:decimals=2` or
/// `reverse-sigmoid:beta=1,gamma=0.2`. Several specs compose in order.
public struct DefenseSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: String]

    public init(name: String, parameters: [String: String] = [:]) {
        self.name = name; self.parameters = parameters
    }

    /// Parses `name` or `name:key=value,key=value`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else {
            throw DefenseError.malformedSpec(text, "expected name or name:key=value,…")
        }
        var params: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw DefenseError.malformedSpec(text, "'\(pair)' is not key=value")
                }
                guard params[kv[0]] == nil else { throw DefenseError.malformedSpec(text, "'\(kv[0])' is given twice") }
                params[kv[0]] = kv[1]
            }
        }
        self.init(name: name, parameters: params)
    }

    public var description: String {
        parameters.isEmpty ? name : name + ":" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// One parameter of a defense, as `distill-lab defenses` lists it.
public struct DefenseParameter: Sendable, Codable, Equatable {
    public var name: String
    public var defaultValue: String
    public var summary: String
    public init(_ name: String, default defaultValue: String, _ summary: String) {
        self.name = name; self.defaultValue = defaultValue; self.summary = summary
    }
}

/// What a registered defense is.
public struct DefenseDescriptor: Sendable, Equatable {
    public var name: String
    public var summary: String
    public var parameters: [DefenseParameter]
    /// Keeps every response's top-1 class (honest users' labels are unchanged).
    public var argmaxPreserving: Bool
    /// Draws from the defense stream.
    public var randomized: Bool
    /// Where the method comes from.
    public var reference: String

    public init(name: String, summary: String, parameters: [DefenseParameter], argmaxPreserving: Bool,
                randomized: Bool, reference: String) {
        self.name = name; self.summary = summary; self.parameters = parameters
        self.argmaxPreserving = argmaxPreserving; self.randomized = randomized; self.reference = reference
    }
}

/// Builds a defense in two phases: parameters are checked first (before any
/// training, so a bad value fails fast), then the defense is built with the
/// trained teacher and the owner's data.
public struct DefenseEntry {
    public typealias Builder = (DefenseContext) throws -> ResponseDefense
    public var descriptor: DefenseDescriptor
    /// Reads and checks the parameters; returns the builder.
    public var parse: (inout DefenseParameters) throws -> Builder

    public init(_ descriptor: DefenseDescriptor, parse: @escaping (inout DefenseParameters) throws -> Builder) {
        self.descriptor = descriptor; self.parse = parse
    }
}

/// Typed, checked access to a spec's parameters. Every key must be read by
/// the defense's parser; leftovers are reported as unknown.
public struct DefenseParameters {
    public let spec: DefenseSpec
    let descriptor: DefenseDescriptor
    var read: Set<String> = []

    init(spec: DefenseSpec, descriptor: DefenseDescriptor) { self.spec = spec; self.descriptor = descriptor }

    /// A real-valued parameter.
    /// - Parameters:
    ///   - valid: predicate the value must satisfy; `expected` says it in words for the error.
    public mutating func double(_ key: String, default value: Double, expected: String = "a number",
                                where valid: (Double) -> Bool = { $0.isFinite }) throws -> Double {
        read.insert(key)
        guard let text = spec.parameters[key] else { return value }
        guard let v = Double(text), v.isFinite, valid(v) else { throw invalid(key, text, expected) }
        return v
    }

    /// An integer parameter.
    public mutating func int(_ key: String, default value: Int, expected: String = "an integer",
                             where valid: (Int) -> Bool = { _ in true }) throws -> Int {
        read.insert(key)
        guard let text = spec.parameters[key] else { return value }
        guard let v = Int(text), valid(v) else { throw invalid(key, text, expected) }
        return v
    }

    /// A parameter from a fixed set of words.
    public mutating func choice(_ key: String, default value: String, among allowed: [String]) throws -> String {
        read.insert(key)
        guard let text = spec.parameters[key] else { return value }
        guard allowed.contains(text) else { throw invalid(key, text, "one of " + allowed.joined(separator: ", ")) }
        return text
    }

    /// A free-text parameter (e.g. a hex key).
    public mutating func string(_ key: String, default value: String) -> String {
        read.insert(key)
        return spec.parameters[key] ?? value
    }

    /// Throws if the spec names a parameter the parser never read.
    func checkAllRead() throws {
        let unknown = Set(spec.parameters.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        throw DefenseError.unknownParameter(defense: spec.name, parameter: first,
                                            valid: descriptor.parameters.map(\.name))
    }

    func invalid(_ key: String, _ text: String, _ expected: String) -> DefenseError {
        .invalidValue(defense: spec.name, parameter: key, value: text, expected: expected)
    }
}

/// Errors in naming or parameterising defenses; each names the fix.
public enum DefenseError: Error, CustomStringConvertible, Equatable {
    case unknownDefense(String, valid: [String])
    case unknownParameter(defense: String, parameter: String, valid: [String])
    case invalidValue(defense: String, parameter: String, value: String, expected: String)
    case malformedSpec(String, String)
    case incompatible(defense: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownDefense(n, valid):
            let near = nearest(n, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown defense '\(n)'\(near); known defenses: \(valid.joined(separator: ", ")) (see `distill-lab defenses`)"
        case let .unknownParameter(d, p, valid):
            let near = nearest(p, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "defense '\(d)' has no parameter '\(p)'\(near); its parameters: \(valid.isEmpty ? "none" : valid.joined(separator: ", "))"
        case let .invalidValue(d, p, v, e):
            return "defense '\(d)': \(p)=\(v) is invalid; expected \(e)"
        case let .malformedSpec(t, why):
            return "cannot read defense '\(t)': \(why); write it as name or name:key=value,key=value"
        case let .incompatible(d, why):
            return "defense '\(d)' cannot be used here: \(why)"
        }
    }
}

/// The closest of `candidates` to `word` by edit distance, if reasonably close.
public func nearest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
    let w = Array(word)
    let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
    guard let (name, d) = best, d <= max(2, word.count / 3) else { return nil }
    return name
}

/// Every defense distill-lab knows, by name.
public enum DefenseRegistry {
    /// All entries: response transforms, prediction poisoning, canaries.
    public static var entries: [DefenseEntry] { transformEntries + poisoningEntries + canaryEntries }

    public static var names: [String] { entries.map(\.descriptor.name) }

    public static func entry(named name: String) -> DefenseEntry? { entries.first { $0.descriptor.name == name } }

    /// Checks a spec's name and parameters without building anything.
    @discardableResult
    public static func parse(_ spec: DefenseSpec) throws -> DefenseEntry.Builder {
        guard let e = entry(named: spec.name) else { throw DefenseError.unknownDefense(spec.name, valid: names) }
        var p = DefenseParameters(spec: spec, descriptor: e.descriptor)
        let builder = try e.parse(&p)
        try p.checkAllRead()
        return builder
    }

    /// Builds the defense for a trained teacher.
    public static func make(_ spec: DefenseSpec, context: DefenseContext) throws -> ResponseDefense {
        try parse(spec)(context)
    }
}
