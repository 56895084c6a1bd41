import Foundation
import DistillLab

/// `rate`: per account, counts the requests and the tokens answered in the
/// last `seconds`; an account over `requests` requests or `tokens` tokens in
/// that window is flagged or banned (`action`). Extraction campaigns send far
/// more traffic per account than honest users, so a rate limit is the first
/// monitor providers run.
/// - Complexity: amortised O(1) per exchange (a queue of timestamps per account).
public final class RateMonitor: ChatMonitor {
    public enum Action: String, ParameterChoice, Sendable { case flag, ban }
    public let name = "rate"
    public let requests: Int
    public let tokens: Int?
    public let seconds: Double
    public let action: Action
    private var windows: [String: [(time: Date, tokens: Int)]] = [:]

    static let requestsParameter = Parameter<Int>("requests", default: 60, "requests allowed per window", range: .atLeast(1))
    static let tokensParameter = Parameter<Int>("tokens", absent: "no token limit", "tokens (prompt + completion) allowed per window",
                                                expected: "an integer >= 1", where: { $0 >= 1 })
    static let secondsParameter = Parameter<Double>("seconds", default: 60, "window length in seconds", range: .positive)
    static let actionParameter = Parameter<Action>("action", default: .ban, "what to do with an account over the limit")
    public static let component = ChatComponent<ChatMonitorMaker>(ComponentDescriptor(
        kind: .detector, name: "rate",
        summary: "flag or ban an account over N requests (or T tokens) in a sliding window of S seconds",
        parameters: [requestsParameter.declaration, tokensParameter.declaration, secondsParameter.declaration, actionParameter.declaration],
        reference: "per-account rate limits of commercial LLM APIs")) { p in
        { RateMonitor(requests: p[requestsParameter], tokens: p.optional(tokensParameter), seconds: p[secondsParameter], action: p[actionParameter]) }
    }

    /// - Precondition: requests ≥ 1, tokens ≥ 1 when given, seconds > 0.
    public init(requests: Int, tokens: Int? = nil, seconds: Double, action: Action = .ban) {
        precondition(requests >= 1 && (tokens ?? 1) >= 1 && seconds > 0, "rate needs requests >= 1, tokens >= 1 and seconds > 0")
        self.requests = requests; self.tokens = tokens; self.seconds = seconds; self.action = action
    }

    public func observe(_ exchange: ChatExchange, account: Account, time: Date) -> ChatMonitorVerdict {
        var w = windows[account.id, default: []]
        w.append((time, exchange.promptTokens + exchange.completionTokens))
        let start = time.addingTimeInterval(-seconds)
        if let keep = w.firstIndex(where: { $0.time > start }), keep > 0 { w.removeFirst(keep) }
        windows[account.id] = w
        let used = w.reduce(0) { $0 + $1.tokens }
        let reason: String
        if w.count > requests {
            reason = "\(w.count) requests in \(seconds.parameterText) s (limit \(requests))"
        } else if let t = tokens, used > t {
            reason = "\(used) tokens in \(seconds.parameterText) s (limit \(t))"
        } else { return .allow }
        return action == .ban ? .ban(reason: reason) : .flag(reason: reason)
    }
}
