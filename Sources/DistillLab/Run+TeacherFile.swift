import Foundation
import DistillCore
import DistillNN

extension Run {
    /// Objective recorded for a teacher that was loaded, not trained.
    static let loadedObjective = "loaded"

    /// The loaded teacher as the normally trained one: measured on the test
    /// split (and validation, when there is one) like a trained teacher, with
    /// zero epochs and no training examples. Draws no random stream.
    func served(_ loaded: LoadedTeacher) -> TrainedModel {
        let s = settings
        let model = loaded.model
        let sha = loaded.file.sha256.prefix(12)
        onEvent(.stage("loaded teacher \(model.architecture) from \(ExperimentError.quote(loaded.file.path)) (SHA-256 \(sha)…), not trained"))
        // The settings a loaded teacher ignores are noted, not refused: a rerun of any run's config.yaml
        // with teacher.file set carries its own (unused) recipe. teacher.hidden is checked in LoadedTeacher.
        let recipe = ExperimentSettings.defaults(for: s.data.source).teacher
        if s.defense.nastyTeacher == nil, s.teacher.training != recipe.training || s.teacher.initialization != recipe.initialization {
            onEvent(.stage("note: teacher.training and teacher.initialization are not used: the teacher is loaded from its file (they train only a nasty teacher)"))
        }
        let validation = splits.validation.count > 0
            ? Metrics.accuracy(model.predictions(splits.validation.features), splits.validation.labels) : nil
        let result = ModelResult(
            role: ModelRole.teacher.rawValue, architecture: model.architecture, objective: Self.loadedObjective,
            testAccuracy: Metrics.accuracy(model.predictions(splits.test.features), splits.test.labels), fidelity: nil,
            validationAccuracy: validation, selection: .last, selectedEpoch: 0, epochs: 0,
            trainSeconds: 0, trainExamples: 0)
        onEvent(.modelDone(result))
        return TrainedModel(role: .teacher, model: model, result: result)
    }
}
