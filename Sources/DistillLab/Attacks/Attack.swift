import Foundation
import DistillCore

/// One attacker: a query strategy plus any adaptive counters, built from specs,
/// e.g. `Attack(strategy: "jacobian:lambda=0.1", counters: ["argmax"])`.
///
/// `run` applies every counter's `prepare` (repeats, argmax) to the context,
/// lets the strategy spend the budget through the oracle, then every counter's
/// `refine` (ensemble filtering) in the order given.
public struct Attack {
    public let strategySpec: AttackSpec
    public let counterSpecs: [AttackSpec]
    public let strategy: QueryStrategy
    public let counters: [AttackCounter]

    /// Checks every spec before anything runs.
    /// - Throws: `AttackError` for unknown names, bad parameters, or a counter given twice.
    public init(strategy: AttackSpec, counters: [AttackSpec] = []) throws {
        self.strategySpec = strategy
        self.counterSpecs = counters
        let registry = ComponentRegistry.shared
        self.strategy = try registry.strategy(strategy)
        var seen: Set<String> = []
        for c in counters where !seen.insert(c.name).inserted {
            throw AttackError.malformedSpec(c.description, "counter '\(c.name)' is given twice; give it once with the parameters you want")
        }
        self.counters = try counters.map(registry.counter)
    }

    /// Parses the spec strings, then as `init(strategy:counters:)`.
    public init(parsing strategy: String, counters: [String] = []) throws {
        try self.init(strategy: AttackSpec(parsing: strategy), counters: counters.map { try AttackSpec(parsing: $0) })
    }

    /// "jacobian:lambda=0.1 + argmax".
    public var description: String { ([strategySpec] + counterSpecs).map(\.description).joined(separator: " + ") }

    /// Checks the plan (the strategy's needs, through the counters' channels)
    /// before any teacher or oracle exists.
    /// - Throws: `AttackError.incompatible` naming what to change.
    public func check(_ context: AttackContext, classCount: Int) throws {
        try strategy.check(context.planned(classCount: classCount, counters: counters))
    }

    /// Runs the attack against `oracle`.
    /// - Parameters:
    ///   - context: the attacker's pool, budget, client id and student (connected to `oracle`
    ///     through the counters' channels).
    ///   - rng: the run's attack stream; every random choice is drawn from it.
    /// - Throws: `AttackError` when the strategy cannot run in this context or the oracle
    ///   would refuse the planned queries; the oracle's and the trainer's errors.
    public func run(oracle: Oracle, context: AttackContext, rng: inout RandomStream) throws -> AttackOutcome {
        let ctx = try context.connected(to: oracle, counters: counters)
        let name = strategySpec.name
        guard oracle.teacher.inputSize == ctx.inputSize else {
            throw AttackError.incompatible(component: name, reason: "the teacher takes \(oracle.teacher.inputSize) inputs but the attacker's pool rows have \(ctx.inputSize)")
        }
        guard oracle.teacher.classCount == ctx.classCount else {
            throw AttackError.incompatible(component: name, reason: "the student has \(ctx.classCount) outputs but the teacher answers with \(oracle.teacher.classCount) classes")
        }
        let before = oracle.queryCounts[ctx.client, default: 0]
        if let b = oracle.budgets[ctx.client], b - before < ctx.plannedQueries {
            throw AttackError.incompatible(component: name, reason: "the oracle allows client '\(ctx.client)' \(b - before) more queries but the attack plans \(ctx.plannedQueries); lower the attack budget or raise the oracle's")
        }
        let report = try strategy.collect(context: ctx, rng: &rng)
        let spent = oracle.queryCounts[ctx.client, default: 0] - before
        guard spent <= ctx.budget else {
            throw AttackError.incompatible(component: name, reason: "it spent \(spent) queries, over its budget of \(ctx.budget) (a bug in the strategy)")
        }
        var notes = report.notes
        var transfer = report.transfer
        var dropped: [Int] = []
        var surviving = Array(0..<transfer.count)   // rows of the collected set still present
        for c in counters {
            let r = try c.refine(transfer, context: ctx, rng: &rng)
            dropped += r.dropped.map { surviving[$0] }
            let gone = Set(r.dropped)
            surviving = surviving.enumerated().filter { !gone.contains($0.offset) }.map(\.element)
            transfer = r.transfer
            for (key, value) in r.notes { notes[c.name + "." + key] = value }
        }
        return AttackOutcome(transfer: transfer, collected: report.transfer.count, queriesSpent: spent,
                             dropped: dropped.sorted(), notes: notes)
    }
}

/// What an attack produced.
public struct AttackOutcome {
    /// The transfer set the student trains on (after any filtering).
    public var transfer: TransferSet
    /// Distinct inputs collected before counters filtered any.
    public var collected: Int
    /// Queries the oracle counted for the attacker's client during the run
    /// (= repeats × distinct inputs; ≤ the budget).
    public var queriesSpent: Int
    /// Rows of the collected set that counters removed (ascending).
    public var dropped: [Int]
    /// What the strategy and counters reported, e.g. "rounds", "ensemble-filter.filtered".
    public var notes: [String: String]
}
