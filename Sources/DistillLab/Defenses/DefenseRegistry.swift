import Foundation
import DistillCore

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

/// Errors in naming or parameterising defenses; each names the fix.
public enum DefenseError: Error, CustomStringConvertible, Equatable {
    case unknownDefense(String, valid: [String])
    case unknownParameter(defense: String, parameter: String, valid: [String])
    case invalidValue(defense: String, parameter: String, value: String, expected: String)
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
        var p = ParameterReader(
            spec: spec, known: e.descriptor.parameters.map(\.name),
            invalid: { DefenseError.invalidValue(defense: spec.name, parameter: $0, value: $1, expected: $2) },
            unknown: { DefenseError.unknownParameter(defense: spec.name, parameter: $0, valid: $1) })
        let builder = try e.parse(&p)
        try p.checkAllRead()
        return builder
    }

    /// Builds the defense for a trained teacher.
    public static func make(_ spec: DefenseSpec, context: DefenseContext) throws -> ResponseDefense {
        try parse(spec)(context)
    }
}
