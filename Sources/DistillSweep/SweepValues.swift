import Foundation
import DistillCore

/// The command-line syntax for a list of values to sweep, `key=v1|v2|…` or
/// `key=v1,v2,…`.
///
/// Separators count only at the top level: outside `[…]`, `{…}` and quotes.
/// - `|` separates values. Any value may then hold commas:
///   `defense.responses=[rounding:decimals=2]|[gaussian-noise:sigma=0.1,rounding:decimals=1]|[]`
///   sweeps three defense pipelines (the last: no defense).
/// - Without a top-level `|`, `,` separates values, but only when no value
///   holds `:` or `=` (a spec's parameters are comma-separated too, so
///   `attack.strategy=random,jacobian:lambda=0.1` is ambiguous and refused):
///   `attack.budget=200,400`, `student.hidden=[16],[32,16]`, `seeds=0,1,2`.
/// - A single value (no top-level separator) is a fixed override. Quote a
///   value, or write it as a list or map, to keep its commas in one value:
///   `attack.strategy='jacobian:lambda=0.1,rounds=2'`.
/// - An empty value is null (turns an optional section off):
///   `defense.nastyTeacher={}|` sweeps the nasty teacher on and off.
public enum SweepValues {
    /// The values of one `key=…` argument (one or more).
    /// - Throws: `SweepError` for unbalanced brackets or quotes, and for
    ///   comma lists whose values are specs.
    public static func split(_ text: String, argument: String) throws -> [String] {
        let bars = try topLevelSplit(text, on: "|", argument: argument)
        if bars.count > 1 { return bars.map { $0.trimmingCharacters(in: .whitespaces) } }
        let commas = try topLevelSplit(text, on: ",", argument: argument)
        guard commas.count > 1 else { return [text.trimmingCharacters(in: .whitespaces)] }
        if let spec = commas.first(where: { piece in
            (try? topLevelSplit(piece, on: ":", argument: argument).count > 1) == true
                || (try? topLevelSplit(piece, on: "=", argument: argument).count > 1) == true
        }) {
            throw SweepError("\(SweepError.shown(argument)): ambiguous: ',' separates both sweep values and the parameters of specs such as \(QuotedInput.quote(spec)); "
                             + "separate sweep values with '|' (e.g. defense.responses=[rounding:decimals=2]|[label-only]), "
                             + "or quote a single value ('name:a=1,b=2')")
        }
        return commas.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `text` split at `separator` where it stands outside brackets, braces and quotes.
    static func topLevelSplit(_ text: String, on separator: Character, argument: String) throws -> [String] {
        var pieces: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        var previous: Character?
        for c in text {
            if let q = quote {
                if c == q && !(q == "\"" && previous == "\\") { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
                guard depth >= 0 else { throw SweepError("\(SweepError.shown(argument)): unbalanced '\(c)'; check the brackets") }
            } else if c == separator && depth == 0 {
                pieces.append(current); current = ""; previous = c
                continue
            }
            current.append(c)
            previous = c
        }
        guard quote == nil else { throw SweepError("\(SweepError.shown(argument)): unterminated quote; close it") }
        guard depth == 0 else { throw SweepError("\(SweepError.shown(argument)): unbalanced brackets; close every '[' and '{'") }
        pieces.append(current)
        return pieces
    }
}
