import Foundation
import DistillCore
import DistillText
import DistillTasks

/// What a chat defense may look at when it is fitted: the teacher and its template.
public struct ChatDefenseContext {
    public let teacher: GPT
    public let template: ChatTemplate
    public let seed: UInt64
    public init(teacher: GPT, template: ChatTemplate, seed: UInt64) {
        self.teacher = teacher; self.template = template; self.seed = seed
    }
}

/// A transform of the oracle's answers (the text oracle's response-defense hook).
///
/// As ART's postprocessors, fitting is kept apart from answering: whatever a
/// defense trains or calibrates happens once in its ``ChatDefenseFitter``;
/// `apply` only transforms one response. It may change the answer text and the
/// log-probs (drop, coarsen, perturb them); it sees the request and the account
/// so it can treat accounts differently. The oracle applies the defenses in
/// order, before logging, so the log holds what was sent.
public protocol ChatResponseDefense: AnyObject {
    var name: String { get }
    /// - Parameter rng: this exchange's defense stream (per account and request, so reruns are identical).
    func apply(to response: inout ChatResponse, request: ChatRequest, account: Account, rng: inout RandomStream) throws
}

/// Fits a chat defense to a teacher (owner-side work, once) and returns its maker.
public typealias ChatDefenseFitter = (ChatDefenseContext) throws -> ChatDefenseMaker
/// Makes one oracle's instance of a fitted chat defense.
public typealias ChatDefenseMaker = () throws -> ChatResponseDefense

/// What a monitor decides about an account after seeing one of its exchanges.
public enum ChatMonitorVerdict: Sendable, Equatable {
    case allow
    /// Noted in ``ChatOracle/flags``; the account keeps being served.
    case flag(reason: String)
    /// Every later request of the account gets ``ChatError/banned(account:monitor:reason:)``.
    case ban(reason: String)
}

/// An observer of every exchange (the text oracle's monitor hook): it keeps
/// its own per-account state and may flag or ban an account.
///
/// The oracle calls `observe` after answering and logging, serially; a ban
/// takes effect from the account's next request.
public protocol ChatMonitor: AnyObject {
    var name: String { get }
    /// - Parameter time: when the exchange was answered (the oracle's clock).
    func observe(_ exchange: ChatExchange, account: Account, time: Date) -> ChatMonitorVerdict
}
