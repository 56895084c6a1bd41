import Foundation
import DistillCore
import DistillNN

/// `ensemble-filter`: drop responses a self-trained ensemble disagrees with
/// (against keyed wrong answers / canaries, which are isolated label flips).
///
/// `members` substitutes (student architecture and recipe, fresh initial
/// weights each) are trained with cross-entropy on the responses' argmax, each
/// on a bootstrap resample of the transfer set. Every row is then judged by
/// the members that did NOT train on it (`vote=out-of-bag`, the default: an
/// MLP trained for many epochs memorises a flipped label it has seen, so
/// in-bag votes would defend the flip), or by all members (`vote=all`). A row
/// with no out-of-bag member (probability ≈ 0.63^members) falls back to all
/// members. A row is dropped when some class gets strictly more votes than its
/// response's argmax; ties keep the row.
///
/// Clean rows the ensemble gets wrong are dropped too, so the filter costs
/// roughly (1 − ensemble fidelity) of the clean data.
public struct EnsembleFilter: AttackCounter {
    public enum Vote: String, CaseIterable, Sendable {
        case outOfBag = "out-of-bag"
        case all
    }
    public var members: Int
    public var vote: Vote
    public var name: String { "ensemble-filter" }

    public init(members: Int = 5, vote: Vote = .outOfBag) { self.members = members; self.vote = vote }

    /// What the filter decided.
    public struct Result {
        /// The rows kept, in their original order (pool indices follow).
        public var kept: TransferSet
        /// Rows of the input set that were dropped (ascending).
        public var dropped: [Int]
        /// Rows judged by all members because every bootstrap bag held them (reported as `judged-by-all`).
        public var fallbackVotes: Int
    }

    public func refine(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> CounterReport {
        let r = try filter(transfer, context: context, rng: &rng)
        return CounterReport(transfer: r.kept, dropped: r.dropped,
                             notes: ["filtered": "\(r.dropped.count) of \(transfer.count)", "members": "\(members)",
                                     "judged-by-all": "\(r.fallbackVotes)",
                                     "vote": vote.rawValue])
    }

    /// Trains the ensemble on `transfer` and drops the rows it outvotes.
    /// - Throws: `AttackError.incompatible` for fewer than 2 rows or members; training errors.
    /// - Complexity: `members` substitute trainings on `transfer.count` rows each, plus their predictions.
    public func filter(_ transfer: TransferSet, context: AttackContext, rng: inout RandomStream) throws -> Result {
        guard members >= 2 else {
            throw AttackError.invalidValue(component: name, parameter: "members", value: "\(members)", expected: "an integer ≥ 2")
        }
        let n = transfer.count, k = transfer.responses.cols
        guard n >= 2 else {
            throw AttackError.incompatible(component: name, reason: "it needs at least 2 responses to vote on, got \(n)")
        }
        let labels = transfer.responseLabels
        let oneHot = transfer.argmaxResponses().responses
        var votes = [Int](repeating: 0, count: n * k)         // out-of-bag (or all) votes
        var allVotes = [Int](repeating: 0, count: n * k)      // fallback
        var judged = [Bool](repeating: false, count: n)
        for _ in 0..<members {
            let bag = (0..<n).map { _ in rng.int(below: n) }
            var inBag = [Bool](repeating: false, count: n)
            for i in bag { inBag[i] = true }
            let member = context.makeSubstitute(rng: &rng)
            try context.trainSubstitute(member, inputs: transfer.inputs.gatherRows(bag),
                                        responses: oneHot.gatherRows(bag), rng: &rng)
            let predicted = member.predictions(transfer.inputs)
            for i in 0..<n {
                let c = Int(predicted[i])
                allVotes[i * k + c] += 1
                if vote == .all || !inBag[i] { votes[i * k + c] += 1; judged[i] = true }
            }
        }
        var keep: [Int] = [], dropped: [Int] = []
        var fallback = 0
        for i in 0..<n {
            let base = judged[i] ? votes : allVotes
            if !judged[i] { fallback += 1 }
            let row = base[(i * k)..<((i + 1) * k)]
            if row.max()! > row[i * k + Int(labels[i])] { dropped.append(i) } else { keep.append(i) }
        }
        return Result(kept: transfer.selecting(keep), dropped: dropped, fallbackVotes: fallback)
    }
}

extension EnsembleFilter.Vote: ParameterChoice {}

extension EnsembleFilter {
    static let membersParameter = Parameter<Int>("members", default: 5, "ensemble size k", range: .atLeast(2))
    static let voteParameter = Parameter<Vote>("vote", default: .outOfBag,
                                               "out-of-bag (members that did not train on the row) or all")
    public static let component = Component<AttackCounter>(ComponentDescriptor(
        kind: .counter, name: "ensemble-filter",
        summary: "train k bootstrap substitutes on the argmax labels, drop responses their majority vote disagrees with",
        parameters: [membersParameter.declaration, voteParameter.declaration],
        reference: "filtering suspected watermark answers, the attack DAWN (Szyller et al. 2021) discusses",
        target: "keyed wrong answers / canaries (isolated label flips)")) { p in
        EnsembleFilter(members: p[membersParameter], vote: p[voteParameter])
    }
}
