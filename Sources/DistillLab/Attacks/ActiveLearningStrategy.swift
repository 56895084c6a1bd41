import Foundation
import DistillCore
import DistillNN

/// `active`: pool-based active learning by uncertainty sampling, in rounds.
///
/// A random `initial` fraction of the (distinct) budget is queried first and a
/// substitute (student architecture and recipe) is trained on it. Each of the
/// `rounds` rounds then queries the not-yet-queried pool rows the substitute
/// is least sure about — highest predictive entropy (`uncertainty=entropy`) or
/// smallest top-1 minus top-2 margin (`uncertainty=margin`) — and retrains the
/// substitute, continuing from its weights. The remaining budget is split
/// evenly over the rounds (earlier rounds get the remainder), so the whole
/// distinct budget is spent.
public struct ActiveLearningStrategy: QueryStrategy {
    public enum Uncertainty: String, CaseIterable, Sendable {
        /// −Σ p log p.
        case entropy
        /// 1 − (p₍₁₎ − p₍₂₎): higher when the top two classes are close.
        case margin
    }
    /// Fraction of the distinct budget queried at random first, in (0, 1].
    public var initialFraction: Double
    public var rounds: Int
    public var uncertainty: Uncertainty
    public var name: String { "active" }

    public init(initialFraction: Double = 0.2, rounds: Int = 4, uncertainty: Uncertainty = .entropy) {
        self.initialFraction = initialFraction; self.rounds = rounds; self.uncertainty = uncertainty
    }

    /// What the strategy needs before its first query.
    public func check(_ context: AttackContext) throws {
        try context.validate(component: name)
        guard context.distinctBudget <= context.pool.rows else {
            throw AttackError.incompatible(component: name, reason: "it needs \(context.distinctBudget) distinct pool inputs but the pool has \(context.pool.rows); lower the budget (attack.budget, --budget) to at most \(context.pool.rows * context.repeats) or enlarge the pool (data.poolFraction)")
        }
    }

    /// Size of the random first batch: `max(1, round(initial · distinct))`, all of it when `rounds == 0`.
    public func initialCount(distinct: Int) -> Int {
        rounds == 0 ? distinct : min(distinct, max(1, Int((initialFraction * Double(distinct)).rounded())))
    }


    public func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        try check(context)
        let distinct = context.distinctBudget
        let first = rng.sample(initialCount(distinct: distinct), from: context.pool.rows)
        var queried = [Bool](repeating: false, count: context.pool.rows)
        for i in first { queried[i] = true }
        let firstInputs = context.pool.gatherRows(first)
        var set = TransferSet(inputs: firstInputs, responses: try context.query(firstInputs), poolIndices: first)
        var roundsRun = 0
        if set.count < distinct {
            let substitute = context.makeSubstitute(rng: &rng)
            try context.trainSubstitute(substitute, inputs: set.inputs, responses: set.responses, rng: &rng)
            for round in 0..<rounds where set.count < distinct {
                let remaining = distinct - set.count
                let take = (remaining + (rounds - round) - 1) / (rounds - round)
                let scores = ActiveLearningStrategy.uncertainty(substitute.probabilities(context.pool), measure: uncertainty)
                let chosen = ActiveLearningStrategy.mostUncertain(scores, count: take, excluding: queried)
                for i in chosen { queried[i] = true }
                let inputs = context.pool.gatherRows(chosen)
                set = set.appending(TransferSet(inputs: inputs, responses: try context.query(inputs), poolIndices: chosen))
                roundsRun += 1
                if set.count < distinct {
                    try context.trainSubstitute(substitute, inputs: set.inputs, responses: set.responses, rng: &rng)
                }
            }
        }
        return StrategyReport(transfer: set, notes: ["rounds": "\(roundsRun)", "initial": "\(first.count)",
                                                     "uncertainty": uncertainty.rawValue])
    }

    /// Uncertainty of every row of `probabilities` (higher = less sure).
    public static func uncertainty(_ probabilities: Matrix, measure: Uncertainty) -> [Double] {
        (0..<probabilities.rows).map { r in
            let p = probabilities.row(r)
            switch measure {
            case .entropy:
                var h = 0.0
                for j in 0..<probabilities.cols where p[j] > 0 { h -= Double(p[j]) * log(Double(p[j])) }
                return h
            case .margin:
                var top = -Float.infinity, second = -Float.infinity
                for j in 0..<probabilities.cols {
                    if p[j] > top { second = top; top = p[j] } else if p[j] > second { second = p[j] }
                }
                return 1 - Double(top - (second.isFinite ? second : 0))
            }
        }
    }

    /// The `count` indices with the highest score among those not `excluding`,
    /// highest first (ties → lower index, so the choice is deterministic).
    public static func mostUncertain(_ scores: [Double], count: Int, excluding: [Bool]) -> [Int] {
        let candidates = scores.indices.filter { !excluding[$0] }
        let sorted = candidates.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return Array(sorted.prefix(count))
    }
}

extension ActiveLearningStrategy.Uncertainty: ParameterChoice {}

extension ActiveLearningStrategy {
    static let initialParameter = Parameter<Double>("initial", default: 0.2, "fraction of the budget queried at random first",
                                                    range: .openClosed(0, 1), expected: "a fraction in (0, 1]")
    static let roundsParameter = Parameter<Int>("rounds", default: 4, "uncertainty-sampling rounds after the initial batch",
                                                range: .atLeast(0))
    static let uncertaintyParameter = Parameter<Uncertainty>("uncertainty", default: .entropy,
        "entropy (highest −Σ p log p) or margin (smallest top-1 − top-2)")

    public static let component = Component<QueryStrategy>(ComponentDescriptor(
        kind: .strategy, name: "active",
        summary: "active learning: a random initial batch, then rounds of the pool rows a substitute is least sure about",
        parameters: [initialParameter.declaration, roundsParameter.declaration, uncertaintyParameter.declaration],
        reference: "uncertainty sampling (Lewis & Gale 1994); ActiveThief (Pal et al. 2020)",
        target: "the attacker's pool")) { p in
        ActiveLearningStrategy(initialFraction: p[initialParameter], rounds: p[roundsParameter], uncertainty: p[uncertaintyParameter])
    }
}
