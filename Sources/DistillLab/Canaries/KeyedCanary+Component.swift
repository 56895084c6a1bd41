import Foundation

extension KeyedCanary.ResponseMode: ParameterChoice {}

extension KeyedCanary {
    static let rateParameter = Parameter<Double>("rate", default: 0.005, "fraction of queries marked",
                                                 expected: "a fraction in (0, 1), at least 2^-16",
                                                 where: { $0 > 0 && $0 < 1 && ($0 * 65536).rounded(.down) >= 1 })
    static let responseParameter = Parameter<ResponseMode>("response", default: .oneHot,
        "one-hot (the canary label) or swap (exchange top-1 and canary probabilities)")
    static let keyParameter = Parameter<String>("key", absent: "from the seed",
        "secret HMAC key in hex, at least 32 hex digits; default: 32 bytes from the run's canary stream",
        expected: "an even number of hex digits 0-9a-f, at least 32 (16 bytes)", secret: true,
        where: { (KeyedCanary.parseHexKey($0)?.count ?? 0) >= 16 })

    /// Every oracle gets its own canary (its own log of marked queries) under the same key.
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .canary, name: "keyed-canary",
        summary: "answers a keyed fraction of queries (HMAC-SHA256 of the input) with a keyed wrong label and logs them for a binomial ownership test",
        parameters: [rateParameter.declaration, responseParameter.declaration, keyParameter.declaration],
        reference: "Szyller et al. 2021, DAWN: Dynamic Adversarial Watermarking of Neural Networks"),
        evidence: { try CanaryLog.read($0, from: $1) }) { p, context in
        let key = p.optional(keyParameter).flatMap(KeyedCanary.parseHexKey) ?? KeyedCanary.defaultKey(seed: context.seed)
        return try KeyedCanary(key: key, rate: p[rateParameter], response: p[responseParameter],
                               classCount: context.teacher.classCount, featureCount: context.teacher.inputSize)
    }
}
