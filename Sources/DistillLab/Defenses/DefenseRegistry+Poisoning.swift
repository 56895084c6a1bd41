// Prediction poisoning: MAD, MAD-argmax, adaptive misinformation.
extension DefenseRegistry {
    static var poisoningEntries: [DefenseEntry] {
        [madEntry(.standard), madEntry(.argmaxPreserving), adaptiveMisinformationEntry]
    }

    static func madEntry(_ variant: MADVariant) -> DefenseEntry {
        let argmax = variant == .argmaxPreserving
        let descriptor = DefenseDescriptor(
            name: variant.rawValue,
            summary: argmax
                ? "MAD-argmax: moves each response within ε toward the mixture of classes (always including the top-1) that most turns a surrogate's last-layer gradient; keeps the top-1"
                : "MAD: moves each response within ε toward the class vertex that most turns a surrogate's last-layer gradient",
            parameters: [
                DefenseParameter("epsilon", default: "0.5", "perturbation budget ‖q − p‖ ≤ ε (≥ 0)"),
                DefenseParameter("norm", default: "l1", "norm of the budget: l1 or l2"),
                DefenseParameter("surrogate", default: "random", "the attacker stand-in: random (student-sized, untrained), trained (on the owner's data) or teacher"),
                DefenseParameter("objective", default: "surrogate", "oracle objective: surrogate ‖Gᵀ(ỹ−p)‖² or normalized (angle between gradients)"),
                DefenseParameter("surrogate-epochs", default: "10", "epochs for surrogate=trained"),
            ],
            argmaxPreserving: argmax, randomized: false,
            reference: "Orekondy et al., Prediction Poisoning, ICLR 2020 (tribhuvanesh/prediction-poisoning, defenses/victim/bb_mad.py)")
        return DefenseEntry(descriptor) { p in
            let epsilon = try p.double("epsilon", default: 0.5, expected: "a number ≥ 0") { $0 >= 0 }
            let norm = PerturbationNorm(rawValue: try p.choice("norm", default: "l1", among: PerturbationNorm.allCases.map(\.rawValue)))!
            let surrogate = MADSurrogate(rawValue: try p.choice("surrogate", default: "random", among: MADSurrogate.allCases.map(\.rawValue)))!
            let objective = MADObjective(rawValue: try p.choice("objective", default: "surrogate", among: MADObjective.allCases.map(\.rawValue)))!
            let epochs = try p.int("surrogate-epochs", default: 10, expected: "a positive integer") { $0 > 0 }
            return { context in
                try PredictionPoisoning.make(context: context, variant: variant, epsilon: epsilon, norm: norm,
                                             surrogate: surrogate, objective: objective, surrogateEpochs: epochs)
            }
        }
    }

    static var adaptiveMisinformationEntry: DefenseEntry {
        let descriptor = DefenseDescriptor(
            name: "adaptive-misinformation",
            summary: "answers unsure queries (max p below τ) with a model trained to avoid the true class: q = (1−h)·p + h·softmax(m(x)), h = σ(ν(τ − max p))",
            parameters: [
                DefenseParameter("tau", default: "0.99", "confidence threshold τ in [0, 1]"),
                DefenseParameter("nu", default: "10000", "sharpness ν of the switch (> 0)"),
                DefenseParameter("model", default: "teacher", "misinformation model widths: teacher or surrogate (student-sized)"),
                DefenseParameter("epochs", default: "10", "training epochs of the misinformation model"),
            ],
            argmaxPreserving: false, randomized: false,
            reference: "Kariyappa & Qureshi, Defending Against Model Stealing Attacks with Adaptive Misinformation, CVPR 2020")
        return DefenseEntry(descriptor) { p in
            let tau = try p.double("tau", default: 0.99, expected: "a number in [0, 1]") { $0 >= 0 && $0 <= 1 }
            let nu = try p.double("nu", default: 1e4, expected: "a positive number") { $0 > 0 }
            let architecture = MisinformationArchitecture(rawValue: try p.choice("model", default: "teacher",
                                                                                 among: MisinformationArchitecture.allCases.map(\.rawValue)))!
            let epochs = try p.int("epochs", default: 10, expected: "a positive integer") { $0 > 0 }
            return { context in
                try AdaptiveMisinformation.make(context: context, threshold: tau, sharpness: nu,
                                                architecture: architecture, epochs: epochs)
            }
        }
    }
}
