import Foundation
import Yams
import DistillLab
import DistillNN
import DistillData

/// An enumeration with associated values, and the YAML spellings it accepts.
/// Swift encodes such a value as a one-key map, `{caseName: {parameters}}`;
/// experiment files may also write a bare case name (its parameters take
/// their defaults) or give only some parameters:
///
///     schedule: cosine                          # {cosine: {minFactor: 0}}
///     schedule: {step: {gamma: 0.5}}            # everyEpochs keeps its default
///
/// Where a setting of this type sits is recognised by its shape in the schema
/// (a one-key map whose key is one of the cases), so a new setting of a
/// registered type needs nothing more.
public struct ConfigVariant: @unchecked Sendable {
    /// What the value is, in words ("learning-rate schedule").
    public var name: String
    /// Each case's name and its parameters with their defaults.
    var cases: [(name: String, parameters: ConfigNode)]

    /// - Parameter samples: one value of every case, carrying the parameter
    ///   defaults that a bare case name gets.
    public init<T: Encodable>(_ name: String, samples: [T]) {
        self.name = name
        cases = samples.map { sample in
            guard let node = try? ExperimentFile.tree(of: sample), let pairs = node.pairs, pairs.count == 1 else {
                preconditionFailure("\(T.self) does not encode as a one-key map: not an enum with associated values")
            }
            return (pairs[0].key, pairs[0].node)
        }
    }

    var caseNames: [String] { cases.map(\.name) }

    /// Whether a schema node holds a value of this type.
    func matches(_ schema: ConfigNode) -> Bool {
        guard let pairs = schema.pairs, pairs.count == 1, pairs[0].node.pairs != nil else { return false }
        return caseNames.contains(pairs[0].key)
    }

    func parameters(of caseName: String) -> ConfigNode? { cases.first { $0.name == caseName }?.parameters }
}

/// A string setting that must be one of a fixed set of words (a `String`
/// raw-valued enum), recognised by its key and its default being one of them.
public struct ConfigChoice: Sendable {
    public var key: String
    public var values: [String]
    /// What errors call the value ("'maybe' is not a valid normalisation"); the key by default.
    public var noun: String

    public init(key: String, values: [String], noun: String? = nil) { self.key = key; self.values = values; self.noun = noun ?? key }

    public init<T: CaseIterable & RawRepresentable>(key: String, _ type: T.Type, noun: String? = nil) where T.RawValue == String {
        self.init(key: key, values: T.allCases.map(\.rawValue), noun: noun)
    }
}

extension ExperimentFile {
    /// The structure files are checked against: the digits recipe with every
    /// optional section filled in, so a file may mention keys that the
    /// defaults leave out (`defense.nastyTeacher`). A key absent from the
    /// defaults takes its value here when a file opens that section
    /// (`nastyTeacher: {}` = the nasty teacher with its default temperature
    /// and omega). Lists hold one element, which gives the element's type.
    ///
    /// When you add an `Optional` setting or a list of structures to
    /// `ExperimentSettings`, set it here; every other new field is picked up
    /// from the defaults by itself.
    public static var schemaExample: ExperimentSettings {
        var s = ExperimentSettings.defaults(for: "digits")
        s.defense.nastyTeacher = NastyTeacherSettings()
        s.defense.responses = [DefenseSpec(name: "example")]
        s.attack.counters = [AttackSpec(name: "example")]
        s.evaluation.detector = ComponentSpec(name: "prada")
        s.teacher.file = "runs/RUN/teacher.safetensors"
        return s
    }

    /// Enumerations with associated values that files may spell by case name.
    /// Add one line per such type.
    public static var variants: [ConfigVariant] {
        [
            ConfigVariant("learning-rate schedule", samples: [
                LearningRateSchedule.constant,
                .step(everyEpochs: 10, gamma: 0.1),
                .cosine(minFactor: 0),
            ]),
        ]
    }

    /// String enumerations, so an unknown word gets the list and a suggestion
    /// before decoding (the decoder alone would only say it is invalid).
    public static var choices: [ConfigChoice] {
        [
            ConfigChoice(key: "kind", OptimizerConfig.Kind.self),
            ConfigChoice(key: "initialization", WeightInitialization.self),
            ConfigChoice(key: "selection", ModelSelection.self),
            ConfigChoice(key: "normalize", FeatureNormalization.self, noun: "normalisation"),
        ]
    }

    /// A value as an origin-free tree. The structure, the key order
    /// (declaration order) and the scalar types come from `YAMLEncoder` (a
    /// whole-number Float stays a float); the numbers' text comes from
    /// `JSONEncoder` (shortest round-trip spelling: `0.05`, not `5.0000000745e-02`).
    static func tree<T: Encodable>(of value: T) throws -> ConfigNode {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: ".inf", negativeInfinity: "-.inf", nan: ".nan")
        let json = try ConfigNode(json: encoder.encode(value))
        guard let typed = try Yams.compose(yaml: YAMLEncoder().encode(value)) else { return json }
        return ConfigNode(types: ConfigNode(stripping: try ConfigNode(yaml: typed, source: .file("<defaults>"))), texts: json)
    }
}

extension ConfigNode {
    /// `types`' structure, order and scalar kinds with the scalar text of `texts` at the same place.
    init(types: ConfigNode, texts: ConfigNode?) {
        switch types.value {
        case let .map(pairs):
            self.init(.map(pairs.map { ConfigPair(key: $0.key, keyOrigin: nil, node: ConfigNode(types: $0.node, texts: texts?[$0.key])) }))
        case let .list(items):
            let other: [ConfigNode]
            if case let .list(o)? = texts?.value, o.count == items.count { other = o } else { other = [] }
            self.init(.list(items.indices.map { ConfigNode(types: items[$0], texts: other.isEmpty ? nil : other[$0]) }))
        case let .scalar(text, kind):
            if case let .scalar(t, _)? = texts?.value { self.init(.scalar(t, kind)) } else { self.init(.scalar(text, kind)) }
        case .null:
            self.init(.null)
        }
    }
}
