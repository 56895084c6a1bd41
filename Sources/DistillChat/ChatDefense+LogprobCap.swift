import Foundation
import DistillCore
import DistillLab

/// `logprob-cap`: returns at most `top` alternatives per token in
/// `top_logprobs` (the best ones; the sampled token's own log-prob stays).
/// `top=0` strips every alternative, so token-level KD on the returned
/// distribution only sees the sampled token.
/// - Precondition (checked when parsed): 0 ≤ top ≤ 20.
public final class LogprobCapDefense: ChatResponseDefense {
    public let name = "logprob-cap"
    public let top: Int

    static let topParameter = Parameter<Int>("top", default: 1, "alternatives kept per token",
                                             range: .closed(0, Double(ChatRequest.maxTopLogprobs)))
    public static let component = ChatComponent<ChatDefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "logprob-cap",
        summary: "return at most `top` top_logprobs per token (0 = the sampled token's log-prob only)",
        parameters: [topParameter.declaration],
        reference: "top-k response truncation (Tramèr et al. 2016; Orekondy et al. 2019), for token log-probs",
        argmaxPreserving: true)) { p, _ in LogprobCapDefense(top: p[topParameter]) }

    public init(top: Int) {
        precondition(top >= 0, "logprob-cap needs top >= 0")
        self.top = top
    }

    public func apply(to response: inout ChatResponse, request: ChatRequest, account: Account, rng: inout RandomStream) throws {
        for c in response.choices.indices {
            guard var lp = response.choices[c].logprobs else { continue }
            for i in lp.content.indices where lp.content[i].topLogprobs.count > top {
                lp.content[i].topLogprobs.removeLast(lp.content[i].topLogprobs.count - top)
            }
            response.choices[c].logprobs = lp
        }
    }
}

/// `logprob-rounding`: rounds every returned log-prob to `decimals` decimal
/// places (half to even), coarsening what token-level KD can learn from;
/// the text is unchanged.
/// - Precondition (checked when parsed): 0 ≤ decimals ≤ 6.
public final class LogprobRoundingDefense: ChatResponseDefense {
    public let name = "logprob-rounding"
    public let decimals: Int
    private let scale: Double

    static let decimalsParameter = Parameter<Int>("decimals", default: 1, "decimal places kept", range: .closed(0, 6))
    public static let component = ChatComponent<ChatDefenseFitter>.transform(ComponentDescriptor(
        kind: .defense, name: "logprob-rounding",
        summary: "round every returned log-prob to d decimals (text unchanged)",
        parameters: [decimalsParameter.declaration],
        reference: "ART Rounded postprocessor, applied to log-probs", argmaxPreserving: true)) { p, _ in
        LogprobRoundingDefense(decimals: p[decimalsParameter])
    }

    public init(decimals: Int) {
        precondition((0...6).contains(decimals), "logprob-rounding needs 0 ≤ decimals ≤ 6")
        self.decimals = decimals
        scale = pow(10, Double(decimals))
    }

    func round(_ x: Double) -> Double { (x * scale).rounded(.toNearestOrEven) / scale }

    public func apply(to response: inout ChatResponse, request: ChatRequest, account: Account, rng: inout RandomStream) throws {
        for c in response.choices.indices {
            guard var lp = response.choices[c].logprobs else { continue }
            for i in lp.content.indices {
                lp.content[i].logprob = round(lp.content[i].logprob)
                for j in lp.content[i].topLogprobs.indices { lp.content[i].topLogprobs[j].logprob = round(lp.content[i].topLogprobs[j].logprob) }
            }
            response.choices[c].logprobs = lp
        }
    }
}
