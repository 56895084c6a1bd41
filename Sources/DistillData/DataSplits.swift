import DistillCore

/// The four disjoint parts of an experiment's data.
public struct DataSplits {
    /// The teacher's private training set.
    public let teacherTrain: Dataset
    /// Validation data for the teacher and the student.
    public let validation: Dataset
    /// Inputs the attacker may query with (their labels are for evaluation only).
    public let attackerPool: Dataset
    /// Held-out test data.
    public let test: Dataset

    /// Splits `train` (and uses `test`, when given, as the test part).
    ///
    /// Sizes: each part gets `round(n · fraction)` examples of the n being
    /// split, `poolSize` (when given) replaces the pool's fraction, and when
    /// rounding overshoots n (by at most 2) the teacher part gives up the excess. Fractions
    /// summing to less than 1 leave examples unused.
    ///
    /// Stratified: each part's per-class count is the floor or ceiling of
    /// `classCount · partSize / n`, and each part's total is exact (a controlled
    /// rounding, solved as a small max-flow). Each class's examples are shuffled
    /// and dealt to the parts in order teacher, validation, pool, test; each
    /// part is then shuffled, so any prefix (e.g. the attacker's first
    /// `budget` queries) is a random sample, not one class.
    ///
    /// Deterministic: the same data, fractions and seed give the same split,
    /// drawn from `RandomStream(seed: seed, purpose: .split)`.
    ///
    /// - Throws: `DatasetError.invalidSplit` for bad fractions, sizes that do
    ///   not fit, any empty part; `incompatibleTestSet` when `test` has other
    ///   features or classes than `train`.
    /// - Complexity: O(n · featureCount) to group, shuffle (Fisher–Yates) and copy the rows.
    public static func make(train: Dataset, test: Dataset?, fractions: SplitFractions, seed: UInt64,
                            poolSize: Int? = nil) throws -> DataSplits {
        try fractions.validate(hasOfficialTest: test != nil, poolIsAbsolute: poolSize != nil)
        if let test {
            guard test.featureCount == train.featureCount else {
                throw DatasetError.incompatibleTestSet(train: train.name, test: test.name,
                                                       reason: "\(test.featureCount) features, expected \(train.featureCount)")
            }
            guard test.classNames == train.classNames else {
                throw DatasetError.incompatibleTestSet(train: train.name, test: test.name,
                                                       reason: "classes \(test.classNames) differ from \(train.classNames)")
            }
        }
        // Accuracy over an empty test set is undefined (a trap in Metrics); refuse it here.
        if let test, test.count == 0 {
            throw DatasetError.invalidSplit(reason: "test set \(test.name) is empty. Pass a test set with at least one example, or none so a test split is carved from the training data")
        }
        let n = train.count
        guard n > 0 else { throw DatasetError.invalidSplit(reason: "dataset \(train.name) is empty") }
        if let poolSize, poolSize <= 0 {
            throw DatasetError.invalidSplit(reason: "attacker pool size \(poolSize) must be positive")
        }

        // Target part sizes.
        func sized(_ f: Double) -> Int { Int((Double(n) * f).rounded()) }
        let partNames = test == nil ? ["teacherTrain", "validation", "attackerPool", "test"]
                                    : ["teacherTrain", "validation", "attackerPool"]
        var sizes = [sized(fractions.teacherTrain), sized(fractions.validation),
                     poolSize ?? sized(fractions.attackerPool)]
        if test == nil { sizes.append(sized(fractions.test)) }
        let others = sizes.dropFirst().reduce(0, +)
        if others >= n {
            throw DatasetError.invalidSplit(reason: "\(train.name) has \(n) examples; validation/pool/test need \(others), leaving none for the teacher. Lower poolSize or the fractions")
        }
        // Rounding four parts can overshoot n by at most 2; more means an
        // absolute pool size that does not fit beside the fractions.
        if sizes[0] + others > n + 2 {
            throw DatasetError.invalidSplit(reason: "\(train.name) has \(n) examples but the parts need \(zip(partNames, sizes).map { "\($0.0) \($0.1)" }.joined(separator: " + ")) = \(sizes[0] + others). Lower poolSize or the teacher fraction")
        }
        sizes[0] = min(sizes[0], n - others)
        for (name, size) in zip(partNames, sizes) where size <= 0 {
            throw DatasetError.invalidSplit(reason: "the \(name) part of \(train.name) (\(n) examples, \(fractions)) would be empty. Raise its fraction or use more data")
        }

        // Per-class allocation with exact part totals.
        var byClass = train.indicesByClass()
        let classSizes = byClass.map(\.count)
        let allocation = stratifiedAllocation(classSizes: classSizes, partSizes: sizes)

        var rng = RandomStream(seed: seed, purpose: .split)
        var parts = [[Int]](repeating: [], count: sizes.count)
        for c in byClass.indices {
            rng.shuffle(&byClass[c])
            var next = 0
            for p in sizes.indices {
                parts[p].append(contentsOf: byClass[c][next ..< next + allocation[c][p]])
                next += allocation[c][p]
            }
        }
        for p in parts.indices { rng.shuffle(&parts[p]) }

        let base = train.name.hasSuffix("/train") ? String(train.name.dropLast(6)) : train.name
        return DataSplits(
            teacherTrain: train.subset(parts[0], name: "\(base)/teacher-train"),
            validation: train.subset(parts[1], name: "\(base)/validation"),
            attackerPool: train.subset(parts[2], name: "\(base)/attacker-pool"),
            test: test ?? train.subset(parts[3], name: "\(base)/test"))
    }

    /// Sizes of the four parts, in order teacher, validation, pool, test.
    public var sizes: [Int] { [teacherTrain.count, validation.count, attackerPool.count, test.count] }
}
