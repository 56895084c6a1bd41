import Foundation
import DistillCore
import DistillNN
import DistillData

/// Owner-side helper models of the poisoning defenses (MAD's surrogate,
/// adaptive misinformation's misinformation net): built and trained only from
/// the defense context, deterministically from its seed.
enum OwnerModels {
    /// An independent stream for one owner-side model, derived from the run's
    /// defense stream so it never shifts the numbers other purposes draw.
    static func stream(seed: UInt64, _ label: String) -> RandomStream {
        var base = RandomStream(seed: seed, purpose: .defense)
        return RandomStream(seed: base.next(), purpose: .ownerModel(label))
    }

    /// The architecture `[input] + hidden + [classes]`, checked.
    static func sizes(hidden: [Int], context: DefenseContext, defense: String) throws -> [Int] {
        guard hidden.allSatisfy({ $0 > 0 }) else {
            throw DefenseError.incompatible(defense: defense,
                                            reason: "owner-model hidden widths must be positive, got \(hidden); fix the student/surrogate widths")
        }
        return [context.teacher.inputSize] + hidden + [context.teacher.classCount]
    }

    /// The recipe for owner-side models: Adam 1e-3, batch 64, cosine decay, last epoch.
    static func config(epochs: Int) -> TrainingConfig {
        TrainingConfig(epochs: epochs, batchSize: 64, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-3),
                       schedule: .cosine(minFactor: 0), selection: .last)
    }

    /// A model of `sizes` He-initialised from the stream `label`, trained with
    /// `objective` on the owner's data for `epochs` (0 = left at its initialisation).
    static func make(sizes: [Int], context: DefenseContext, label: String, objective: Objective,
                     epochs: Int, defense: String) throws -> MLP {
        var initStream = stream(seed: context.seed, label + "-init")
        let model = MLP(sizes: sizes, initialization: .he, rng: &initStream)
        guard epochs > 0 else { return model }
        let data = context.ownerData
        guard data.count > 0, data.featureCount == model.inputSize else {
            throw DefenseError.incompatible(defense: defense,
                                            reason: "the owner's data (\(data.count)×\(data.featureCount)) cannot train a \(model.architecture) model")
        }
        var shuffle = stream(seed: context.seed, label + "-shuffle")
        _ = try Trainer(config: config(epochs: epochs), objective: objective)
            .train(model, on: TrainingSet(features: data.features, labels: data.labels), validation: nil, shuffle: &shuffle)
        return model
    }
}
