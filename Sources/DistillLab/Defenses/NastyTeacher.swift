import Foundation
import DistillCore
import DistillNN

/// The nasty teacher (Ma et al., "Undistillable: Making A Nasty Teacher That
/// CANNOT Teach Students", ICLR 2021): a training-time defense.
///
/// The teacher is trained with `CE(t, y) − ω·τ²·KL(softmax(t/τ) ‖ softmax(a/τ))`,
/// where a are the logits of a normally trained, frozen *adversary* network on
/// the same inputs (reference: VITA-Group/Nasty-Teacher `train_nasty.py`,
/// `KLDivLoss(log_softmax(a/T), softmax(t/T))·T²`). It keeps its accuracy but
/// its tempered outputs carry misleading dark knowledge, so a KD student learns
/// less from them.
public enum NastyTeacher {
    /// τ = 4, ω = 0.04: the paper's setting for 10 classes (methods.md §4).
    public static let defaultTemperature: Float = 4
    public static let defaultOmega: Float = 0.04

    /// `softmax(a/τ)` of the adversary for every row of `features` (the adversary is frozen, so once).
    public static func adversaryTargets(_ adversary: MLP, features: Matrix, temperature: Float) -> Matrix {
        let a = adversary.logits(features)
        Kernels.softmaxRows(a.storage, a.storage, rows: a.rows, cols: a.cols, temperature: temperature)
        return a
    }

    /// Trains `teacher` in place as a nasty teacher against `adversary`.
    /// - Parameters:
    ///   - data: the teacher's training inputs and true labels (`softTargets` is ignored and replaced by the adversary's).
    ///   - adversary: a normally trained model with the teacher's input width and class count (usually the same architecture).
    ///   - shuffle: the teacher's shuffle stream (consumed).
    /// - Throws: `TrainingError` for a non-positive τ, negative ω, mismatched models or data, or divergence.
    /// - Complexity: one adversary forward over the data, then the usual training cost.
    @discardableResult
    public static func train(teacher: MLP, adversary: MLP, data: TrainingSet, validation: ValidationSet?,
                             config: TrainingConfig, temperature: Float = defaultTemperature, omega: Float = defaultOmega,
                             shuffle: inout RandomStream, onEpoch: (EpochMetrics) -> Void = { _ in }) throws -> TrainingReport {
        guard temperature > 0, temperature.isFinite else {
            throw TrainingError.invalidConfiguration("nasty-teacher temperature must be positive, got \(temperature)")
        }
        guard omega >= 0, omega.isFinite else {
            throw TrainingError.invalidConfiguration("nasty-teacher omega must be ≥ 0, got \(omega)")
        }
        guard adversary.inputSize == teacher.inputSize, adversary.classCount == teacher.classCount else {
            throw TrainingError.shapeMismatch("the adversary (\(adversary.architecture)) must share the teacher's (\(teacher.architecture)) input width and classes")
        }
        guard data.features.cols == adversary.inputSize else {
            throw TrainingError.shapeMismatch("inputs have \(data.features.cols) features but the models expect \(adversary.inputSize)")
        }
        let targets = adversaryTargets(adversary, features: data.features, temperature: temperature)
        let set = TrainingSet(features: data.features, labels: data.labels, softTargets: targets)
        return try Trainer(config: config, objective: .nasty(temperature: temperature, omega: omega))
            .train(teacher, on: set, validation: validation, shuffle: &shuffle, onEpoch: onEpoch)
    }

    /// Mean `KL(softmax(t/τ) ‖ softmax(a/τ))` of `model` against `adversary` over `features`:
    /// how far the model's tempered outputs are from a normal network's.
    public static func meanTemperedKL(_ model: MLP, from adversary: MLP, features: Matrix, temperature: Float = defaultTemperature) -> Double {
        let t = model.logits(features)
        let q = adversaryTargets(adversary, features: features, temperature: temperature)
        let scratch = Matrix(rows: t.rows, cols: t.cols)
        let total = Losses.temperedKL(logits: t.storage, targets: q.storage, rows: t.rows, classes: t.cols,
                                      temperature: temperature, gradient: scratch.storage, scale: 0)
        return total / Double(max(t.rows, 1))
    }
}
