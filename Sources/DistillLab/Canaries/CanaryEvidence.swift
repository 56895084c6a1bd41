import Foundation
import DistillNN

/// What an ownership canary leaves behind so a suspect can be tested later,
/// without the run: the keyed canary's log of marked queries, the periodic
/// signal's key, probes and null. Every canary's evidence is written to the
/// run folder and read back by `distill-lab verify` the same way; a plug-in
/// canary registers a reader for its own (`ComponentRegistry.register(_:evidence:)`).
public protocol CanaryEvidence {
    /// The canary's registry name ("keyed-canary"); also the file's `method` field.
    var method: String { get }
    /// Tests `suspect` at significance `alpha`.
    func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification
    /// The same evidence with its null (re)fitted on `controls` (innocent models).
    func calibrated(on controls: [MLP]) throws -> CanaryEvidence
    /// One line on how the verdict was reached, for people ("12 of 80 canaries …").
    func explain(_ v: OwnershipVerification) -> String
    /// A self-describing JSON document with at least `format`, `version` and `method`.
    func encoded() throws -> Data
}

/// Reads any registered canary's evidence file.
public enum CanaryEvidenceFile {
    struct Header: Decodable { var method: String? }

    /// - Throws: `CanaryError.malformedFile` when the file is not evidence of a
    ///   registered canary (naming the method and the known ones); the reader's errors.
    public static func load(from url: URL, registry: ComponentRegistry = .shared) throws -> CanaryEvidence {
        let data = try Data(contentsOf: url)
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw CanaryError.malformedFile(path: url.path, reason: "not JSON canary evidence (a run writes canary-<index>-<name>.json)")
        }
        guard let method = header.method else {
            throw CanaryError.malformedFile(path: url.path, reason: "no 'method' field: not canary evidence")
        }
        guard let read = registry.evidenceReader(method) else {
            throw CanaryError.malformedFile(path: url.path, reason: "method '\(method)' is not a registered canary; known: \(registry.names(.canary).joined(separator: ", "))")
        }
        return try read(data, url)
    }
}
