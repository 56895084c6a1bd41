import Foundation
import Crypto
import DistillLab
import DistillConfig
import DistillCore

/// One run of a sweep: a combination of swept values and a seed, fully resolved.
public struct SweepPoint: Codable, Sendable, Equatable {
    /// Position in the expansion (the first axis varies slowest, the seed fastest).
    public var index: Int
    /// The run folder's name: the setting's name and `__seed=N`, e.g.
    /// `defense.responses=rounding_decimals=2__seed=1` (stable, filesystem-safe, unique in the sweep).
    public var name: String
    /// The point minus its seed: the name of the setting it belongs to ("base" without axes).
    public var setting: String
    /// The swept values, in axis order, as `key.path=value` overrides.
    public var assignments: [String]
    public var seed: UInt64
    public var settings: ExperimentSettings
}

extension SweepDefinition {
    /// Longest setting name kept whole; longer ones are cut and get a hash suffix.
    static let maximumNameLength = 100

    /// Every point: the Cartesian product of the axes' values (first axis
    /// slowest) × the seeds (fastest), each resolved and validated.
    /// - Complexity: one settings resolution per point.
    /// - Throws: `SweepError` naming the axis value (and its origin) or the combination at fault.
    public func points() throws -> [SweepPoint] {
        // Each value alone first, so an error names the value rather than a combination.
        for axis in axes {
            for value in axis.values {
                do { _ = try settings(assignments: [(axis.key, value)], seed: nil) } catch {
                    throw SweepError("\(axis.origin): the value \(value.isEmpty ? "(empty = null)" : QuotedInput.bounded(value)) of `\(QuotedInput.bounded(axis.key))`: \(error)")
                }
            }
        }
        var combinations: [[(key: String, value: String)]] = [[]]
        for axis in axes {
            combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] } }
        }
        let names = Self.settingNames(combinations)
        var points: [SweepPoint] = []
        for (combination, setting) in zip(combinations, names) {
            let seedList: [UInt64?] = seeds.map { $0.map(Optional.some) } ?? [nil]
            for seed in seedList {
                let resolved: ExperimentSettings
                do { resolved = try settings(assignments: combination, seed: seed) } catch {
                    throw SweepError("sweep point \(setting)\(seed.map { " with seed \($0)" } ?? ""): \(error)")
                }
                let name = (setting == "base" ? "" : setting + "__") + "seed=\(resolved.seed)"
                points.append(SweepPoint(index: points.count, name: name, setting: setting,
                                         assignments: combination.map { "\($0.key)=\($0.value)" },
                                         seed: resolved.seed, settings: resolved))
            }
        }
        return points
    }

    /// Filesystem-safe names for the combinations: `key=value` joined by `__`,
    /// values reduced to `[A-Za-z0-9.=+-]` with `_` for anything else; names
    /// longer than `maximumNameLength`, and names two combinations would share,
    /// end in `-` and 10 hex digits of the SHA-256 of the combination.
    static func settingNames(_ combinations: [[(key: String, value: String)]]) -> [String] {
        let raw = combinations.map { $0.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") }
        var names = combinations.map { c -> String in
            c.isEmpty ? "base" : c.map { sanitize($0.key) + "=" + (sanitize($0.value).isEmpty ? "none" : sanitize($0.value)) }.joined(separator: "__")
        }
        var counts: [String: Int] = [:]
        for n in names { counts[n, default: 0] += 1 }
        for i in names.indices where names[i].count > maximumNameLength || counts[names[i]]! > 1 {
            let digest = SHA256.hash(data: Data(raw[i].utf8)).map { String(format: "%02x", $0) }.joined().prefix(10)
            names[i] = String(names[i].prefix(maximumNameLength)) + "-" + digest
        }
        return names
    }

    /// Keeps letters, digits and `.=+-`; runs of anything else become one `_`, trimmed at the ends.
    static func sanitize(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            let keep = (c.isASCII && (CharacterSet.alphanumerics.contains(c))) || ".=+-".unicodeScalars.contains(c)
            if keep { out.unicodeScalars.append(c) } else if !out.hasSuffix("_") { out += "_" }
        }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }
}
