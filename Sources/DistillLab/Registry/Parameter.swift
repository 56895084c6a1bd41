import Foundation

/// A type a component parameter can hold: read from the text of a spec
/// (`rounding:decimals=2`) and written back in canonical form for the
/// resolved spec saved in `config.yaml`.
public protocol ParameterValue: Sendable, Equatable {
    /// The value `text` spells, or nil.
    static func parse(_ text: String) -> Self?
    /// Canonical text; `parse(text)` gives the value back.
    var parameterText: String { get }
    /// What the type is, in words, for listings ("number", "integer", …).
    static var typeName: String { get }
    /// The allowed words, for word-valued types.
    static var choices: [String]? { get }
    /// As a real number, for range checks (nil for non-numeric types).
    var numericValue: Double? { get }
}

extension ParameterValue {
    public static var choices: [String]? { nil }
    public var numericValue: Double? { nil }
}

extension Double: ParameterValue {
    public static func parse(_ text: String) -> Double? { Double(text).flatMap { $0.isFinite ? $0 : nil } }
    public var parameterText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
    public static var typeName: String { "number" }
    public var numericValue: Double? { self }
}

extension Int: ParameterValue {
    public static func parse(_ text: String) -> Int? { Int(text) }
    public var parameterText: String { String(self) }
    public static var typeName: String { "integer" }
    public var numericValue: Double? { Double(self) }
}

extension String: ParameterValue {
    public static func parse(_ text: String) -> String? { text }
    public var parameterText: String { self }
    public static var typeName: String { "text" }
}

/// A word-valued parameter: a `String` raw-valued enumeration. Conform with
/// an empty extension (`extension PerturbationNorm: ParameterChoice {}`).
public protocol ParameterChoice: ParameterValue, CaseIterable, RawRepresentable where RawValue == String {}

extension ParameterChoice {
    public static func parse(_ text: String) -> Self? { Self(rawValue: text) }
    public var parameterText: String { rawValue }
    public static var typeName: String { "choice" }
    public static var choices: [String]? { allCases.map(\.rawValue) }
}

/// The interval a numeric parameter must lie in; its words appear in
/// listings and errors ("a number > 0", "an integer from 1 to 6").
public struct ParameterRange: Sendable, Equatable, Codable {
    public var lower: Double?
    public var lowerInclusive: Bool
    public var upper: Double?
    public var upperInclusive: Bool

    public init(lower: Double?, lowerInclusive: Bool = true, upper: Double?, upperInclusive: Bool = true) {
        self.lower = lower; self.lowerInclusive = lowerInclusive; self.upper = upper; self.upperInclusive = upperInclusive
    }

    public static let any = ParameterRange(lower: nil, upper: nil)
    public static let positive = ParameterRange(lower: 0, lowerInclusive: false, upper: nil)
    public static let nonNegative = ParameterRange(lower: 0, upper: nil)
    public static func atLeast(_ v: Double) -> ParameterRange { ParameterRange(lower: v, upper: nil) }
    public static func closed(_ a: Double, _ b: Double) -> ParameterRange { ParameterRange(lower: a, upper: b) }
    /// (a, b]
    public static func openClosed(_ a: Double, _ b: Double) -> ParameterRange {
        ParameterRange(lower: a, lowerInclusive: false, upper: b)
    }
    /// [a, b)
    public static func closedOpen(_ a: Double, _ b: Double) -> ParameterRange {
        ParameterRange(lower: a, upper: b, upperInclusive: false)
    }
    /// (a, b)
    public static func open(_ a: Double, _ b: Double) -> ParameterRange {
        ParameterRange(lower: a, lowerInclusive: false, upper: b, upperInclusive: false)
    }

    public func contains(_ v: Double) -> Bool {
        if let l = lower, lowerInclusive ? v < l : v <= l { return false }
        if let u = upper, upperInclusive ? v > u : v >= u { return false }
        return true
    }

    /// "> 0", "in [0, 1)", "from 1 to 6", or "" for any value.
    func words(integer: Bool) -> String {
        func t(_ v: Double) -> String { v.parameterText }
        switch (lower, upper) {
        case (nil, nil): return ""
        case let (l?, nil): return (lowerInclusive ? "≥ " : "> ") + t(l)
        case let (nil, u?): return (upperInclusive ? "≤ " : "< ") + t(u)
        case let (l?, u?):
            if integer && lowerInclusive && upperInclusive { return "from \(t(l)) to \(t(u))" }
            return "in " + (lowerInclusive ? "[" : "(") + t(l) + ", " + t(u) + (upperInclusive ? "]" : ")")
        }
    }
}

/// One parameter of a registered component, declared once next to the
/// component's type: its name, type, default, valid range, one line of doc.
/// The listings, the YAML checks, the validation and the resolved spec in
/// `config.yaml` all come from this declaration.
public struct Parameter<Value: ParameterValue>: Sendable {
    public let name: String
    /// nil: the parameter is optional and absent unless given (e.g. a secret key derived from the seed).
    public let defaultValue: Value?
    /// What an absent optional parameter means ("from the seed").
    public let absentMeaning: String
    public let summary: String
    public let range: ParameterRange
    /// Further conditions the range cannot say, with their words.
    let condition: (@Sendable (Value) -> Bool)?
    let conditionWords: String?
    /// The value is a secret: errors never echo it.
    public let secret: Bool

    /// A parameter with a default.
    /// - Parameters:
    ///   - range: numeric values must lie in it.
    ///   - expected: overrides the generated words for what is valid.
    ///   - condition: a further check on the value (`expected` should say it).
    public init(_ name: String, default value: Value, _ summary: String, range: ParameterRange = .any,
                expected: String? = nil, secret: Bool = false, where condition: (@Sendable (Value) -> Bool)? = nil) {
        self.name = name; defaultValue = value; absentMeaning = ""; self.summary = summary; self.range = range
        self.condition = condition; conditionWords = expected; self.secret = secret
    }

    /// An optional parameter without a default (`absent` says what its absence means).
    public init(_ name: String, absent: String, _ summary: String, expected: String? = nil, secret: Bool = false,
                where condition: (@Sendable (Value) -> Bool)? = nil) {
        self.name = name; defaultValue = nil; absentMeaning = absent; self.summary = summary; range = .any
        self.condition = condition; conditionWords = expected; self.secret = secret
    }

    /// "a number > 0", "one of l1, l2", … as errors and listings say it.
    public var expected: String {
        if let w = conditionWords { return w }
        if let choices = Value.choices { return "one of " + choices.joined(separator: ", ") }
        let integer = Value.self == Int.self
        let noun = integer ? "an integer" : Value.self == Double.self ? "a number" : "a value"
        let r = range.words(integer: integer)
        return r.isEmpty ? noun : noun + " " + r
    }

    /// The value `text` gives, or nil if it is not a valid value.
    func value(from text: String) -> Value? {
        guard let v = Value.parse(text) else { return nil }
        if let x = v.numericValue, !range.contains(x) { return nil }
        if let c = condition, !c(v) { return nil }
        return v
    }

    /// The type-erased description the registry keeps.
    public var declaration: ParameterDeclaration {
        ParameterDeclaration(name: name, type: Value.typeName, defaultValue: defaultValue?.parameterText,
                             absentMeaning: absentMeaning, summary: summary, expected: expected,
                             choices: Value.choices, secret: secret,
                             check: { text in text.isEmpty ? nil : value(from: text)?.parameterText })
    }
}

/// A parameter as the registry, the listings and the config checks see it.
public struct ParameterDeclaration: Sendable {
    public let name: String
    /// "number", "integer", "choice", "text".
    public let type: String
    /// Canonical text of the default; nil for an optional parameter.
    public let defaultValue: String?
    public let absentMeaning: String
    public let summary: String
    /// What a valid value is, in words.
    public let expected: String
    public let choices: [String]?
    public let secret: Bool
    /// The canonical text of a valid value, nil for an invalid one.
    public let check: @Sendable (String) -> String?

    /// The default as listings show it.
    public var defaultText: String { defaultValue ?? absentMeaning }
}

/// One parameter as `distill-lab defenses --json` and the docs list it.
public struct ComponentParameter: Sendable, Codable, Equatable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var expected: String
    public var summary: String

    public init(_ d: ParameterDeclaration) {
        name = d.name; type = d.type; defaultValue = d.defaultText; expected = d.expected; summary = d.summary
    }
}
