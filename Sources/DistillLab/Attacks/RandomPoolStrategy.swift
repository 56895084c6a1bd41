import Foundation
import DistillCore

/// `random`: distinct pool rows drawn uniformly (Knockoff-random, Copycat).
///
/// Draws `⌊budget / repeats⌋` distinct rows with `rng.sample` and queries
/// them in batches of the context's query batch.
public struct RandomPoolStrategy: QueryStrategy {
    public var name: String { "random" }
    public init() {}

    /// What the strategy needs before its first query.
    public func check(_ context: AttackContext) throws {
        try context.validate(component: name)
        guard context.distinctBudget <= context.pool.rows else {
            throw AttackError.incompatible(component: name, reason: "it needs \(context.distinctBudget) distinct pool inputs but the pool has \(context.pool.rows); lower the budget (attack.budget, --budget) to at most \(context.pool.rows * context.repeats) or enlarge the pool (data.poolFraction)")
        }
    }

    /// - Complexity: O(budget · features) to gather, plus the oracle's work.
    public func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        try check(context)
        let indices = rng.sample(context.distinctBudget, from: context.pool.rows)
        let inputs = context.pool.gatherRows(indices)
        let responses = try context.query(inputs)
        return StrategyReport(transfer: TransferSet(inputs: inputs, responses: responses, poolIndices: indices))
    }
}

extension RandomPoolStrategy {
    public static let component = Component<QueryStrategy>(ComponentDescriptor(
        kind: .strategy, name: "random", summary: "distinct attacker-pool rows drawn uniformly at random",
        parameters: [], reference: "Knockoff Nets (Orekondy et al. 2019) random; Copycat CNN",
        target: "the attacker's pool")) { _ in RandomPoolStrategy() }
}
