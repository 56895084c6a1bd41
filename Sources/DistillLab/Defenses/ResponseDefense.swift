import Foundation
import DistillCore
import DistillNN
import DistillData

/// A transform the oracle applies to the teacher's probabilities before
/// answering (an output perturbation or a canary). The oracle calls it on
/// every batch, in pipeline order; randomised defenses draw only from the
/// stream they are given, so a rerun gives the same responses.
public protocol ResponseDefense: AnyObject {
    /// Registry name, e.g. "rounding".
    var name: String { get }
    /// Rewrites `responses` (rows = queries, columns = classes) in place.
    /// - Parameters:
    ///   - queries: the inputs, row-aligned with `responses`.
    ///   - rng: the run's defense stream.
    func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws
}

/// A defense that plants evidence and can later test a suspect model for it
/// (keyed wrong answers, periodic signals).
public protocol OwnershipCanary: ResponseDefense {
    /// Measures the canary on models that were never distilled from this
    /// teacher; verification thresholds / null rates come from them.
    func calibrate(controls: [MLP]) throws
    /// Tests `suspect` for the canary at significance `alpha`.
    func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification
    /// What `verify` needs later, without the run (after `calibrate`): written
    /// to the run folder and read back by `distill-lab verify`.
    func evidence() throws -> CanaryEvidence
}

/// The outcome of testing one model for a canary.
public struct OwnershipVerification: Codable, Sendable, Equatable {
    /// "keyed-canary", "periodic-signal", …
    public var method: String
    /// Test statistic (agreements for keyed canaries, periodogram SNR for the periodic signal).
    public var statistic: Double
    /// p-value under "this model is innocent" (nil where the method has none).
    public var pValue: Double?
    /// Decision threshold on the statistic, where the method uses one.
    public var threshold: Double?
    /// Canary queries checked and how many the suspect answered like the canary.
    public var trials: Int?
    public var matches: Int?
    /// Whether the test says "copied".
    public var flagged: Bool

    public init(method: String, statistic: Double, pValue: Double?, threshold: Double? = nil,
                trials: Int? = nil, matches: Int? = nil, flagged: Bool) {
        self.method = method; self.statistic = statistic; self.pValue = pValue; self.threshold = threshold
        self.trials = trials; self.matches = matches; self.flagged = flagged
    }
}

/// Sees every batch the oracle answers (for extraction-stream detectors).
public protocol QueryMonitor: AnyObject {
    func observe(client: String, queries: Matrix, responses: Matrix)
}

/// What a defense may use when it is built: the teacher and the owner's own
/// data. Never the attacker's pool or the test split.
public struct DefenseContext {
    public let teacher: MLP
    /// The teacher's private training split (for surrogates, misinformation models).
    public let ownerData: Dataset
    /// The owner's validation split.
    public let validation: Dataset
    public let seed: UInt64
    /// Student architecture hint (hidden widths) for owner-side models such as surrogates.
    public let surrogateHidden: [Int]

    public init(teacher: MLP, ownerData: Dataset, validation: Dataset, seed: UInt64, surrogateHidden: [Int] = [64]) {
        self.teacher = teacher; self.ownerData = ownerData; self.validation = validation
        self.seed = seed; self.surrogateHidden = surrogateHidden
    }
}
