// Response transforms (label-only, top-k, rounding, …): filled in by the defenses work.
extension DefenseRegistry {
    static var transformEntries: [DefenseEntry] { [] }
}
