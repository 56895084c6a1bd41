import DistillCore
import DistillLab

/// `sequential`: the first ⌊budget / repeats⌋ rows of the attacker's pool,
/// in order, from row `offset` on. A deterministic baseline: no draw from
/// the attack stream, so two runs differ only by their defenses' randomness.
public struct SequentialPoolStrategy: QueryStrategy {
    public var name: String { "sequential" }
    public var offset: Int

    static let offsetParameter = Parameter<Int>("offset", default: 0, "first pool row queried", range: .atLeast(0))
    public static let component = Component<QueryStrategy>(ComponentDescriptor(
        kind: .strategy, name: "sequential", summary: "pool rows in order from `offset` (no randomness)",
        parameters: [offsetParameter.declaration],
        reference: "distill-lab Examples/PluginExample (a plug-in baseline)",
        target: "the attacker's pool")) { p in SequentialPoolStrategy(offset: p[offsetParameter]) }

    public init(offset: Int = 0) { self.offset = offset }

    public func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        try context.validate(component: name)
        let count = context.distinctBudget
        guard offset + count <= context.pool.rows else {
            throw AttackError.incompatible(component: name, reason: "rows \(offset)..<\(offset + count) do not fit a pool of \(context.pool.rows); lower the budget or the offset")
        }
        let indices = Array(offset..<(offset + count))
        let inputs = context.pool.gatherRows(indices)
        let responses = try context.query(inputs)
        return StrategyReport(transfer: TransferSet(inputs: inputs, responses: responses, poolIndices: indices),
                              notes: ["offset": "\(offset)"])
    }
}
