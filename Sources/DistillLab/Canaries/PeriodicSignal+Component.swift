import Foundation

extension PeriodicSignal.ProbeSource: ParameterChoice {}

extension PeriodicSignal {
    static let frequencyParameter = Parameter<Double>("f", default: 16,
        "angular frequency of the signal in standardised projection units", range: .positive,
        expected: "a positive angular frequency, e.g. 16")
    static let epsilonParameter = Parameter<Double>("epsilon", default: 0.2, "signal strength", range: .openClosed(0, 1),
                                                    expected: "a signal strength in (0, 1], e.g. 0.2")
    static let probesParameter = Parameter<ProbeSource>("probes", default: .validation,
        "verification probes: validation (the owner's held-out data) or served (the first 5000 distinct queries answered)")

    /// Each oracle gets its own signal (its own served probes) with the same key.
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .canary, name: "periodic-signal",
        summary: "adds a cosine of a secret projection of the query to the top-class probability; verified by a Lomb-Scargle peak in the suspect's outputs",
        parameters: [frequencyParameter.declaration, epsilonParameter.declaration, probesParameter.declaration],
        reference: "Charette et al. 2022, Cosine Model Watermarking Against Ensemble Distillation (CosWM); Zhao et al. 2022 (DRW)"),
        evidence: { try PeriodicSignalEvidence.read($0, from: $1) }) { p, context in
        try PeriodicSignal(context: context, frequency: p[frequencyParameter], epsilon: p[epsilonParameter],
                           probeSource: p[probesParameter])
    }
}
