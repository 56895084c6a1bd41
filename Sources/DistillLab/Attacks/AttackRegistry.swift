import Foundation
import DistillCore
import DistillData

/// A registered query strategy: its descriptor and a parser that checks the
/// parameters and builds it (strategies need nothing trained to be built).
public struct StrategyEntry {
    public var descriptor: AttackDescriptor
    public var parse: (inout AttackParameters) throws -> QueryStrategy
    public init(_ descriptor: AttackDescriptor, parse: @escaping (inout AttackParameters) throws -> QueryStrategy) {
        self.descriptor = descriptor; self.parse = parse
    }
}

/// A registered adaptive counter.
public struct CounterEntry {
    public var descriptor: AttackDescriptor
    public var parse: (inout AttackParameters) throws -> AttackCounter
    public init(_ descriptor: AttackDescriptor, parse: @escaping (inout AttackParameters) throws -> AttackCounter) {
        self.descriptor = descriptor; self.parse = parse
    }
}

/// Every query strategy and adaptive counter distill-lab knows, by name.
public enum AttackRegistry {
    public static var strategies: [StrategyEntry] {
        [
            StrategyEntry(AttackDescriptor(
                name: "random", role: .strategy,
                summary: "distinct attacker-pool rows drawn uniformly at random",
                parameters: [], target: "the attacker's pool", reference: "Knockoff Nets (Orekondy et al. 2019) random; Copycat CNN")) { _ in
                RandomPoolStrategy()
            },
            StrategyEntry(AttackDescriptor(
                name: "ood", role: .strategy,
                summary: "out-of-distribution queries: uniform noise (optionally blurred) or another dataset resized to the teacher's image shape",
                parameters: [
                    AttackParameter("source", default: "noise", "noise, or a data source (fashion-mnist, an IDX folder, a .csv path)"),
                    AttackParameter("blur", default: "0", "noise only: Gaussian blur σ in pixels, then stretched to [0, 1]"),
                    AttackParameter("resize", default: "area", "area or bilinear resampling of another dataset's images"),
                ], target: "noise or another dataset", reference: "Knockoff Nets (other natural data); Tramèr et al. 2016 (random inputs)")) { p in
                let source = p.string("source", default: "noise")
                let blur = try p.double("blur", default: 0, expected: "a number ≥ 0", where: { $0 >= 0 })
                let resize = try p.choice("resize", default: "area", among: ImageResize.Method.allCases.map(\.rawValue))
                if source == "noise" {
                    return OutOfDistributionStrategy(source: .noise(blur: blur), resize: ImageResize.Method(rawValue: resize)!)
                }
                guard blur == 0 else { throw p.invalid("blur", "\(blur)", "0 (blur applies to source=noise only)") }
                do { _ = try DataSource(parsing: source) } catch {
                    throw p.invalid("source", source, "noise or a data source: \(error)")
                }
                return OutOfDistributionStrategy(source: .dataset(source), resize: ImageResize.Method(rawValue: resize)!)
            },
            StrategyEntry(AttackDescriptor(
                name: "jacobian", role: .strategy,
                summary: "Jacobian-based dataset augmentation: seed set, then x' = clip(x + λ·sign(∇ₓ substitute(x)[label]), 0, 1) in rounds",
                parameters: [
                    AttackParameter("seed-size", default: "50", "pool rows queried first"),
                    AttackParameter("lambda", default: "0.1", "step λ > 0"),
                    AttackParameter("tau", default: "0", "step sign period: λ·(−1)^⌊ρ/τ⌋ (paper τ = 3); 0 = always +λ"),
                    AttackParameter("rounds", default: "16", "augmentation rounds at most (stops earlier when the budget is spent)"),
                ], target: "synthetic points near the seed set", reference: "Papernot et al. 2017, Practical Black-Box Attacks; cleverhans tutorial")) { p in
                let seed = try p.int("seed-size", default: 50, expected: "an integer ≥ 1", where: { $0 >= 1 })
                let lambda = try p.double("lambda", default: 0.1, expected: "a number in (0, 1]", where: { $0 > 0 && $0 <= 1 })
                let tau = try p.int("tau", default: 0, expected: "an integer ≥ 0", where: { $0 >= 0 })
                let rounds = try p.int("rounds", default: 16, expected: "an integer ≥ 0", where: { $0 >= 0 })
                return JacobianAugmentationStrategy(seedSize: seed, lambda: Float(lambda), tau: tau, rounds: rounds)
            },
            StrategyEntry(AttackDescriptor(
                name: "active", role: .strategy,
                summary: "active learning: a random initial batch, then rounds of the pool rows a substitute is least sure about",
                parameters: [
                    AttackParameter("initial", default: "0.2", "fraction of the budget queried at random first, in (0, 1]"),
                    AttackParameter("rounds", default: "4", "uncertainty-sampling rounds after the initial batch"),
                    AttackParameter("uncertainty", default: "entropy", "entropy (highest −Σ p log p) or margin (smallest top-1 − top-2)"),
                ], target: "the attacker's pool", reference: "uncertainty sampling (Lewis & Gale 1994); ActiveThief (Pal et al. 2020)")) { p in
                let initial = try p.double("initial", default: 0.2, expected: "a fraction in (0, 1]", where: { $0 > 0 && $0 <= 1 })
                let rounds = try p.int("rounds", default: 4, expected: "an integer ≥ 0", where: { $0 >= 0 })
                let u = try p.choice("uncertainty", default: "entropy", among: ActiveLearningStrategy.Uncertainty.allCases.map(\.rawValue))
                return ActiveLearningStrategy(initialFraction: initial, rounds: rounds, uncertainty: .init(rawValue: u)!)
            },
        ]
    }

    public static var counters: [CounterEntry] {
        [
            CounterEntry(AttackDescriptor(
                name: "average-repeats", role: .counter,
                summary: "send each input r times and average the answers; ⌊budget/r⌋ distinct inputs",
                parameters: [AttackParameter("repeats", default: "4", "times each input is sent, ≥ 2")],
                target: "zero-mean randomised perturbations (gaussian noise)", reference: "averaging repeated queries cancels zero-mean noise; the adaptive attacker of prediction poisoning (Orekondy et al. 2020, arXiv 1906.10908)")) { p in
                AverageRepeats(repeats: try p.int("repeats", default: 4, expected: "an integer ≥ 2 (1 would not average anything)", where: { $0 >= 2 }))
            },
            CounterEntry(AttackDescriptor(
                name: "argmax", role: .counter,
                summary: "keep only each response's top-1 class (responses become one-hot as they arrive)",
                parameters: [], target: "argmax-preserving perturbations (reverse sigmoid, MAD-argmax, rounding, periodic signals)",
                reference: "ART model-stealing demo (argmax-trained thieves); argmax-preserving perturbations: Orekondy et al. 2020, arXiv 1906.10908")) { _ in
                ArgmaxLabels()
            },
            CounterEntry(AttackDescriptor(
                name: "ensemble-filter", role: .counter,
                summary: "train k bootstrap substitutes on the argmax labels, drop responses their majority vote disagrees with",
                parameters: [
                    AttackParameter("members", default: "5", "ensemble size k ≥ 2"),
                    AttackParameter("vote", default: "out-of-bag", "out-of-bag (members that did not train on the row) or all"),
                ], target: "keyed wrong answers / canaries (isolated label flips)", reference: "DAWN (Szyller et al. 2021, arXiv 1906.00830)")) { p in
                let k = try p.int("members", default: 5, expected: "an integer ≥ 2", where: { $0 >= 2 })
                let v = try p.choice("vote", default: "out-of-bag", among: EnsembleFilter.Vote.allCases.map(\.rawValue))
                return EnsembleFilter(members: k, vote: .init(rawValue: v)!)
            },
        ]
    }

    public static var strategyNames: [String] { strategies.map(\.descriptor.name) }
    public static var counterNames: [String] { counters.map(\.descriptor.name) }
    /// Strategies then counters, as `distill-lab attacks` lists them.
    public static var descriptors: [AttackDescriptor] { strategies.map(\.descriptor) + counters.map(\.descriptor) }

    /// Checks a strategy spec's name and parameters and builds the strategy.
    public static func makeStrategy(_ spec: AttackSpec) throws -> QueryStrategy {
        guard let e = strategies.first(where: { $0.descriptor.name == spec.name }) else {
            throw AttackError.unknownStrategy(spec.name, valid: strategyNames)
        }
        var p = e.descriptor.reader(for: spec)
        let s = try e.parse(&p)
        try p.checkAllRead()
        return s
    }

    /// Checks a counter spec's name and parameters and builds the counter.
    public static func makeCounter(_ spec: AttackSpec) throws -> AttackCounter {
        guard let e = counters.first(where: { $0.descriptor.name == spec.name }) else {
            throw AttackError.unknownCounter(spec.name, valid: counterNames)
        }
        var p = e.descriptor.reader(for: spec)
        let c = try e.parse(&p)
        try p.checkAllRead()
        return c
    }
}

extension AttackDescriptor {
    /// A checked reader of `spec`'s parameters, with attack-phrased errors.
    func reader(for spec: AttackSpec) -> ParameterReader {
        ParameterReader(spec: spec, known: parameters.map(\.name),
                        invalid: { AttackError.invalidValue(component: spec.name, parameter: $0, value: $1, expected: $2) },
                        unknown: { AttackError.unknownParameter(component: spec.name, parameter: $0, valid: $1) })
    }
}
