import Foundation
import DistillCore

/// The kinds of component the lab registers. Each kind has one product type
/// (what its registration builds) and one place it plugs in.
public enum ComponentKind: String, Codable, Sendable, CaseIterable {
    /// A transform of the oracle's responses (`--defense`).
    case defense
    /// A defense that also plants ownership evidence (`--defense keyed-canary`).
    case canary
    /// How the attacker chooses its queries (`--attack`).
    case strategy
    /// How the attacker adapts to a defense (`--counter`, composable).
    case counter
    /// A monitor of every client's query stream (`--detector`, `evaluation.detector`).
    case detector

    /// What the kind is called in messages.
    public var noun: String {
        switch self {
        case .defense: return "defense"
        case .canary: return "canary"
        case .strategy: return "attack strategy"
        case .counter: return "attack counter"
        case .detector: return "extraction detector"
        }
    }

    /// The command that lists the kind.
    public var listing: String { self == .strategy || self == .counter ? "distill-lab attacks" : "distill-lab defenses" }
}

/// What a registered component is: its name, parameters and provenance.
public struct ComponentDescriptor: Sendable {
    public var kind: ComponentKind
    public var name: String
    public var summary: String
    public var parameters: [ParameterDeclaration]
    /// Where the method comes from.
    public var reference: String
    /// Defenses: every response keeps its top-1 class (honest users' labels are unchanged).
    public var argmaxPreserving: Bool
    /// Defenses: draws from the defense stream.
    public var randomized: Bool
    /// Attacks: the defense family a counter is meant to beat, or a strategy's query source.
    public var target: String

    public init(kind: ComponentKind, name: String, summary: String, parameters: [ParameterDeclaration],
                reference: String, argmaxPreserving: Bool = false, randomized: Bool = false, target: String = "") {
        self.kind = kind; self.name = name; self.summary = summary; self.parameters = parameters
        self.reference = reference; self.argmaxPreserving = argmaxPreserving; self.randomized = randomized
        self.target = target
    }

    public var parameterNames: [String] { parameters.map(\.name) }
}

/// A spec's parameters checked against the component's declarations, every
/// absent parameter at its default. Read them with the declarations:
/// `p[Self.decimals]`.
public struct ResolvedParameters: Sendable {
    /// The component's name.
    public let component: String
    /// Canonical text of every parameter that has a value.
    public let values: [String: String]

    public subscript<V>(_ p: Parameter<V>) -> V {
        // Resolution checked every value against the same declaration, so both lookups succeed.
        guard let text = values[p.name], let v = V.parse(text) else {
            guard let d = p.defaultValue else { preconditionFailure("optional parameter '\(p.name)' read as required; use `p.optional(_:)`") }
            return d
        }
        return v
    }

    /// An optional parameter's value, nil when absent.
    public func optional<V>(_ p: Parameter<V>) -> V? {
        values[p.name].flatMap(V.parse) ?? p.defaultValue
    }

    /// The spec with every value written out (what `config.yaml` keeps).
    public var spec: ComponentSpec { ComponentSpec(name: component, parameters: values) }
}

/// One registration: the descriptor and how to build the kind's product
/// from checked parameters. Build only reads parameters; fitting to a
/// teacher (owner-side training) is the product's own step.
public struct Component<Product>: Sendable {
    public let descriptor: ComponentDescriptor
    let build: @Sendable (ResolvedParameters) throws -> Product
    /// A canary's evidence reader (what `distill-lab verify` reads back); nil for other kinds.
    public let evidence: CanaryEvidenceReader?

    public init(_ descriptor: ComponentDescriptor, evidence: CanaryEvidenceReader? = nil,
                build: @escaping @Sendable (ResolvedParameters) throws -> Product) {
        self.descriptor = descriptor; self.evidence = evidence; self.build = build
    }
}

/// Reads one canary's evidence file (its bytes and where they came from, for errors).
public typealias CanaryEvidenceReader = @Sendable (Data, URL) throws -> CanaryEvidence

/// Errors in naming or parameterising any component; each names the fix.
public enum ComponentError: Error, CustomStringConvertible, Equatable {
    case unknownComponent(kind: ComponentKind, name: String, valid: [String], hint: String)
    case unknownParameter(kind: ComponentKind, component: String, parameter: String, valid: [String])
    case invalidValue(kind: ComponentKind, component: String, parameter: String, value: String, expected: String)
    case duplicate(kind: ComponentKind, name: String)

    public var description: String {
        switch self {
        case let .unknownComponent(kind, n, valid, hint):
            let near = nearest(n, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown \(kind.noun) \(ExperimentError.quote(n))\(near)\(hint); known: \(valid.joined(separator: ", ")) (see `\(kind.listing)`)"
        case let .unknownParameter(kind, c, p, valid):
            let near = nearest(p, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            return "\(kind.noun) '\(c)' has no parameter \(ExperimentError.quote(p))\(near); its parameters: \(valid.isEmpty ? "none" : valid.joined(separator: ", "))"
        case let .invalidValue(kind, c, p, v, e):
            return "\(kind.noun) '\(c)': \(QuotedInput.bounded(p))=\(QuotedInput.bounded(v)) is invalid; expected \(e)"
        case let .duplicate(kind, n):
            return "a \(kind.noun) named '\(n)' is already registered; give the new one another name"
        }
    }

    /// The parameter the error is about, if any (for key paths in config errors).
    public var parameter: String? {
        switch self {
        case let .unknownParameter(_, _, p, _), let .invalidValue(_, _, p, _, _): return p
        default: return nil
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
