import Foundation

/// The Pareto front of defense settings: those no other setting beats on both
/// counts — less benign utility lost (cost, minimised) *and* more student
/// accuracy lost (benefit, maximised).
public enum ParetoFront {

    /// Indices of the non-dominated points, in ascending cost order (ties in
    /// input order).
    ///
    /// Point q dominates p when q.cost ≤ p.cost, q.benefit ≥ p.benefit and at
    /// least one is strict. So identical points are all on the front (none is
    /// strictly better), while a point with the same cost and a lower benefit is
    /// not. Points with a NaN coordinate are ignored.
    ///
    /// - Complexity: O(n log n) (one sort, then one sweep keeping the best
    ///   benefit seen at lower cost).
    public static func indices(of points: [(cost: Double, benefit: Double)]) -> [Int] {
        let order = points.indices
            .filter { !points[$0].cost.isNaN && !points[$0].benefit.isNaN }
            .sorted { a, b in
                let pa = points[a], pb = points[b]
                if pa.cost != pb.cost { return pa.cost < pb.cost }
                if pa.benefit != pb.benefit { return pa.benefit > pb.benefit }
                return a < b
            }
        var front: [Int] = []
        var bestAtLowerCost: Double? = nil
        var i = 0
        while i < order.count {
            // A group of equal cost: only its best benefit can survive, and only
            // if no cheaper point already reached that benefit.
            let cost = points[order[i]].cost
            let best = points[order[i]].benefit
            var j = i
            while j < order.count && points[order[j]].cost == cost {
                if points[order[j]].benefit == best && (bestAtLowerCost.map { best > $0 } ?? true) { front.append(order[j]) }
                j += 1
            }
            bestAtLowerCost = max(bestAtLowerCost ?? best, best)
            i = j
        }
        return front
    }
}
