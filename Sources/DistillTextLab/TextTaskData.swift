import DistillCore
import DistillTasks
import DistillText
import Foundation

/// Task examples as training sequences: the chat layout of ``ChatTemplate`` with loss on the
/// assistant's bytes only (not the prompt, not the tool result).
public enum TextTaskData {
    /// The training sequence of `example`, its assistant turns rewritten in `format`.
    /// - Throws: `ChatTemplate.Error` for content holding a reserved byte (never for generated suites).
    public static func trainingExample(_ example: TaskExample, format: TextAnswerFormat = .reference) throws -> GPTExample {
        var turns = example.turns
        if format == .columns, example.suite == "reasoning" {
            turns = turns.map { $0.role == .assistant ? ChatMessage(.assistant, columnsText($0.content)) : $0 }
        }
        if format == .scratch { turns = scratchTurns(example) }
        let r = try ChatTemplate.standard.render(prompt: example.messages, answer: turns)
        return GPTExample(tokens: r.bytes.map { Int32($0) }, lossMask: r.lossMask.map { $0 ? 1 : 0 })
    }

    /// `example`'s assistant turns in the ``TextAnswerFormat/scratch`` format.
    public static func scratchTurns(_ example: TaskExample) -> [ChatMessage] {
        switch example.suite {
        case "reasoning":
            return example.turns.map { $0.role == .assistant ? ChatMessage(.assistant, ScratchFormat.reasoning($0.content)) : $0 }
        case "coding" where example.messages.first?.content == CodingSuite.outputPrompt:
            guard let program = example.messages.last?.content else { return example.turns }
            return example.turns.map { $0.role == .assistant ? ChatMessage(.assistant, ScratchFormat.codingTrace(program: program, trace: $0.content)) : $0 }
        default:
            return example.turns
        }
    }

    /// Examples `0..<count` of `split` for each suite of `suites`, in suite order.
    public static func examples(_ suites: [TextSuiteSettings], split: TaskSplit, seed: UInt64,
                                count: (TextSuiteSettings) -> Int) throws -> [(suite: String, examples: [TaskExample])] {
        try suites.map { s in (s.name, try s.suite().examples(split: split, count: count(s), seed: seed)) }
    }

    /// Rewrites worked steps `a+b=r` / `a-b=r` as `a+b=[r reversed]r`: the digits least-significant
    /// first (what a left-to-right decoder can compute column by column with the carry), then the
    /// result as the reference writes it. Other lines are kept.
    public static func columnsText(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("answer") else { return String(line) }
            let result = line[line.index(after: eq)...]
            guard !result.isEmpty, result.allSatisfy(\.isNumber) else { return String(line) }
            return line[...eq] + "[" + String(result.reversed()) + "]" + result
        }.joined(separator: "\n")
    }
}

/// Training batches whose length T follows the sequences in them (rounded up to 16, at most the
/// context), from a seeded order over the examples: short suites do not pay for the longest one.
///
/// With `groups` (e.g. the suite of each example), every batch is drawn from one group: the group is
/// drawn with probability proportional to its size, then its next `batchSize` examples (each group
/// has its own shuffled order, reshuffled per pass). Without, one shuffled order over all examples.
///
/// One ``GPTBatch`` per distinct T is allocated the first time that T occurs and reused after, so a
/// run allocates at most context/16 batches and nothing per step.
///
/// With `packed`, every batch is `batchSize` rows of ``maxT`` positions, each row filled with the
/// order's next examples one after another while they fit (attention and positions restart at each:
/// ``GPTBatch/positions``), so a step spends its positions on examples rather than padding; a step
/// then holds more than `batchSize` examples.
public final class TextBatcher {
    public let examples: [GPTExample]
    public let batchSize: Int
    public let context: Int
    public let packed: Bool
    let softK: Int
    var batches: [Int: GPTBatch] = [:]
    var rng: RandomStream
    /// Example indices of each group, each group's current order and position in it.
    let members: [[Int]]
    var orders: [[Int]]
    var cursors: [Int]
    var picked: [Int] = []
    public var softWeight: Float = 0

    /// - Parameter groups: a group id per example (0-based, dense), or nil for one group.
    /// - Throws: ``GPTError/invalidBatch(_:)`` for no examples or sequences shorter than 2 tokens.
    public init(examples: [GPTExample], batchSize: Int, context: Int, rng: RandomStream, groups: [Int]? = nil,
                packed: Bool = false) throws {
        guard !examples.isEmpty else { throw GPTError.invalidBatch("no training examples; pass at least one sequence") }
        guard batchSize >= 1 else { throw GPTError.invalidBatch("batch size \(batchSize) must be at least 1") }
        for (i, e) in examples.enumerated() where e.tokens.count < 2 {
            throw GPTError.invalidBatch("example \(i) has \(e.tokens.count) token(s); each needs at least 2")
        }
        self.examples = examples; self.batchSize = batchSize; self.context = context; self.rng = rng; self.packed = packed
        softK = examples.map(\.softK).max() ?? 0
        if let groups {
            guard groups.count == examples.count, let g = groups.max(), groups.allSatisfy({ $0 >= 0 }) else {
                throw GPTError.invalidBatch("groups needs one non-negative id per example (\(groups.count) for \(examples.count))")
            }
            var m = Array(repeating: [Int](), count: g + 1)
            for (i, x) in groups.enumerated() { m[x].append(i) }
            members = m.filter { !$0.isEmpty }
        } else {
            members = [Array(examples.indices)]
        }
        orders = members.map { _ in [] }
        cursors = members.map { _ in 0 }
        picked.reserveCapacity(max(batchSize, context))
    }

    /// The largest T any batch can take (for `GPT.reserve`); every packed batch's T.
    public var maxT: Int { packed ? context : min(context, roundUp(examples.map { $0.tokens.count - 1 }.max()!)) }

    /// Examples in the last batch.
    public private(set) var lastExampleCount = 0

    func roundUp(_ n: Int) -> Int { min(context, (n + 15) / 16 * 16) }

    /// The batch of length T, allocated the first time T occurs.
    func reusedBatch(T: Int) -> GPTBatch {
        let batch: GPTBatch
        if let b = batches[T] { batch = b } else { batch = GPTBatch(B: batchSize, T: T, softK: softK); batches[T] = batch }
        batch.softWeight = softWeight
        return batch
    }

    /// The next batch: `batchSize` examples of the shuffled order (reshuffled each epoch), truncated to
    /// the context and padded with masked-out positions.
    public func next() -> GPTBatch {
        picked.removeAll(keepingCapacity: true)
        var g = 0
        if members.count > 1 {
            var r = rng.int(below: examples.count)
            while r >= members[g].count { r -= members[g].count; g += 1 }
        }
        func nextIndex() -> Int {
            if cursors[g] == orders[g].count { orders[g] = rng.permutation(members[g].count).map { members[g][$0] }; cursors[g] = 0 }
            return orders[g][cursors[g]]
        }
        if packed {
            let T = maxT
            let batch = reusedBatch(T: T)
            lastExampleCount = 0
            for b in 0..<batchSize {
                picked.removeAll(keepingCapacity: true)
                var used = 0
                // At least one example per row (truncated if longer than the row), then those that fit.
                repeat {
                    let i = nextIndex()
                    let n = GPTBatch.packedLength(examples[i])
                    guard picked.isEmpty || used + n <= T else { break }
                    picked.append(i); cursors[g] += 1; used += n
                } while used < T
                batch.setRow(b, packing: picked, of: examples)
                lastExampleCount += picked.count
            }
            return batch
        }
        for _ in 0..<batchSize {
            picked.append(nextIndex()); cursors[g] += 1
        }
        lastExampleCount = batchSize
        let T = roundUp(picked.map { examples[$0].tokens.count - 1 }.max()!)
        let batch = reusedBatch(T: T)
        for (b, index) in picked.enumerated() { batch.setRow(b, to: examples[index]) }
        return batch
    }
}
