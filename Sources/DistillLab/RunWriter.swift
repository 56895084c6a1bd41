import Foundation
import DistillCore
import DistillNN

/// The one writer of a run folder. When the run starts it writes the record of
/// what will run (settings.json, config.yaml, and normalization.json when the
/// features are normalised); while models train it appends
/// their epoch lines (metrics.jsonl); everything else it writes once the last
/// stage is done, results.json last so its presence means the run finished.
/// The stages never touch the folder.
final class RunWriter {
    let directory: RunDirectory
    private let metrics: JSONLinesWriter

    /// Writes settings.json (with the teacher file's record, if one is served) and config.yaml
    /// (rerunnable with `--config`), the fitted normalisation if any, and opens metrics.jsonl.
    init(directory: RunDirectory, settings: ExperimentSettings, environment: RunEnvironment,
         normalization: NormalizationRecord? = nil, teacherFile: TeacherFile? = nil) throws {
        try directory.writeJSON(RunRecord(settings: settings, environment: environment, teacherFile: teacherFile), to: RunFiles.settings)
        try directory.write(Data(directory.renderSettings(settings).utf8), to: RunFiles.config)
        if let normalization { try directory.writeJSON(normalization, to: RunFiles.normalization) }
        metrics = try JSONLinesWriter(url: directory.file(RunFiles.metrics))
        self.directory = directory
    }

    /// One epoch of one model. A failed append loses a progress line, not a result.
    func append(_ line: EpochLogLine) { try? metrics.append(line) }

    /// The finished run: each model's checkpoint by role, each canary's evidence,
    /// results.json, and settings.json completed with the streams drawn.
    func finish(result: ExperimentResult, record: RunRecord, models: [TrainedModel], evidence: [(name: String, data: Data)]) throws {
        for m in models { try m.model.save(to: directory.file(RunFiles.model(m.role)), metadata: ["role": m.role.rawValue]) }
        for e in evidence { try directory.write(e.data, to: e.name) }
        try directory.writeJSON(result, to: RunFiles.results)
        try directory.replaceJSON(record, at: RunFiles.settings)
    }
}
