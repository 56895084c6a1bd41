/// The disjoint parts of a task suite's problem space.
///
/// A problem belongs to exactly one split, decided by a hash of its canonical
/// prompt text (`TaskSplit.of(canonicalPrompt:)`), not by the seed or the index:
/// so the same prompt can never be drawn for two splits, whatever the seeds.
public enum TaskSplit: String, Codable, Sendable, CaseIterable {
    /// Prompts the teacher is trained on (60% of the hash buckets).
    case train
    /// Prompts for early stopping and model selection (10%).
    case validation
    /// Held-out prompts for the exact-match scores (10%).
    case test
    /// The attacker's prompts: same distribution, disjoint from the others (20%).
    case attackerPool

    /// The hash buckets (out of `bucketCount`) that belong to this split.
    public var buckets: Range<Int> {
        switch self {
        case .train: return 0..<60
        case .validation: return 60..<70
        case .test: return 70..<80
        case .attackerPool: return 80..<100
        }
    }

    public static let bucketCount = 100

    /// The split a canonical prompt belongs to (FNV-1a 64 of its UTF-8 bytes,
    /// finished with SplitMix64's mixer so nearby prompts spread over buckets).
    public static func of(canonicalPrompt: String) -> TaskSplit {
        let bucket = Int(stableHash(canonicalPrompt) % UInt64(bucketCount))
        for split in allCases where split.buckets.contains(bucket) { return split }
        return .train  // unreachable: the buckets cover 0..<bucketCount
    }
}

/// FNV-1a 64 of the UTF-8 bytes, then SplitMix64's finaliser. Stable across
/// runs and platforms (unlike `Hasher`, which is seeded per process).
@inlinable
func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    h ^= h >> 30; h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 27; h = h &* 0x94D0_49BB_1331_11EB
    h ^= h >> 31
    return h
}
