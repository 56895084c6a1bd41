import Foundation
import DistillCore

/// Where a setting was given: a line of an experiment file, or a `key=value`
/// override from the command line.
public enum ConfigSource: Sendable, Equatable {
    case file(String)
    case override(String)
}

/// One problem in an experiment file or an override. The description names
/// where (file:line:column, or the override), the key path, the problem and
/// the fix, e.g.
///
///     exp.yaml:4:5: `teacher.training.epoch`: unknown key; did you mean `epochs`? (keys here: epochs, batchSize, …)
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// The file cannot be read.
        case unreadableFile
        /// Not YAML (a syntax error) or YAML features not used here (aliases, complex keys).
        case malformedYAML
        /// A key the settings do not have.
        case unknownKey
        /// The same key twice in one map.
        case duplicateKey
        /// A value of the wrong shape or type (a word where a number goes, a list where a map goes).
        case wrongType
        /// A well-typed value the settings reject (from `ExperimentSettings.validate()`,
        /// the defense registry, or an enumeration's list of names).
        case invalidValue
        /// An override that is not `key.path=value`.
        case malformedOverride
    }

    public var kind: Kind
    public var source: ConfigSource?
    /// 1-based line and column in the file (nil for overrides and whole-file problems).
    public var line: Int?
    public var column: Int?
    /// Dotted key path with list indices, e.g. `defense.responses[1]`; empty for the whole document.
    public var keyPath: String
    public var problem: String
    /// How to fix it, when there is something specific to say.
    public var fix: String?

    public init(_ kind: Kind, source: ConfigSource?, line: Int? = nil, column: Int? = nil,
                keyPath: String, problem: String, fix: String? = nil) {
        self.kind = kind; self.source = source; self.line = line; self.column = column
        self.keyPath = keyPath; self.problem = problem; self.fix = fix
    }

    /// The file's name, when the problem is in a file.
    public var file: String? {
        if case let .file(name) = source { return name }
        return nil
    }

    /// `file:line:column`, `file:line`, `file`, or "override `key=value`".
    public var location: String {
        switch source {
        case let .file(name)?:
            // Longer than PATH_MAX (4096) names no file: cut, so a 100 KB argument is no 100 KB message.
            var s = QuotedInput.bounded(name, limit: 4096)
            if let line { s += ":\(line)"; if let column { s += ":\(column)" } }
            return s
        case let .override(text)?:
            return "override " + QuotedInput.quote(text, delimiter: "`")
        case nil:
            return "settings"
        }
    }

    public var description: String {
        var s = location + ": "
        if !keyPath.isEmpty { s += "`\(QuotedInput.bounded(keyPath))`: " }
        s += problem
        if let fix { s += "; " + fix }
        return s
    }
}
