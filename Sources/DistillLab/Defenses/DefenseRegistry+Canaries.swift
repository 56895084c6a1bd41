// Canaries: keyed wrong answers (DAWN) and a periodic signal (CosWM/DRW).
extension DefenseRegistry {
    static var canaryEntries: [DefenseEntry] { [keyedCanaryEntry, periodicSignalEntry] }

    static var keyedCanaryEntry: DefenseEntry {
        DefenseEntry(DefenseDescriptor(
            name: "keyed-canary",
            summary: "answers a keyed fraction of queries (HMAC-SHA256 of the input) with a keyed wrong label and logs them for a binomial ownership test",
            parameters: [
                DefenseParameter("rate", default: "0.005", "fraction of queries marked, in (0, 1)"),
                DefenseParameter("response", default: "one-hot", "one-hot (the canary label) or swap (exchange top-1 and canary probabilities)"),
                DefenseParameter("key", default: "from the seed", "secret HMAC key in hex, at least 32 hex digits; default: 32 bytes from the run's canary stream"),
            ],
            argmaxPreserving: false, randomized: false,
            reference: "Szyller et al. 2021, DAWN: Dynamic Adversarial Watermarking of Neural Networks"
        )) { p in
            let rate = try p.double("rate", default: 0.005, expected: "a fraction in (0, 1), at least 2^-16") {
                $0 > 0 && $0 < 1 && ($0 * 65536).rounded(.down) >= 1
            }
            let mode = KeyedCanary.ResponseMode(rawValue: try p.choice(
                "response", default: "one-hot", among: KeyedCanary.ResponseMode.allCases.map(\.rawValue)))!
            let keyText = p.string("key", default: "")
            var key: [UInt8]? = nil
            if !keyText.isEmpty {
                // The value is the secret: never echo it in the error.
                guard let k = KeyedCanary.parseHexKey(keyText) else {
                    throw DefenseError.invalidValue(defense: "keyed-canary", parameter: "key", value: "(hidden)",
                                                    expected: "an even number of hex digits 0-9a-f")
                }
                guard k.count >= 16 else {
                    throw DefenseError.invalidValue(defense: "keyed-canary", parameter: "key", value: "(\(k.count) bytes)",
                                                    expected: "at least 16 bytes (32 hex digits)")
                }
                key = k
            }
            return { context in
                try KeyedCanary(key: key ?? KeyedCanary.defaultKey(seed: context.seed), rate: rate, response: mode,
                                classCount: context.teacher.classCount, featureCount: context.teacher.inputSize)
            }
        }
    }

    static var periodicSignalEntry: DefenseEntry {
        DefenseEntry(DefenseDescriptor(
            name: "periodic-signal",
            summary: "adds a cosine of a secret projection of the query to the top-class probability; verified by a Lomb-Scargle peak in the suspect's outputs",
            parameters: [
                DefenseParameter("f", default: "16", "angular frequency of the signal in standardised projection units (> 0)"),
                DefenseParameter("epsilon", default: "0.2", "signal strength in (0, 1]"),
                DefenseParameter("probes", default: "validation", "verification probes: validation (the owner's held-out data) or served (the first 5000 distinct queries answered)"),
            ],
            argmaxPreserving: false, randomized: false,
            reference: "Charette et al. 2022, Cosine Model Watermarking Against Ensemble Distillation (CosWM); Zhao et al. 2022 (DRW)"
        )) { p in
            let f = try p.double("f", default: 16, expected: "a positive angular frequency, e.g. 16") { $0 > 0 }
            let epsilon = try p.double("epsilon", default: 0.2, expected: "a signal strength in (0, 1], e.g. 0.2") { $0 > 0 && $0 <= 1 }
            let probes = PeriodicSignal.ProbeSource(rawValue: try p.choice(
                "probes", default: "validation", among: PeriodicSignal.ProbeSource.allCases.map(\.rawValue)))!
            return { context in try PeriodicSignal(context: context, frequency: f, epsilon: epsilon, probeSource: probes) }
        }
    }
}
