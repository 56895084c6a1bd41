import Foundation
import DistillCore
import DistillNN
import DistillData

/// How an attacker chooses its queries: random pool samples, out-of-distribution
/// inputs, Jacobian augmentation, active learning.
///
/// A strategy spends at most `context.budget` queries, all through
/// `context.query(_:_:)` (so the oracle counts them under `context.client` and
/// the counters' repeats/argmax apply), and draws every random choice from `rng`.
public protocol QueryStrategy {
    /// Registry name, e.g. "jacobian".
    var name: String { get }
    /// Checks that the strategy can run in `context` before any query is sent
    /// (budget vs. seed size, pool size, image shapes, …).
    func check(_ context: AttackContext) throws
    /// Queries the oracle and returns what the attacker holds.
    func collect(from oracle: Oracle, context: AttackContext, rng: inout RandomStream) throws -> TransferSet
    /// `collect` plus notes for the run's record (rounds run, …).
    func collectReporting(from oracle: Oracle, context: AttackContext, rng: inout RandomStream) throws -> StrategyReport
}

/// A strategy's transfer set with what it wants recorded.
public struct StrategyReport {
    public var transfer: TransferSet
    /// e.g. ["rounds": "3", "source": "fashion-mnist"].
    public var notes: [String: String]
    public init(transfer: TransferSet, notes: [String: String] = [:]) { self.transfer = transfer; self.notes = notes }
}

extension QueryStrategy {
    public func check(_ context: AttackContext) throws { try context.validate(component: name) }
    public func collectReporting(from oracle: Oracle, context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        StrategyReport(transfer: try collect(from: oracle, context: context, rng: &rng))
    }
}

/// Everything the attacker has: its unlabeled pool, its budget and query
/// batching, its client id, the student it will distill (architecture and
/// recipe, also used for substitutes in rounds), and optionally another
/// dataset to query with. Counters set `repeats` and `argmaxResponses`.
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
    /// Times each distinct input is sent and the answers averaged (set by `average-repeats`).
    public var repeats: Int = 1
    /// Responses are replaced by the one-hot of their argmax as they arrive (set by `argmax`).
    public var argmaxResponses: Bool = false

    public init(pool: Matrix, inputShape: ImageShape? = nil, budget: Int, queryBatch: Int = 500,
                client: String = "attacker", studentSizes: [Int], studentTraining: TrainingConfig,
                studentInitialization: WeightInitialization = .he, outOfDistribution: Dataset? = nil) {
        self.pool = pool; self.inputShape = inputShape; self.budget = budget; self.queryBatch = queryBatch
        self.client = client; self.studentSizes = studentSizes; self.studentTraining = studentTraining
        self.studentInitialization = studentInitialization; self.outOfDistribution = outOfDistribution
    }

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
        guard repeats >= 1 else { throw bad("repeats must be at least 1, got \(repeats)") }
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

    /// Sends `inputs` to the oracle in batches of `queryBatch` rows, each batch
    /// `repeats` times, and returns the averaged responses (one-hot of the
    /// average's argmax when `argmaxResponses`). Costs `repeats · inputs.rows` queries.
    /// - Throws: the oracle's errors (budget exhausted, wrong width).
    public func query(_ oracle: Oracle, _ inputs: Matrix) throws -> Matrix {
        let k = oracle.teacher.classCount
        let out = Matrix(rows: inputs.rows, cols: k)
        let r = max(repeats, 1)
        var start = 0
        while start < inputs.rows {
            let rows = min(queryBatch, inputs.rows - start)
            let batch = inputs.gatherRows(start..<(start + rows))
            let target = out.row(start)
            for i in 0..<r {
                let answer = try oracle.query(batch, client: client)
                if i == 0 { target.update(from: answer.storage, count: rows * k) }
                else { BLAS.axpy(count: rows * k, alpha: 1, x: answer.storage, y: target) }
            }
            if r > 1 { BLAS.scal(count: rows * k, alpha: 1 / Float(r), x: target) }
            start += rows
        }
        if argmaxResponses { TransferSet.oneHotRows(out) }
        return out
    }

    /// A freshly initialised substitute with the student architecture (init drawn from `rng`).
    public func makeSubstitute(rng: inout RandomStream) -> MLP {
        var initStream = RandomStream(seed: rng.next(), label: "substitute-init")
        return MLP(sizes: studentSizes, initialization: studentInitialization, rng: &initStream)
    }

    /// Trains `model` (in place, continuing from its current weights) on the
    /// responses as soft targets (soft cross-entropy; with one-hot responses
    /// this is cross-entropy on the argmax), with the student recipe and
    /// selection `.last`. The batch order is drawn from `rng`.
    public func trainSubstitute(_ model: MLP, inputs: Matrix, responses: Matrix, rng: inout RandomStream) throws {
        var config = studentTraining
        config.selection = .last
        var shuffle = RandomStream(seed: rng.next(), label: "substitute-shuffle")
        _ = try Trainer(config: config, objective: .softCrossEntropy).train(
            model, on: TrainingSet(features: inputs, labels: responses.argmaxRows(), softTargets: responses),
            validation: nil, shuffle: &shuffle)
    }
}
