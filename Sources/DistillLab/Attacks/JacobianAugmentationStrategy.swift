import Foundation
import DistillCore
import DistillNN

/// `jacobian`: Papernot et al. 2017 ("Practical Black-Box Attacks against
/// Machine Learning"), Jacobian-based dataset augmentation.
///
/// 1. Query a random seed set of `seed-size` pool rows; train a substitute
///    (the student architecture and recipe) on the responses.
/// 2. For round ρ = 0, 1, …: every point x of the current set (with label
///    y = argmax of its response) gives x' = clip(x + λ_ρ · sign(∇ₓ z_y(x)), 0, 1),
///    z the substitute's logits (as in cleverhans' tutorial, which
///    differentiates the logits). Query the new points, append them, retrain
///    the substitute (continuing from its weights, as cleverhans does), repeat.
/// 3. Stop after `rounds` rounds or when the budget is spent; the set doubles
///    each round, so the last round queries a random subset of its candidates
///    that exactly fills the budget.
///
/// Step sign: the sheet's formula steps +λ every round (`tau=0`, the default).
/// The paper's "periodic step size" is λ_ρ = λ·(−1)^⌊ρ/τ⌋ (`tau=τ > 0`, the
/// paper uses τ = 3), which moves back towards the data after τ rounds so the
/// points do not drift off. Note cleverhans' tutorial instead uses −λ for
/// ρ < 3 and +λ after (a single switch, not a period).
///
/// The transfer set's `poolIndices` is empty: most of its inputs are synthetic.
public struct JacobianAugmentationStrategy: QueryStrategy {
    public var seedSize: Int
    public var lambda: Float
    /// Period of the step-sign alternation; 0 = always +λ.
    public var tau: Int
    /// Augmentation rounds at most.
    public var rounds: Int
    public var name: String { "jacobian" }
    /// Every augmentation step clips to [0, 1] (Papernot's image inputs).
    public var inputRange: ClosedRange<Float>? { 0...1 }

    public init(seedSize: Int = 50, lambda: Float = 0.1, tau: Int = 0, rounds: Int = 16) {
        self.seedSize = seedSize; self.lambda = lambda; self.tau = tau; self.rounds = rounds
    }

    /// λ_ρ for round ρ (0-based).
    public func step(round: Int) -> Float {
        tau > 0 && (round / tau) % 2 == 1 ? -lambda : lambda
    }

    /// What the strategy needs before its first query.
    public func check(_ context: AttackContext) throws {
        try context.validate(component: name)
        guard seedSize <= context.distinctBudget else {
            let need = seedSize * context.repeats
            throw AttackError.incompatible(component: name, reason: "the budget of \(context.budget) queries is smaller than the seed set (\(seedSize) inputs\(context.repeats > 1 ? " × \(context.repeats) repeats = \(need) queries" : "")); raise the budget to at least \(need) or lower seed-size")
        }
        guard seedSize <= context.pool.rows else {
            throw AttackError.incompatible(component: name, reason: "seed-size=\(seedSize) exceeds the pool (\(context.pool.rows) inputs); lower seed-size")
        }
    }


    public func collect(context: AttackContext, rng: inout RandomStream) throws -> StrategyReport {
        try check(context)
        let distinct = context.distinctBudget
        let seed = rng.sample(seedSize, from: context.pool.rows)
        let seedInputs = context.pool.gatherRows(seed)
        var set = TransferSet(inputs: seedInputs, responses: try context.query(seedInputs), poolIndices: [])
        let substitute = context.makeSubstitute(rng: &rng)
        try context.trainSubstitute(substitute, inputs: set.inputs, responses: set.responses, rng: &rng)
        var round = 0
        while set.count < distinct && round < rounds {
            var candidates = JacobianAugmentationStrategy.augment(set.inputs, labels: set.responseLabels,
                                                                  substitute: substitute, step: step(round: round))
            let remaining = distinct - set.count
            if candidates.rows > remaining {
                candidates = candidates.gatherRows(rng.sample(remaining, from: candidates.rows))
            }
            let answers = try context.query(candidates)
            set = set.appending(TransferSet(inputs: candidates, responses: answers, poolIndices: []))
            round += 1
            if set.count < distinct && round < rounds {
                try context.trainSubstitute(substitute, inputs: set.inputs, responses: set.responses, rng: &rng)
            }
        }
        var notes = ["rounds": "\(round)", "seed": "\(seedSize)"]
        if set.count < distinct { notes["unspent"] = "\((distinct - set.count) * context.repeats) queries (rounds=\(rounds) reached first)" }
        return StrategyReport(transfer: set, notes: notes)
    }

    /// Papernot's augmentation step: `clip(x + step · sign(∇ₓ z_label(x)), 0, 1)` per row,
    /// where z are `substitute`'s logits and sign(0) = 0.
    /// - Complexity: one forward and one input-backward pass over `x`.
    public static func augment(_ x: Matrix, labels: [Int32], substitute: MLP, step: Float) -> Matrix {
        let g = substitute.logitGradients(x, classes: labels)
        let out = Matrix(rows: x.rows, cols: x.cols)
        let (src, grad, dst) = (x.storage, g.storage, out.storage)
        for i in 0..<x.count {
            let s: Float = grad[i] > 0 ? 1 : (grad[i] < 0 ? -1 : 0)
            dst[i] = min(max(src[i] + step * s, 0), 1)
        }
        return out
    }
}

extension JacobianAugmentationStrategy {
    static let seedSizeParameter = Parameter<Int>("seed-size", default: 50, "pool rows queried first", range: .atLeast(1))
    static let lambdaParameter = Parameter<Double>("lambda", default: 0.1, "step λ", range: .openClosed(0, 1))
    static let tauParameter = Parameter<Int>("tau", default: 0, "step sign period: λ·(−1)^⌊ρ/τ⌋ (paper τ = 3); 0 = always +λ",
                                             range: .atLeast(0))
    static let roundsParameter = Parameter<Int>("rounds", default: 16,
        "augmentation rounds at most (stops earlier when the budget is spent)", range: .atLeast(0))

    public static let component = Component<QueryStrategy>(ComponentDescriptor(
        kind: .strategy, name: "jacobian",
        summary: "Jacobian-based dataset augmentation: seed set, then x' = clip(x + λ·sign(∇ₓ substitute(x)[label]), 0, 1) in rounds",
        parameters: [seedSizeParameter.declaration, lambdaParameter.declaration, tauParameter.declaration, roundsParameter.declaration],
        reference: "Papernot et al. 2017, Practical Black-Box Attacks; cleverhans tutorial",
        target: "synthetic points near the seed set")) { p in
        JacobianAugmentationStrategy(seedSize: p[seedSizeParameter], lambda: Float(p[lambdaParameter]),
                                     tau: p[tauParameter], rounds: p[roundsParameter])
    }
}
