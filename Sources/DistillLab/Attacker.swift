import Foundation
import DistillCore

/// What the attacker holds after querying: inputs and the oracle's responses.
public struct TransferSet {
    /// The queried inputs (budget × features).
    public var inputs: Matrix
    /// The oracle's responses, row-aligned (budget × classes).
    public var responses: Matrix
    /// Which pool rows were queried (for the honest-label reference student).
    public var poolIndices: [Int]
    public var count: Int { inputs.rows }

    /// A transfer set from row-aligned parts.
    /// - Precondition: `responses.rows == inputs.rows`, and `poolIndices` is empty
    ///   (inputs that are not pool rows) or has one index per row.
    public init(inputs: Matrix, responses: Matrix, poolIndices: [Int]) {
        precondition(responses.rows == inputs.rows, "\(inputs.rows) inputs but \(responses.rows) responses")
        precondition(poolIndices.isEmpty || poolIndices.count == inputs.rows,
                     "pool indices must be empty or one per row (\(poolIndices.count) for \(inputs.rows) rows)")
        self.inputs = inputs; self.responses = responses; self.poolIndices = poolIndices
    }

    /// The top-1 class of each response: what a label-only student trains on.
    public var responseLabels: [Int32] { responses.argmaxRows() }
}

/// The attacker's query strategy: random samples from its own unlabeled pool
/// (Knockoff-random / Copycat).
public struct RandomPoolAttacker {
    public var budget: Int
    /// Queries sent per oracle call.
    public var batchSize: Int
    public var client: String

    public init(budget: Int, batchSize: Int = 500, client: String = "attacker") {
        self.budget = budget; self.batchSize = batchSize; self.client = client
    }

    /// Draws `budget` distinct pool rows with `rng` and queries the oracle for them.
    /// - Throws: `ExperimentError.budgetExceedsPool` if the pool is too small, or the oracle's errors.
    public func collect(from oracle: Oracle, pool: Matrix, rng: inout RandomStream) throws -> TransferSet {
        guard budget > 0 else { throw ExperimentError.invalid("query budget must be positive, got \(budget)") }
        guard budget <= pool.rows else { throw ExperimentError.budgetExceedsPool(budget: budget, pool: pool.rows) }
        let indices = rng.sample(budget, from: pool.rows)
        let inputs = pool.gatherRows(indices)
        let responses = Matrix(rows: budget, cols: oracle.teacher.classCount)
        var start = 0
        while start < budget {
            let rows = min(batchSize, budget - start)
            let batch = inputs.gatherRows(start..<(start + rows))
            let answer = try oracle.query(batch, client: client)
            responses.row(start).update(from: answer.storage, count: answer.count)
            start += rows
        }
        return TransferSet(inputs: inputs, responses: responses, poolIndices: indices)
    }
}

/// Errors in setting up an experiment; each names the problem and the fix.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case budgetExceedsPool(budget: Int, pool: Int)
    case outputExists(String)

    public var description: String {
        switch self {
        case let .invalid(s): return s
        case let .budgetExceedsPool(b, p):
            return "the query budget (\(b)) is larger than the attacker's pool (\(p) inputs); lower --budget to at most \(p) or enlarge the pool fraction"
        case let .outputExists(p): return "\(p) already exists and results are never overwritten; choose another output folder"
        }
    }
}
