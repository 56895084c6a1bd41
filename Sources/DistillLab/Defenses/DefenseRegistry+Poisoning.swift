// Prediction poisoning (MAD, adaptive misinformation): filled in by the defenses work.
extension DefenseRegistry {
    static var poisoningEntries: [DefenseEntry] { [] }
}
