import Foundation
import DistillCore

/// An adaptive counter: how an attacker who knows (or suspects) a defense
/// changes its queries or its use of the responses. Counters compose: each
/// first adjusts the query context (`prepare`), the strategy collects, then
/// each post-processes the transfer set (`refine`).
public protocol AttackCounter {
    /// Registry name, e.g. "average-repeats".
    var name: String { get }
    /// Adjusts how queries are sent (repeats, argmax) before the strategy runs.
    func prepare(_ context: inout AttackContext) throws
    /// Post-processes the collected transfer set (filters, relabels).
    func refine(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> CounterReport
}

/// A counter's output: the transfer set it passes on and what it did.
public struct CounterReport {
    public var transfer: TransferSet
    /// Rows of the input transfer set the counter removed (ascending).
    public var dropped: [Int]
    public var notes: [String: String]
    public init(transfer: TransferSet, dropped: [Int] = [], notes: [String: String] = [:]) {
        self.transfer = transfer; self.dropped = dropped; self.notes = notes
    }
}

extension AttackCounter {
    public func prepare(_ context: inout AttackContext) throws {}
    public func refine(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> CounterReport {
        CounterReport(transfer: transfer)
    }
}

/// `average-repeats`: send every chosen input `repeats` times and keep the
/// mean response (against zero-mean output noise, e.g. gaussian-noise).
///
/// The mean of r independent zero-mean perturbations has 1/√r of their spread,
/// but each distinct input now costs r queries: at budget N the attacker gets
/// ⌊N/r⌋ distinct inputs with cleaner labels instead of N noisy ones. It does
/// nothing against deterministic defenses (rounding, reverse sigmoid, keyed
/// canaries answer the same input the same way every time).
public struct AverageRepeats: AttackCounter {
    public var repeats: Int
    public var name: String { "average-repeats" }
    public init(repeats: Int) { self.repeats = repeats }

    public func prepare(_ context: inout AttackContext) throws {
        guard repeats >= 2 else {
            throw AttackError.invalidValue(component: name, parameter: "repeats", value: "\(repeats)", expected: "an integer ≥ 2")
        }
        context.repeats = repeats
    }

    public func refine(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> CounterReport {
        CounterReport(transfer: transfer, notes: ["repeats": "\(repeats)", "distinct-inputs": "\(transfer.count)"])
    }
}

/// `argmax`: the attacker keeps only the top-1 class of every response
/// (against argmax-preserving perturbations: reverse sigmoid, MAD-argmax,
/// rounding, periodic signals).
///
/// Decision: responses are converted to one-hot rows as they arrive (after
/// averaging, when `average-repeats` is also on). The transfer set then says
/// it by its content, every consumer trains on the argmax (soft cross-entropy
/// or KD on a one-hot target is cross-entropy on its class), and substitutes
/// trained in rounds (jacobian, active) see the same labels as the final student.
public struct ArgmaxLabels: AttackCounter {
    public var name: String { "argmax" }
    public init() {}
    public func prepare(_ context: inout AttackContext) throws { context.argmaxResponses = true }
}
