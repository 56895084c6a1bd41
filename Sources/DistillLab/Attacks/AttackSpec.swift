import Foundation
import DistillCore

/// Whether a registered component chooses the queries or adapts to a defense.
public enum AttackRole: String, Codable, Sendable {
    /// Decides which inputs to query (exactly one per attack).
    case strategy
    /// Adapts how queries are sent or responses used (any number, composable).
    case counter
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
