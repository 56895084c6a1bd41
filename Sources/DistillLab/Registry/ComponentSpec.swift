import Foundation

/// A registered component — a defense, an attack strategy or an attack
/// counter — by name with its parameters: `name` or `name:key=value,key=value`
/// (e.g. `rounding:decimals=2`, `jacobian:lambda=0.1`).
public struct ComponentSpec: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: String]

    public init(name: String, parameters: [String: String] = [:]) {
        self.name = name; self.parameters = parameters
    }

    /// Parses `name` or `name:key=value,key=value`.
    /// - Throws: `SpecSyntaxError` for an empty name, a pair without `=`, or a key given twice.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw SpecSyntaxError(text: text, reason: "expected name or name:key=value,…")
        }
        var params: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw SpecSyntaxError(text: text, reason: "'\(pair)' is not key=value")
                }
                guard params[kv[0]] == nil else { throw SpecSyntaxError(text: text, reason: "'\(kv[0])' is given twice") }
                params[kv[0]] = kv[1]
            }
        }
        self.init(name: name, parameters: params)
    }

    /// `name:key=value,…` with keys sorted (parses back to an equal spec).
    public var description: String {
        parameters.isEmpty ? name : name + ":" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// A defense on the oracle's responses, e.g. `reverse-sigmoid:beta=1,gamma=0.2`.
public typealias DefenseSpec = ComponentSpec
/// An attack strategy or counter, e.g. `average-repeats:repeats=4`.
public typealias AttackSpec = ComponentSpec

/// A spec that is not `name` or `name:key=value,…`.
public struct SpecSyntaxError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var reason: String
    public var description: String {
        "cannot read '\(text)': \(reason); write it as name or name:key=value,key=value"
    }
}

/// One parameter of a registered component, as the listings show it.
public struct ComponentParameter: Sendable, Codable, Equatable {
    public var name: String
    public var defaultValue: String
    public var summary: String
    public init(_ name: String, default defaultValue: String, _ summary: String) {
        self.name = name; self.defaultValue = defaultValue; self.summary = summary
    }
}

public typealias DefenseParameter = ComponentParameter
public typealias AttackParameter = ComponentParameter

/// Typed, checked access to a spec's parameters. Every key must be read by the
/// component's parser; leftovers are reported as unknown, with the nearest
/// valid name. Each registry supplies how its errors are phrased.
public struct ParameterReader {
    public let spec: ComponentSpec
    /// The component's parameter names (for "did you mean" and listings).
    let known: [String]
    let invalidError: (_ key: String, _ text: String, _ expected: String) -> Error
    let unknownError: (_ key: String, _ valid: [String]) -> Error
    var read: Set<String> = []

    init(spec: ComponentSpec, known: [String],
         invalid: @escaping (String, String, String) -> Error, unknown: @escaping (String, [String]) -> Error) {
        self.spec = spec; self.known = known; invalidError = invalid; unknownError = unknown
    }

    /// A real-valued parameter; `valid` must hold, `expected` says it in words for the error.
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
        guard allowed.contains(text) else {
            let near = nearest(text, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw invalid(key, text, "one of " + allowed.joined(separator: ", ") + near)
        }
        return text
    }

    /// A free-text parameter (a hex key, a data source).
    public mutating func string(_ key: String, default value: String) -> String {
        read.insert(key)
        return spec.parameters[key] ?? value
    }

    /// Throws if the spec names a parameter the parser never read.
    func checkAllRead() throws {
        let unknown = Set(spec.parameters.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        throw unknownError(first, known)
    }

    /// The registry's "invalid value" error for `key=text`.
    public func invalid(_ key: String, _ text: String, _ expected: String) -> Error {
        invalidError(key, text, expected)
    }
}

public typealias DefenseParameters = ParameterReader
public typealias AttackParameters = ParameterReader
