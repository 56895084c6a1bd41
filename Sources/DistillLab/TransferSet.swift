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
