import Foundation
import DistillCore

/// Building, combining and filtering transfer sets.
///
/// `poolIndices` is row-aligned with `inputs` when every queried input is a
/// pool row (random, active learning); it is EMPTY when some inputs are not
/// pool rows (out-of-distribution data or noise, Jacobian-synthesised points),
/// because such queries have no honest pool label. Check `isFromPool` before
/// looking labels up by pool index.
extension TransferSet {
    /// Whether every row is a pool row (`poolIndices[i]` names it).
    public var isFromPool: Bool { poolIndices.count == count && count > 0 }

    /// The rows at `rows`, in that order; pool indices follow when present.
    /// - Complexity: O(k · (features + classes)).
    public func selecting(_ rows: [Int]) -> TransferSet {
        TransferSet(inputs: inputs.gatherRows(rows), responses: responses.gatherRows(rows),
                    poolIndices: isFromPool ? rows.map { poolIndices[$0] } : [])
    }

    /// The rows of `self` followed by those of `other`; pool indices are kept
    /// only when both sets are from the pool.
    public func appending(_ other: TransferSet) -> TransferSet {
        precondition(other.inputs.cols == inputs.cols && other.responses.cols == responses.cols,
                     "cannot append a \(other.inputs.cols)→\(other.responses.cols) transfer set to a \(inputs.cols)→\(responses.cols) one")
        let x = Matrix(rows: count + other.count, cols: inputs.cols)
        let y = Matrix(rows: count + other.count, cols: responses.cols)
        x.storage.update(from: inputs.storage, count: inputs.count)
        (x.storage + inputs.count).update(from: other.inputs.storage, count: other.inputs.count)
        y.storage.update(from: responses.storage, count: responses.count)
        (y.storage + responses.count).update(from: other.responses.storage, count: other.responses.count)
        let bothPool = (isFromPool || count == 0) && (other.isFromPool || other.count == 0)
        return TransferSet(inputs: x, responses: y, poolIndices: bothPool ? poolIndices + other.poolIndices : [])
    }

    /// The same set with every response replaced by the one-hot of its argmax
    /// (what the `argmax` counter trains on).
    public func argmaxResponses() -> TransferSet {
        let y = responses.copy()
        TransferSet.oneHotRows(y)
        return TransferSet(inputs: inputs, responses: y, poolIndices: poolIndices)
    }

    /// Replaces each row of `m` by the one-hot of its argmax, in place (ties → lowest index).
    public static func oneHotRows(_ m: Matrix) {
        for r in 0..<m.rows {
            let row = m.row(r)
            let best = Kernels.argmax(row, count: m.cols)
            row.update(repeating: 0, count: m.cols)
            row[best] = 1
        }
    }
}
