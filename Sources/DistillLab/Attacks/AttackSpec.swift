import Foundation
import DistillCore

/// An attack component by name with its parameters, e.g. `jacobian:lambda=0.1,seed-size=50`
/// (a query strategy) or `average-repeats:repeats=4` (an adaptive counter).
/// Written like `DefenseSpec`: `name` or `name:key=value,key=value`.
public struct AttackSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: String]

    public init(name: String, parameters: [String: String] = [:]) {
        self.name = name; self.parameters = parameters
    }

    /// Parses `name` or `name:key=value,key=value`.
    /// - Throws: `AttackError.malformedSpec` for an empty name, a pair without `=`, or a key given twice.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw AttackError.malformedSpec(text, "expected name or name:key=value,…")
        }
        var params: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw AttackError.malformedSpec(text, "'\(pair)' is not key=value")
                }
                guard params[kv[0]] == nil else { throw AttackError.malformedSpec(text, "'\(kv[0])' is given twice") }
                params[kv[0]] = kv[1]
            }
        }
        self.init(name: name, parameters: params)
    }

    public var description: String {
        parameters.isEmpty ? name : name + ":" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// Whether a registered component chooses the queries or adapts to a defense.
public enum AttackRole: String, Codable, Sendable {
    /// Decides which inputs to query (exactly one per attack).
    case strategy
    /// Adapts how queries are sent or responses used (any number, composable).
    case counter
}

/// One parameter of an attack component, as `distill-lab attacks` lists it.
public struct AttackParameter: Sendable, Codable, Equatable {
    public var name: String
    public var defaultValue: String
    public var summary: String
    public init(_ name: String, default defaultValue: String, _ summary: String) {
        self.name = name; self.defaultValue = defaultValue; self.summary = summary
    }
}

/// What a registered strategy or counter is.
public struct AttackDescriptor: Sendable, Equatable {
    public var name: String
    public var role: AttackRole
    public var summary: String
    public var parameters: [AttackParameter]
    /// The defense family it is meant to beat (counters) or its query source (strategies).
    public var target: String
    /// Where the method comes from.
    public var reference: String

    public init(name: String, role: AttackRole, summary: String, parameters: [AttackParameter],
                target: String, reference: String) {
        self.name = name; self.role = role; self.summary = summary; self.parameters = parameters
        self.target = target; self.reference = reference
    }
}

/// Typed, checked access to a spec's parameters (the attack-side twin of
/// `DefenseParameters`). Every key must be read by the component's parser;
/// leftovers are reported as unknown, with the nearest valid name.
public struct AttackParameters {
    public let spec: AttackSpec
    let descriptor: AttackDescriptor
    var read: Set<String> = []

    init(spec: AttackSpec, descriptor: AttackDescriptor) { self.spec = spec; self.descriptor = descriptor }

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

    /// A free-text parameter (e.g. a data source).
    public mutating func string(_ key: String, default value: String) -> String {
        read.insert(key)
        return spec.parameters[key] ?? value
    }

    /// Throws if the spec names a parameter the parser never read.
    func checkAllRead() throws {
        let unknown = Set(spec.parameters.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        throw AttackError.unknownParameter(component: spec.name, parameter: first,
                                           valid: descriptor.parameters.map(\.name))
    }

    public func invalid(_ key: String, _ text: String, _ expected: String) -> AttackError {
        .invalidValue(component: spec.name, parameter: key, value: text, expected: expected)
    }
}

/// Errors in naming, parameterising or running attacks; each names the fix.
public enum AttackError: Error, CustomStringConvertible, Equatable {
    case unknownStrategy(String, valid: [String])
    case unknownCounter(String, valid: [String])
    case unknownParameter(component: String, parameter: String, valid: [String])
    case invalidValue(component: String, parameter: String, value: String, expected: String)
    case malformedSpec(String, String)
    /// The component cannot run with this budget, pool, data or combination.
    case incompatible(component: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownStrategy(n, valid):
            let counterHint = AttackRegistry.counterNames.contains(n) ? " ('\(n)' is a counter; pass it with --counter)" : ""
            let near = nearest(n, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown attack strategy '\(n)'\(near)\(counterHint); known strategies: \(valid.joined(separator: ", ")) (see `distill-lab attacks`)"
        case let .unknownCounter(n, valid):
            let strategyHint = AttackRegistry.strategyNames.contains(n) ? " ('\(n)' is a query strategy, not a counter)" : ""
            let near = nearest(n, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown attack counter '\(n)'\(near)\(strategyHint); known counters: \(valid.joined(separator: ", ")) (see `distill-lab attacks`)"
        case let .unknownParameter(c, p, valid):
            let near = nearest(p, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "attack '\(c)' has no parameter '\(p)'\(near); its parameters: \(valid.isEmpty ? "none" : valid.joined(separator: ", "))"
        case let .invalidValue(c, p, v, e):
            return "attack '\(c)': \(p)=\(v) is invalid; expected \(e)"
        case let .malformedSpec(t, why):
            return "cannot read attack '\(t)': \(why); write it as name or name:key=value,key=value"
        case let .incompatible(c, why):
            return "attack '\(c)' cannot run here: \(why)"
        }
    }
}
