extension DataSplits {
    /// `allocation[c][p]`: how many of class c go to part p.
    ///
    /// Each entry is the floor or ceiling of the quota `classSizes[c] ·
    /// partSizes[p] / n`; column sums equal `partSizes`, row sums are at most
    /// `classSizes` (an implicit "unused" column takes the rest). Such a
    /// rounding always exists because all row and column totals are integers;
    /// it is found by max-flow over the fractional entries.
    /// - Precondition: `partSizes.reduce(0, +) <= classSizes.reduce(0, +)`, all ≥ 0.
    /// - Complexity: O(C · P · (C + P)) for C classes and P parts.
    static func stratifiedAllocation(classSizes: [Int], partSizes: [Int]) -> [[Int]] {
        let n = classSizes.reduce(0, +)
        let used = partSizes.reduce(0, +)
        precondition(used <= n && n > 0)
        // Columns: the parts plus "unused".
        let cols = partSizes + [n - used]
        let rowCount = classSizes.count, colCount = cols.count
        var floors = [[Int]](repeating: [Int](repeating: 0, count: colCount), count: rowCount)
        var fractional = [[Bool]](repeating: [Bool](repeating: false, count: colCount), count: rowCount)
        var rowNeed = [Int](repeating: 0, count: rowCount)
        var colNeed = cols
        for c in 0..<rowCount {
            for p in 0..<colCount {
                // Exact integer arithmetic: quota = classSize·colSize / n.
                let product = classSizes[c] * cols[p]
                floors[c][p] = product / n
                fractional[c][p] = product % n != 0
            }
            rowNeed[c] = classSizes[c] - floors[c].reduce(0, +)
            for p in 0..<colCount { colNeed[p] -= floors[c][p] }
        }
        // Bipartite flow: each class must round up rowNeed[c] entries, each
        // part colNeed[p]; an entry may round up once and only if fractional.
        // Augmenting paths (Ford–Fulkerson) over the residual graph.
        var up = [[Bool]](repeating: [Bool](repeating: false, count: colCount), count: rowCount)
        var colFlow = [Int](repeating: 0, count: colCount)
        for c in 0..<rowCount {
            for _ in 0..<rowNeed[c] {
                var visitedRows = [Bool](repeating: false, count: rowCount)
                var visitedCols = [Bool](repeating: false, count: colCount)
                // DFS from row c looking for a column with spare demand.
                func augment(_ r: Int) -> Bool {
                    visitedRows[r] = true
                    for p in 0..<colCount where fractional[r][p] && !up[r][p] && !visitedCols[p] {
                        visitedCols[p] = true
                        if colFlow[p] < colNeed[p] {
                            up[r][p] = true; colFlow[p] += 1
                            return true
                        }
                        // Column full: reroute one of its units from another row.
                        for r2 in 0..<rowCount where up[r2][p] && !visitedRows[r2] {
                            up[r2][p] = false
                            if augment(r2) {
                                up[r][p] = true
                                return true
                            }
                            up[r2][p] = true
                        }
                    }
                    return false
                }
                let found = augment(c)
                assert(found, "controlled rounding must exist")
            }
        }
        return (0..<rowCount).map { c in
            (0..<partSizes.count).map { p in floors[c][p] + (up[c][p] ? 1 : 0) }
        }
    }
}
