import Foundation
import DistillCore

/// An adaptive counter: how an attacker who knows (or suspects) a defense
/// changes its queries or its use of the responses. Counters compose: each
/// wraps the attacker's channel to the oracle (`wrap`, in the order given),
/// the strategy collects through the wrapped channel, then each
/// post-processes the transfer set (`refine`).
public protocol AttackCounter {
    /// Registry name, e.g. "average-repeats".
    var name: String { get }
    /// The channel the strategy queries through (repeats, argmax); default: `channel` itself.
    func wrap(_ channel: QueryChannel) throws -> QueryChannel
    /// Post-processes the collected transfer set (filters, relabels).
    func refine(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> CounterReport
    /// The range the counter keeps the inputs it sends in (as `QueryStrategy.inputRange`);
    /// default nil (no built-in counter changes inputs).
    var inputRange: ClosedRange<Float>? { get }
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
    public var inputRange: ClosedRange<Float>? { nil }
    public func wrap(_ channel: QueryChannel) throws -> QueryChannel { channel }
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

    public func wrap(_ channel: QueryChannel) throws -> QueryChannel {
        guard repeats >= 2 else {
            throw AttackError.incompatible(component: name, reason: "repeats=\(repeats) averages nothing; use an integer ≥ 2")
        }
        return Channel(inner: channel, repeats: repeats)
    }

    /// Each batch `repeats` times through `inner`, answers averaged.
    final class Channel: QueryChannel {
        let inner: QueryChannel
        let repeats: Int
        init(inner: QueryChannel, repeats: Int) { self.inner = inner; self.repeats = repeats }
        var queriesPerInput: Int { inner.queriesPerInput * repeats }
        var classCount: Int { inner.classCount }
        func query(_ batch: Matrix) throws -> Matrix {
            let mean = try inner.query(batch)
            let n = mean.count
            for _ in 1..<repeats {
                let answer = try inner.query(batch)
                BLAS.axpy(count: n, alpha: 1, x: answer.storage, y: mean.storage)
            }
            BLAS.scal(count: n, alpha: 1 / Float(repeats), x: mean.storage)
            return mean
        }
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
    public func wrap(_ channel: QueryChannel) throws -> QueryChannel { Channel(inner: channel) }

    /// One-hot of every answer's top class.
    final class Channel: QueryChannel {
        let inner: QueryChannel
        init(inner: QueryChannel) { self.inner = inner }
        var queriesPerInput: Int { inner.queriesPerInput }
        var classCount: Int { inner.classCount }
        func query(_ batch: Matrix) throws -> Matrix {
            let answer = try inner.query(batch)
            TransferSet.oneHotRows(answer)
            return answer
        }
    }
}

extension AverageRepeats {
    static let repeatsParameter = Parameter<Int>("repeats", default: 4, "times each input is sent", range: .atLeast(2),
                                                 expected: "an integer ≥ 2 (1 would not average anything)")
    public static let component = Component<AttackCounter>(ComponentDescriptor(
        kind: .counter, name: "average-repeats",
        summary: "send each input r times and average the answers; ⌊budget/r⌋ distinct inputs",
        parameters: [repeatsParameter.declaration],
        reference: "averaging repeated queries against zero-mean output noise (cf. Orekondy et al. 2020; Lee et al. 2019)",
        target: "zero-mean randomised perturbations (gaussian noise)")) { p in AverageRepeats(repeats: p[repeatsParameter]) }
}

extension ArgmaxLabels {
    public static let component = Component<AttackCounter>(ComponentDescriptor(
        kind: .counter, name: "argmax",
        summary: "keep only each response's top-1 class (responses become one-hot as they arrive)",
        parameters: [],
        reference: "ART model-stealing demo (argmax-trained thieves); Tramèr et al. 2016 (label-only extraction)",
        target: "argmax-preserving perturbations (reverse sigmoid, MAD-argmax, rounding, periodic signals)")) { _ in ArgmaxLabels() }
}
