import Foundation
import DistillCore
import DistillNN

/// The epoch lines a run has logged so far (a class so the `Run` value can append).
final class EpochLineRecorder {
    var lines: [EpochLogLine] = []
}

extension Run {
    /// The models of one stage: from the cache under `key` if it holds them
    /// (their epoch lines replayed into metrics.jsonl, their results reported
    /// as events), else computed by `compute` and stored.
    ///
    /// A cache entry with a different number of models than the stage makes is
    /// ignored and overwritten (it cannot come from the same settings).
    func cached(_ lookup: ((String) throws -> CachedTraining?)?, _ store: ((CachedTraining, String) throws -> Void)?,
                key: String, what: String, streams: [StreamPurpose],
                compute: () throws -> [TrainedModel]) throws -> [TrainedModel] {
        // An entry whose roles this version does not know cannot come from these settings: recompute it.
        if let hit = try lookup?(key), !hit.models.isEmpty,
           case let roles = hit.models.compactMap({ ModelRole(rawValue: $0.result.role) }), roles.count == hit.models.count {
            onEvent(.stage("reusing the cached \(what) \(key.prefix(12))"))
            // The cached stage drew these when it ran: settings.json lists the same streams either way.
            for p in streams { StreamLedger.current?.note(p) }
            for line in hit.epochLog { writer?.append(line) }
            epochLines.lines += hit.epochLog
            for m in hit.models { onEvent(.modelDone(m.result)) }
            return zip(roles, hit.models).map { TrainedModel(role: $0, model: $1.model, result: $1.result) }
        }
        let start = epochLines.lines.count
        let models = try compute()
        try store?(CachedTraining(models: models.map { CachedModel(model: $0.model, result: $0.result) },
                                  epochLog: Array(epochLines.lines[start...])), key)
        return models
    }
}
