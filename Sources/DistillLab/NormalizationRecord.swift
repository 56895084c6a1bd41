import Foundation
import DistillData

/// normalization.json: the per-feature rescaling a run fitted on the teacher's
/// training split, so new inputs can be put into the oracle's input space (the
/// space its checkpoints take) the way the run did. In numpy:
///
///     n = json.load(open("normalization.json"))
///     shift, spread = np.array(n["shift"]), np.array(n["spread"])
///     x = raw * n["rawValueScale"]                       # the loader's scaling
///     x = np.where(spread > 0, (x - shift) / np.where(spread > 0, spread, 1), 0)
public struct NormalizationRecord: Codable, Sendable, Equatable {
    /// `minmax` or `standardize`.
    public var method: FeatureNormalization
    /// How to apply it, in words.
    public var formula: String
    /// The split it was fitted on (always the teacher's training split) and its rows.
    public var fittedOn: String
    public var fittedRows: Int
    /// What the loader multiplied the file's values by before this rescaling
    /// (`DataSource.rawValueScale`: a CSV's `data.featureScale`, 1/16 for the digits, 1/255 for IDX).
    public var rawValueScale: Float
    /// Per feature: the minimum (minmax) or the mean (standardize).
    public var shift: [Float]
    /// Per feature: maximum − minimum (minmax) or the population standard deviation (standardize); 0 = constant.
    public var spread: [Float]

    public init(_ normalizer: FeatureNormalizer, rawValueScale: Float) {
        method = normalizer.method
        formula = "x' = (x · rawValueScale − shift) / spread per feature; x' = 0 where spread = 0"
        fittedOn = "teacher-train"
        fittedRows = normalizer.fittedRows
        self.rawValueScale = rawValueScale
        shift = normalizer.shift
        spread = normalizer.spread
    }

    /// The rescaling itself (applies to features already multiplied by `rawValueScale`).
    public var normalizer: FeatureNormalizer {
        FeatureNormalizer(method: method, fittedRows: fittedRows, shift: shift, spread: spread)
    }
}
