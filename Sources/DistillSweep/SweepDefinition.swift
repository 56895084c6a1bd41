import Foundation
import DistillLab
import DistillConfig
import DistillCore

/// One swept setting: a dotted key path of the experiment settings and the
/// values to try, each written as YAML text (`5`, `adam`, `[rounding:decimals=2]`,
/// `"[]"`), exactly what `key=value` would take on the command line.
public struct SweepAxis: Codable, Sendable, Equatable {
    public var key: String
    public var values: [String]
    /// Where the axis was given ("sweep.yaml:12", "command line"), for errors.
    public var origin: String

    public init(key: String, values: [String], origin: String) {
        self.key = key; self.values = values; self.origin = origin
    }
}

/// A sweep: a base experiment (an experiment file's text and fixed
/// `key=value` overrides) and the axes and seeds whose Cartesian product it
/// runs. Built from a sweep file (`SweepDefinition.load`) and/or the command
/// line (`SweepDefinition.make`); expanded by `points()`.
public struct SweepDefinition: Codable, Sendable, Equatable {
    /// The experiment file with its `sweep:` and `seeds:` keys blanked out
    /// (line numbers kept, so errors still point into the file); empty without a file.
    public var baseText: String
    /// The file's name, for errors ("<command line>" without a file).
    public var fileName: String
    /// Overrides applied to every point, before the swept values.
    public var overrides: [String]
    /// Swept keys in order: the first varies slowest.
    public var axes: [SweepAxis]
    /// The seeds every setting runs with (innermost); nil = the base settings' seed.
    public var seeds: [UInt64]?

    public init(baseText: String = "", fileName: String = "<command line>", overrides: [String] = [],
                axes: [SweepAxis] = [], seeds: [UInt64]? = nil) {
        self.baseText = baseText; self.fileName = fileName; self.overrides = overrides
        self.axes = axes; self.seeds = seeds
    }

    /// A sweep from `file` (if any) and command-line arguments. Each argument
    /// is `key=value`: a single value is a fixed override; several values
    /// (see `SweepValues.split`) make an axis. An axis on the command line
    /// replaces the file's axis on the same key; a fixed override of a swept
    /// key removes the axis (the command line wins). `seed=…`/`seeds=…` set the seeds.
    /// - Throws: `SweepError`, `ConfigError` (file problems, with file and line).
    public static func make(file: String?, arguments: [String]) throws -> SweepDefinition {
        var definition = try file.map(load) ?? SweepDefinition()
        var seedsArgument: String?
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "=") else {
                throw SweepError("\(SweepError.shown(argument)): expected key.path=value or key.path=v1|v2|…, e.g. defense.responses=[rounding:decimals=2]|[]")
            }
            let key = argument[..<eq].trimmingCharacters(in: .whitespaces)
            let values = try SweepValues.split(String(argument[argument.index(after: eq)...]), argument: argument)
            if key == "seed" || key == "seeds" {
                // A second list would silently replace the first (seed=1,2 seeds=0 ran seed 0 only).
                if let first = seedsArgument {
                    throw SweepError("\(SweepError.shown(argument)): the seeds are already given by \(SweepError.shown(first)); give them once, e.g. seeds=0,1,2")
                }
                seedsArgument = argument
                definition.seeds = try values.map { text in
                    guard let seed = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
                        throw SweepError("\(SweepError.shown(argument)): seeds are non-negative integers, e.g. seeds=0,1,2; got \(QuotedInput.quote(text))")
                    }
                    return seed
                }
            } else if values.count > 1 {
                let axis = SweepAxis(key: key, values: values, origin: "command line \(SweepError.shown(argument))")
                if let i = definition.axes.firstIndex(where: { $0.key == key }) { definition.axes[i] = axis } else { definition.axes.append(axis) }
            } else {
                definition.axes.removeAll { $0.key == key }
                definition.overrides.append(key + "=" + values[0])
            }
        }
        // A `seed` axis would be overridden by `seeds:` (every point silently ran one seed)
        // and duplicate the seed column in collect; seeds have their own list.
        if let axis = definition.axes.first(where: { $0.key == "seed" }) {
            throw SweepError("\(axis.origin): `seed` cannot be a sweep axis; list the seeds under `seeds:` instead, e.g. `seeds: [\(axis.values.prefix(5).joined(separator: ", "))]` in the file or seeds=\(axis.values.prefix(5).joined(separator: ",")) on the command line")
        }
        return definition
    }

    /// The settings of one combination: file < fixed overrides < swept values < seed.
    /// - Throws: `ConfigError` naming the override or file line at fault.
    func settings(assignments: [(key: String, value: String)], seed: UInt64?, validating: Bool = true) throws -> ExperimentSettings {
        var all = overrides + assignments.map { "\($0.key)=\($0.value)" }
        if let seed { all.append("seed=\(seed)") }
        return try ExperimentFile.parse(baseText, fileName: fileName, overrides: all, validating: validating)
    }
}
