import DistillCore

extension DataSplits {
    /// These splits with `method` fitted on the teacher's training split alone
    /// and applied to all four (validation, pool and test never enter the fit:
    /// they are held out, and the attacker's pool is not the owner's data).
    /// `.none` returns the splits themselves, untouched, and no normaliser.
    /// - Complexity: O(rows · features) over all splits.
    public func normalized(_ method: FeatureNormalization) -> (splits: DataSplits, normalizer: FeatureNormalizer?) {
        guard let normalizer = FeatureNormalizer.fit(method, on: teacherTrain) else { return (self, nil) }
        let splits = DataSplits(teacherTrain: normalizer.apply(to: teacherTrain), validation: normalizer.apply(to: validation),
                                attackerPool: normalizer.apply(to: attackerPool), test: normalizer.apply(to: test))
        return (splits, normalizer)
    }
}
