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
        "cannot read \(ExperimentError.quote(text)): \(reason); write it as name or name:key=value,key=value"
    }
}
