import Foundation
import DistillCore
import DistillNN
import DistillData

/// How an attacker chooses its queries: random pool samples, out-of-distribution
/// inputs, Jacobian augmentation, active learning.
///
/// A strategy implements one method. It spends at most `context.budget`
/// queries, all through `context.query(_:)` (the attacker's channel to the
/// oracle, which counters wrap), checks what it needs before its first query,
/// and draws every random choice from `rng`.
public protocol QueryStrategy {
    /// Registry name, e.g. "jacobian".
    var name: String { get }
    /// Queries the oracle through `context` and returns what the attacker holds,
    /// with notes for the run's record (rounds run, …).
    /// - Throws: `AttackError.incompatible` before any query when the strategy cannot run
    ///   in `context` (budget vs. seed size, pool size, image shapes, …).
    func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport
    /// What the strategy needs before its first query (budget against the pool,
    /// image shapes, …); `collect` calls it, and a run calls it before it trains
    /// anything. Default: the context's own checks.
    func check(_ context: AttackContext) throws
    /// The range the strategy keeps its inputs in (clips or draws them inside it),
    /// which assumes the teacher's features lie there too; a run warns when they
    /// do not. Nil when its queries are rows of data (the pool, another dataset).
    /// Default: nil.
    var inputRange: ClosedRange<Float>? { get }
}

extension QueryStrategy {
    public func check(_ context: AttackContext) throws { try context.validate(component: name) }
    public var inputRange: ClosedRange<Float>? { nil }
}

/// A strategy's transfer set with what it wants recorded.
public struct StrategyReport {
    public var transfer: TransferSet
    /// e.g. ["rounds": "3", "source": "fashion-mnist"].
    public var notes: [String: String]
    public init(transfer: TransferSet, notes: [String: String] = [:]) { self.transfer = transfer; self.notes = notes }
}

/// Everything the attacker has: its unlabeled pool, its budget and query
/// batching, its client id, the student it will distill (architecture and
/// recipe, also used for substitutes in rounds), optionally another dataset
/// to query with, and its channel to the oracle (which counters wrap).
public struct AttackContext {
    /// The attacker's unlabeled pool (rows = inputs, in the teacher's input space).
    public var pool: Matrix
    /// Image geometry of a pool row, when inputs are images (for resizing and blurring).
    public var inputShape: ImageShape?
    /// Queries the attacker may send in total (the oracle counts them).
    public var budget: Int
    /// Rows per oracle call.
    public var queryBatch: Int
    /// The client id the oracle counts queries under.
    public var client: String
    /// Student layer widths, input first, classes last (substitutes use the same).
    public var studentSizes: [Int]
    /// The student recipe; substitutes train with it (selection forced to `.last`:
    /// the attacker has no labelled validation data).
    public var studentTraining: TrainingConfig
    public var studentInitialization: WeightInitialization
    /// Another dataset to query with (`ood:source=NAME`); when nil the strategy loads NAME itself.
    public var outOfDistribution: Dataset?
    /// The attacker's channel to the oracle; nil until `connected(to:)`.
    public var channel: QueryChannel?

    public init(pool: Matrix, inputShape: ImageShape? = nil, budget: Int, queryBatch: Int = 500,
                client: String = "attacker", studentSizes: [Int], studentTraining: TrainingConfig,
                studentInitialization: WeightInitialization = .he, outOfDistribution: Dataset? = nil) {
        self.pool = pool; self.inputShape = inputShape; self.budget = budget; self.queryBatch = queryBatch
        self.client = client; self.studentSizes = studentSizes; self.studentTraining = studentTraining
        self.studentInitialization = studentInitialization; self.outOfDistribution = outOfDistribution
    }

    /// This context with a channel to `oracle` under `client`, wrapped by `counters` in order.
    public func connected(to oracle: Oracle, counters: [AttackCounter] = []) throws -> AttackContext {
        var c = self
        var channel: QueryChannel = OracleChannel(oracle: oracle, client: client)
        for counter in counters { channel = try counter.wrap(channel) }
        c.channel = channel
        return c
    }

    /// This context with the channel the counters would build, but no oracle
    /// behind it: for checking an attack's plan before the teacher exists.
    public func planned(classCount: Int, counters: [AttackCounter] = []) throws -> AttackContext {
        var c = self
        var channel: QueryChannel = PlanningChannel(classCount: classCount)
        for counter in counters { channel = try counter.wrap(channel) }
        c.channel = channel
        return c
    }

    /// Oracle queries each distinct input costs through the channel (repeats multiply it).
    public var repeats: Int { channel?.queriesPerInput ?? 1 }
    /// Distinct inputs the budget pays for: `⌊budget / repeats⌋`.
    public var distinctBudget: Int { budget / max(repeats, 1) }
    /// Queries actually spent when the whole distinct budget is used (`repeats · distinctBudget ≤ budget`).
    public var plannedQueries: Int { distinctBudget * max(repeats, 1) }
    public var inputSize: Int { pool.cols }
    public var classCount: Int { studentSizes.last ?? 0 }

    /// Checks the context's own consistency; errors name `component` and the fix.
    public func validate(component: String) throws {
        func bad(_ s: String) -> AttackError { .incompatible(component: component, reason: s) }
        guard budget > 0 else { throw bad("the query budget must be positive, got \(budget)") }
        guard queryBatch > 0 else { throw bad("the query batch must be positive, got \(queryBatch)") }
        guard distinctBudget > 0 else {
            throw bad("a budget of \(budget) queries cannot pay for even one input sent \(repeats) times; raise the budget or lower repeats")
        }
        guard studentSizes.count >= 2, studentSizes.allSatisfy({ $0 > 0 }) else {
            throw bad("the student architecture \(studentSizes) needs at least an input and an output width, all positive")
        }
        guard studentSizes[0] == pool.cols else {
            throw bad("the student takes \(studentSizes[0]) inputs but pool rows have \(pool.cols) features")
        }
        if let s = inputShape, s.pixelCount != pool.cols {
            throw bad("the input shape \(s) has \(s.pixelCount) pixels but pool rows have \(pool.cols) features")
        }
        try studentTraining.validate()
    }

    /// Sends `inputs` through the channel in batches of `queryBatch` rows and
    /// returns the answers. Costs `repeats · inputs.rows` queries.
    /// - Throws: `AttackError.incompatible` without a channel; the oracle's errors (budget exhausted, wrong width).
    public func query(_ inputs: Matrix) throws -> Matrix {
        guard let channel else {
            throw AttackError.incompatible(component: "attack", reason: "the context has no channel to the oracle; use `connected(to:)`")
        }
        let k = channel.classCount
        let out = Matrix(rows: inputs.rows, cols: k)
        var start = 0
        while start < inputs.rows {
            let rows = min(queryBatch, inputs.rows - start)
            let answer = try channel.query(inputs.gatherRows(start..<(start + rows)))
            out.row(start).update(from: answer.storage, count: rows * k)
            start += rows
        }
        return out
    }

    /// A freshly initialised substitute with the student architecture (init drawn from `rng`).
    public func makeSubstitute(rng: inout RandomStream) -> MLP {
        var initStream = RandomStream(seed: rng.next(), purpose: .substituteInit)
        return MLP(sizes: studentSizes, initialization: studentInitialization, rng: &initStream)
    }

    /// Trains `model` (in place, continuing from its current weights) on the
    /// responses as soft targets (soft cross-entropy; with one-hot responses
    /// this is cross-entropy on the argmax), with the student recipe and
    /// selection `.last`. The batch order is drawn from `rng`.
    public func trainSubstitute(_ model: MLP, inputs: Matrix, responses: Matrix, rng: inout RandomStream) throws {
        var config = studentTraining
        config.selection = .last
        var shuffle = RandomStream(seed: rng.next(), purpose: .substituteShuffle)
        _ = try Trainer(config: config, objective: .softCrossEntropy).train(
            model, on: TrainingSet(features: inputs, labels: responses.argmaxRows(), softTargets: responses),
            validation: nil, shuffle: &shuffle)
    }
}
