import Foundation
import DistillCore

/// Which epoch's parameters a training run reports.
public enum ModelSelection: String, Codable, Sendable, CaseIterable {
    /// The parameters after the last epoch.
    case last
    /// The epoch with the best validation accuracy; ties go to the lower
    /// validation loss (small validation sets tie often). Never chosen on test data.
    case bestValidation = "best-validation"
}

/// Settings of one training run.
public struct TrainingConfig: Codable, Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerConfig
    public var schedule: LearningRateSchedule
    public var selection: ModelSelection

    public init(epochs: Int = 20, batchSize: Int = 128, optimizer: OptimizerConfig = OptimizerConfig(),
                schedule: LearningRateSchedule = .cosine(minFactor: 0), selection: ModelSelection = .bestValidation) {
        self.epochs = epochs; self.batchSize = batchSize; self.optimizer = optimizer
        self.schedule = schedule; self.selection = selection
    }

    /// Checks the settings; the error names the value and the fix.
    public func validate() throws {
        guard epochs > 0 else { throw TrainingError.invalidConfiguration("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw TrainingError.invalidConfiguration("batch size must be positive, got \(batchSize)") }
        try optimizer.validate()
        switch schedule {
        case .constant: break
        case let .step(every, gamma):
            guard every > 0, gamma > 0, gamma <= 1 else {
                throw TrainingError.invalidConfiguration("step schedule needs every > 0 and gamma in (0, 1], got every=\(every) gamma=\(gamma)")
            }
        case let .cosine(minFactor):
            guard minFactor >= 0, minFactor <= 1 else {
                throw TrainingError.invalidConfiguration("cosine schedule min factor must be in [0, 1], got \(minFactor)")
            }
        }
    }
}

/// What a model is trained on: inputs, hard labels and (for soft objectives)
/// probability targets, row-aligned.
public struct TrainingSet {
    public var features: Matrix
    /// Hard labels: true labels, or the argmax of the responses for a student.
    public var labels: [Int32]
    /// Probability targets (N × classes), required by soft objectives.
    public var softTargets: Matrix?

    public init(features: Matrix, labels: [Int32], softTargets: Matrix? = nil) {
        self.features = features; self.labels = labels; self.softTargets = softTargets
    }
    public var count: Int { features.rows }
}

/// A labelled set to select epochs on (never the test split).
public struct ValidationSet {
    public var features: Matrix
    public var labels: [Int32]
    public init(features: Matrix, labels: [Int32]) { self.features = features; self.labels = labels }
}

/// Metrics of one epoch, one JSON line in a run's metrics file.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    /// Agreement of the model's top-1 with the training labels during the epoch.
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double
    public var seconds: Double
    public var examplesPerSecond: Double
}

/// The outcome of a training run.
public struct TrainingReport: Codable, Sendable, Equatable {
    public var epochs: [EpochMetrics]
    public var selection: ModelSelection
    /// 1-based epoch whose parameters the model now holds.
    public var selectedEpoch: Int
    public var seconds: Double
    public var selectedValidationAccuracy: Double? {
        epochs.first { $0.epoch == selectedEpoch }?.validationAccuracy
    }
}

/// Errors from training; each message names the problem and the fix.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case shapeMismatch(String)
    /// Training is stopped when a loss is NaN or infinite, the parameters are not
    /// finite, or an epoch's mean training loss exceeds `divergenceFactor` times
    /// max(the first step's mean loss, ln(classes), 1): an untrained model's loss is
    /// about ln(classes), and a converging run only lowers it.
    case diverged(epoch: Int, step: Int, loss: Double)

    /// An epoch whose mean loss grew this many times over the start has diverged.
    public static let divergenceFactor = 1_000.0

    public var description: String {
        switch self {
        case let .invalidConfiguration(s): return "invalid training configuration: \(s)"
        case let .shapeMismatch(s): return "training data does not fit the model: \(s)"
        case let .diverged(e, s, l):
            return "training diverged: the loss became \(l) at epoch \(e), step \(s)\(l.isFinite ? " (more than \(Int(TrainingError.divergenceFactor))× its starting value)" : ""). Lower the learning rate (Adam usually wants 1e-3), or check the inputs for NaN/huge values."
        }
    }
}

/// Trains an MLP with mini-batches from a seeded shuffle.
///
/// All buffers (batch inputs, targets, activations, optimizer state) are
/// sized before the first step; the step loop does no heap allocation.
public struct Trainer {
    public var config: TrainingConfig
    public var objective: Objective

    public init(config: TrainingConfig, objective: Objective) {
        self.config = config; self.objective = objective
    }

    /// Trains `model` in place and leaves it holding the selected epoch's parameters.
    /// - Parameters:
    ///   - shuffle: the run's shuffle stream (consumed).
    ///   - onEpoch: called after every epoch (progress, metrics logs).
    /// - Throws: `TrainingError` for bad settings, mismatched data, or divergence.
    public func train(_ model: MLP, on data: TrainingSet, validation: ValidationSet?,
                      shuffle: inout RandomStream, onEpoch: (EpochMetrics) -> Void = { _ in }) throws -> TrainingReport {
        try config.validate()
        try check(model, data, validation)
        let n = data.count, d = model.inputSize, k = model.classCount
        let b = min(config.batchSize, n)
        let stepsPerEpoch = (n + b - 1) / b
        let totalSteps = stepsPerEpoch * config.epochs

        // Buffers sized once.
        let acts = MLPActivations(for: model, capacity: b)
        let xBatch = Matrix(rows: b, cols: d)
        let tBatch = Matrix(rows: b, cols: objective.needsSoftTargets ? k : 0)
        let yBatch = UnsafeMutablePointer<Int32>.allocate(capacity: b)
        defer { yBatch.deallocate() }
        let optimizer = Optimizer(config.optimizer, for: model)
        let best = Matrix(rows: 1, cols: model.parameterCount)
        var bestAccuracy = -Double.infinity, bestLoss = Double.infinity, bestEpoch = 0
        var order = Array(0..<n)
        let evalActs = validation.map { _ in MLPActivations(for: model, capacity: 512) }

        // KD targets: the tempered teacher distribution, computed once.
        var targets = data.softTargets
        var targetNegEntropy: Double = 0
        if case let .distillation(t, _) = objective, let q = data.softTargets {
            let tempered = q.copy()
            Losses.temper(tempered.storage, rows: n, classes: k, temperature: t)
            targets = tempered
            targetNegEntropy = Losses.negativeEntropy(tempered.storage, rows: n, classes: k)
        }

        var history: [EpochMetrics] = []
        let runStart = Date()
        var step = 0
        var initialLoss = 0.0
        for epoch in 1...config.epochs {
            let epochStart = Date()
            shuffle.shuffle(&order)
            var lossSum: Double = 0, correct = 0
            var lr: Float = config.optimizer.learningRate
            var start = 0
            while start < n {
                let rows = min(b, n - start)
                // Gather the batch.
                for i in 0..<rows {
                    let src = order[start + i]
                    (xBatch.storage + i * d).update(from: data.features.row(src), count: d)
                    yBatch[i] = data.labels[src]
                    if let t = targets { (tBatch.storage + i * k).update(from: t.row(src), count: k) }
                }
                let logits = model.forward(xBatch.storage, batch: rows, activations: acts)
                for i in 0..<rows where Kernels.argmax(logits + i * k, count: k) == Int(yBatch[i]) { correct += 1 }
                let loss = lossAndGradient(logits: logits, rows: rows, classes: k, labels: yBatch,
                                           targets: tBatch.storage, into: acts.logitsGradient.storage)
                guard loss.isFinite else { throw TrainingError.diverged(epoch: epoch, step: step + 1, loss: loss) }
                if step == 0 { initialLoss = loss / Double(rows) }
                lossSum += loss
                model.backward(xBatch.storage, batch: rows, activations: acts)
                lr = config.schedule.rate(base: config.optimizer.learningRate, step: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
                optimizer.step(parameters: model.parameters.storage, gradients: model.gradients.storage, learningRate: lr)
                step += 1
                start += rows
            }
            guard Kernels.allFinite(model.parameters.storage, count: model.parameterCount) else {
                throw TrainingError.diverged(epoch: epoch, step: step, loss: .nan)
            }
            // Explosion without NaN (e.g. Adam at lr 1e9): see `TrainingError.divergenceFactor`.
            let meanLoss = lossSum / Double(n)
            if meanLoss > TrainingError.divergenceFactor * max(initialLoss, log(Double(k)), 1) {
                throw TrainingError.diverged(epoch: epoch, step: step, loss: meanLoss)
            }
            var trainLoss = meanLoss
            if case let .distillation(t, a) = objective {
                trainLoss += Double(a * t * t) * targetNegEntropy / Double(n)  // report KL, not cross-entropy
            }
            let seconds = Date().timeIntervalSince(epochStart)
            var metrics = EpochMetrics(epoch: epoch, trainLoss: trainLoss, trainAccuracy: Double(correct) / Double(n),
                                       validationLoss: nil, validationAccuracy: nil, learningRate: Double(lr),
                                       seconds: seconds, examplesPerSecond: Double(n) / max(seconds, 1e-9))
            if let v = validation, let ea = evalActs {
                let (vl, va) = model.evaluate(v.features, labels: v.labels, activations: ea)
                metrics.validationLoss = vl
                metrics.validationAccuracy = va
                if va > bestAccuracy || (va == bestAccuracy && vl < bestLoss) {
                    bestAccuracy = va; bestLoss = vl; bestEpoch = epoch
                    best.assign(from: model.parameters)
                }
            }
            history.append(metrics)
            onEpoch(metrics)
        }
        var selected = config.epochs
        if config.selection == .bestValidation, bestEpoch > 0 {
            model.parameters.assign(from: best)
            selected = bestEpoch
        }
        return TrainingReport(epochs: history, selection: validation == nil ? .last : config.selection,
                              selectedEpoch: selected, seconds: Date().timeIntervalSince(runStart))
    }

    /// Summed loss over the rows; writes the batch-mean gradient into `g`.
    @inline(__always)
    func lossAndGradient(logits: UnsafeMutablePointer<Float>, rows: Int, classes k: Int,
                         labels: UnsafePointer<Int32>, targets: UnsafePointer<Float>,
                         into g: UnsafeMutablePointer<Float>) -> Double {
        let inv = 1 / Float(rows)
        switch objective {
        case .crossEntropy:
            return Losses.crossEntropy(logits: logits, labels: labels, rows: rows, classes: k, gradient: g, scale: inv)
        case .softCrossEntropy:
            return Losses.softCrossEntropy(logits: logits, targets: targets, rows: rows, classes: k, gradient: g, scale: inv)
        case let .distillation(t, a):
            var loss = 0.0
            if a > 0 {
                loss += Double(a * t * t) * Losses.softCrossEntropy(logits: logits, targets: targets, rows: rows, classes: k,
                                                                  temperature: t, gradient: g, scale: a * t * t * inv)
            }
            if a < 1 {
                loss += Double(1 - a) * Losses.crossEntropy(logits: logits, labels: labels, rows: rows, classes: k,
                                                           gradient: g, scale: (1 - a) * inv, accumulate: a > 0)
            }
            return loss
        case .misinformation:
            return Losses.misinformation(logits: logits, labels: labels, rows: rows, classes: k, gradient: g, scale: inv)
        case let .nasty(t, w):
            return Losses.nasty(logits: logits, labels: labels, adversary: targets, rows: rows, classes: k,
                                temperature: t, omega: w, gradient: g, scale: inv)
        }
    }

    func check(_ model: MLP, _ data: TrainingSet, _ validation: ValidationSet?) throws {
        let k = model.classCount
        guard data.count > 0 else { throw TrainingError.shapeMismatch("the training set is empty") }
        guard data.features.cols == model.inputSize else {
            throw TrainingError.shapeMismatch("inputs have \(data.features.cols) features but the model expects \(model.inputSize)")
        }
        guard data.labels.count == data.count else {
            throw TrainingError.shapeMismatch("\(data.count) inputs but \(data.labels.count) labels")
        }
        if let bad = data.labels.first(where: { $0 < 0 || Int($0) >= k }) {
            throw TrainingError.shapeMismatch("label \(bad) is outside 0..<\(k) (the model's class count)")
        }
        if objective.needsSoftTargets {
            guard let t = data.softTargets else {
                throw TrainingError.shapeMismatch("objective \(objective.name) needs probability targets")
            }
            guard t.rows == data.count, t.cols == k else {
                throw TrainingError.shapeMismatch("targets are \(t.rows)×\(t.cols), expected \(data.count)×\(k)")
            }
        }
        if case let .distillation(t, a) = objective {
            guard t > 0, t.isFinite else { throw TrainingError.invalidConfiguration("KD temperature must be positive, got \(t)") }
            guard a >= 0, a <= 1 else { throw TrainingError.invalidConfiguration("KD alpha must be in [0, 1], got \(a)") }
        }
        if case let .nasty(t, w) = objective {
            guard t > 0, t.isFinite, w >= 0, w.isFinite else {
                throw TrainingError.invalidConfiguration("nasty-teacher temperature must be positive and omega ≥ 0, got T=\(t), omega=\(w)")
            }
        }
        if case .misinformation = objective, k < 2 {
            throw TrainingError.invalidConfiguration("the misinformation loss needs at least two classes")
        }
        if let v = validation {
            guard v.features.cols == model.inputSize, v.labels.count == v.features.rows, v.features.rows > 0 else {
                throw TrainingError.shapeMismatch("validation set is \(v.features.rows)×\(v.features.cols) with \(v.labels.count) labels")
            }
        } else if config.selection == .bestValidation {
            throw TrainingError.invalidConfiguration("selection best-validation needs a validation set; use selection last")
        }
    }
}
