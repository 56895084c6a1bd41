import Foundation

/// One model's per-epoch training record in one run (a run's `metrics.jsonl`,
/// the `epochs` table of results.sqlite), for the training-curves plot.
public struct TrainingCurve: Codable, Sendable, Equatable {
    /// The setting's label, as the report row's `setting`.
    public var setting: String
    /// The row's query budget (settings differing only in budget share a label).
    public var budget: Int
    /// The seed of the run the curve comes from.
    public var seed: UInt64
    /// The model's role: "teacher", "student-soft", "student-label", "student-reference", ….
    public var model: String
    /// 1-based epochs, ascending.
    public var epochs: [Int]
    /// Mean training loss per epoch (nats).
    public var trainLoss: [Double]
    /// Validation accuracy per epoch (fraction), nil when the model was not
    /// validated in every epoch (students are selected on their last epoch).
    public var validationAccuracy: [Double]?

    /// - Precondition: `trainLoss` (and `validationAccuracy`, when given) has one value per epoch.
    public init(setting: String, budget: Int, seed: UInt64, model: String, epochs: [Int], trainLoss: [Double],
                validationAccuracy: [Double]? = nil) {
        precondition(trainLoss.count == epochs.count && (validationAccuracy?.count ?? epochs.count) == epochs.count,
                     "a training curve needs one value per epoch")
        self.setting = setting; self.budget = budget; self.seed = seed; self.model = model
        self.epochs = epochs; self.trainLoss = trainLoss; self.validationAccuracy = validationAccuracy
    }

    /// The models the curves plot shows, in panel order, with their panel names.
    public static let plottedModels: [(model: String, name: String)] = [
        ("teacher", "Teacher"),
        ("student-soft", "Soft-label student"),
        ("student-label", "Label-only student"),
        ("student-reference", "Reference student (true labels)"),
    ]
}
