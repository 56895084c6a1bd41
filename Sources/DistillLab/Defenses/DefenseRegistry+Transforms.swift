// Response transforms (output perturbations, methods.md §4): parameters are
// checked when the spec is parsed; checks that need the teacher (top-k's
// k ≤ class count) run when the defense is built.
extension DefenseRegistry {
    static var transformEntries: [DefenseEntry] {
        [
            DefenseEntry(LabelOnlyDefense.descriptor) { _ in
                { _ in LabelOnlyDefense() }
            },
            DefenseEntry(TopKDefense.descriptor) { p in
                let k = try p.int("k", default: 1, expected: "an integer ≥ 1 (and at most the class count)") { $0 >= 1 }
                return { context in
                    let classes = context.teacher.classCount
                    guard k <= classes else {
                        throw DefenseError.invalidValue(defense: "top-k", parameter: "k", value: String(k),
                                                        expected: "an integer from 1 to \(classes) (the teacher has \(classes) classes)")
                    }
                    return TopKDefense(k: k)
                }
            },
            DefenseEntry(RoundingDefense.descriptor) { p in
                let range = RoundingDefense.decimalRange
                let d = try p.int("decimals", default: 2,
                                  expected: "an integer from \(range.lowerBound) to \(range.upperBound)") { range.contains($0) }
                return { _ in RoundingDefense(decimals: d) }
            },
            DefenseEntry(HighConfidenceDefense.descriptor) { p in
                let cutoff = try p.double("cutoff", default: 0.25, expected: "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
                return { _ in HighConfidenceDefense(cutoff: cutoff) }
            },
            DefenseEntry(GaussianNoiseDefense.descriptor) { p in
                let sigma = try p.double("sigma", default: 0.05, expected: "a number ≥ 0") { $0 >= 0 }
                return { _ in GaussianNoiseDefense(sigma: sigma) }
            },
            DefenseEntry(TemperatureDefense.descriptor) { p in
                let t = try p.double("T", default: 2, expected: "a number > 0") { $0 > 0 }
                return { _ in TemperatureDefense(temperature: t) }
            },
            DefenseEntry(LabelSmoothingDefense.descriptor) { p in
                let eps = try p.double("epsilon", default: 0.1, expected: "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
                return { _ in LabelSmoothingDefense(epsilon: eps) }
            },
            DefenseEntry(ReverseSigmoidDefense.descriptor) { p in
                let beta = try p.double("beta", default: 1.0, expected: "a number > 0") { $0 > 0 }
                let gamma = try p.double("gamma", default: 0.1, expected: "a number > 0") { $0 > 0 }
                return { _ in ReverseSigmoidDefense(beta: beta, gamma: gamma) }
            },
        ]
    }
}
