// Canaries (keyed wrong answers, periodic signal): filled in by the canaries work.
extension DefenseRegistry {
    static var canaryEntries: [DefenseEntry] { [] }
}
