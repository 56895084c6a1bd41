import Foundation
import DistillCore
import DistillNN
import DistillStats

/// The null model of a keyed canary: how often innocent models agree with
/// the canary labels, bounded from control models.
public struct KeyedCanaryCalibration: Codable, Sendable, Equatable {
    /// Control models measured.
    public var controls: Int
    /// Pooled agreements with the canary labels over all controls.
    public var agreements: Int
    /// Pooled trials: controls × logged canaries.
    public var trials: Int
    /// One-sided confidence of the bound (0.95).
    public var confidence: Double
    /// p₀: the Clopper–Pearson upper bound of the pooled agreement rate.
    public var nullRate: Double

    public init(controls: Int, agreements: Int, trials: Int, confidence: Double, nullRate: Double) {
        self.controls = controls; self.agreements = agreements; self.trials = trials
        self.confidence = confidence; self.nullRate = nullRate
    }
}

/// The owner's record of a keyed canary: every marked query (deduplicated by
/// its exact bytes) with the wrong label it was answered with. It holds a key
/// *id*, never the key, so it can be shared with a verifier; verification
/// needs only this log and a calibration.
///
/// File format (JSON, `format = "distill-lab/canary-log"`, `version = 1`):
/// `method`, `keyID`, `rate`, `response`, `classCount`, `featureCount`,
/// `inputs` (one base64 string per canary: `featureCount` Float32 values,
/// little-endian — the same bytes the HMAC saw), `labels` (canary labels,
/// 0-based), optional `calibration`.
public struct CanaryLog: Sendable, Equatable {
    public static let format = "distill-lab/canary-log"
    public static let version = 1
    public static let method = "keyed-canary"

    /// First 8 bytes of HMAC-SHA256(key, "distill-lab keyed-canary key id"), hex.
    public let keyID: String
    public let rate: Double
    /// "one-hot" or "swap".
    public let response: String
    public let classCount: Int
    public let featureCount: Int
    /// Canary inputs, row-major (`count × featureCount`).
    public private(set) var flatInputs: [Float]
    public private(set) var labels: [Int32]
    /// Set by `calibrate(controls:)`; saved with the log.
    public var calibration: KeyedCanaryCalibration?
    /// Byte images of the logged inputs, for deduplication.
    private var seen: Set<Data>

    public init(keyID: String, rate: Double, response: String, classCount: Int, featureCount: Int) {
        self.keyID = keyID; self.rate = rate; self.response = response
        self.classCount = classCount; self.featureCount = featureCount
        flatInputs = []; labels = []; calibration = nil; seen = []
    }

    public static func == (a: CanaryLog, b: CanaryLog) -> Bool {
        a.keyID == b.keyID && a.rate == b.rate && a.response == b.response && a.classCount == b.classCount
            && a.featureCount == b.featureCount && a.flatInputs == b.flatInputs && a.labels == b.labels
            && a.calibration == b.calibration
    }

    /// Canaries logged.
    public var count: Int { labels.count }

    /// The logged inputs as a `count × featureCount` matrix.
    public var inputs: Matrix { Matrix(rows: count, cols: featureCount, values: flatInputs) }

    /// Adds (x, label) unless the same input bytes are already logged.
    /// - Returns: whether it was new.
    @discardableResult
    public mutating func record(_ x: UnsafePointer<Float>, label: Int32) -> Bool {
        let bytes = CanaryLog.littleEndianBytes(x, count: featureCount)
        guard seen.insert(bytes).inserted else { return false }
        flatInputs.append(contentsOf: UnsafeBufferPointer(start: x, count: featureCount))
        labels.append(label)
        // Any earlier calibration was measured on fewer canaries.
        calibration = nil
        return true
    }

    /// `count` Float32 values as little-endian bytes (the canary's bytes(x)).
    static func littleEndianBytes(_ x: UnsafePointer<Float>, count: Int) -> Data {
        var data = Data(count: count * 4)
        data.withUnsafeMutableBytes { raw in
            for i in 0..<count { raw.storeBytes(of: x[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return data
    }

    // MARK: - Verification

    /// Measures the controls' agreement with the canary labels and sets
    /// p₀ = the one-sided `confidence` Clopper–Pearson upper bound of the
    /// pooled agreement Σmᵢ / (C·n). Pooling treats every (control, canary)
    /// pair as one Bernoulli trial; the upper bound makes the later binomial
    /// test conservative against an unlucky (too agreeable) control sample.
    /// - Throws: `CanaryError.tooFewControls` (none given), `.emptyLog`, `.modelMismatch`.
    /// - Complexity: one forward pass per control over the log.
    public mutating func calibrate(controls: [MLP], confidence: Double = 0.95) throws {
        guard !controls.isEmpty else { throw CanaryError.tooFewControls(method: CanaryLog.method, needed: 1, got: 0) }
        guard count > 0 else { throw CanaryError.emptyLog(method: CanaryLog.method) }
        guard confidence > 0, confidence < 1 else {
            throw CanaryError.invalidArgument("keyed-canary: calibration confidence must be in (0, 1), got \(confidence)")
        }
        var agreements = 0
        for control in controls { agreements += try matches(control) }
        let trials = controls.count * count
        let p0 = Binomial.upperConfidenceBound(successes: agreements, trials: trials, confidence: confidence)
        calibration = KeyedCanaryCalibration(controls: controls.count, agreements: agreements, trials: trials,
                                             confidence: confidence, nullRate: p0)
    }

    /// Agreements of `model`'s top-1 with the canary labels.
    public func matches(_ model: MLP) throws -> Int {
        guard model.inputSize == featureCount, model.classCount == classCount else {
            throw CanaryError.modelMismatch(method: CanaryLog.method, expectedFeatures: featureCount, expectedClasses: classCount,
                                            gotFeatures: model.inputSize, gotClasses: model.classCount)
        }
        guard count > 0 else { throw CanaryError.emptyLog(method: CanaryLog.method) }
        let predictions = model.predictions(inputs)
        return zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
    }

    /// Tests `suspect`: m of n logged canaries answered with the canary label;
    /// p-value = P[Bin(n, p₀) ≥ m]; flagged iff p-value < `alpha`.
    /// - Throws: `CanaryError.notCalibrated` without a calibration, `.emptyLog`, `.modelMismatch`,
    ///   `.invalidArgument` for alpha outside (0, 1).
    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification {
        guard alpha > 0, alpha < 1 else { throw CanaryError.invalidArgument("keyed-canary: alpha must be in (0, 1), got \(alpha)") }
        guard let c = calibration else { throw CanaryError.notCalibrated(method: CanaryLog.method) }
        let m = try matches(suspect)
        let p = Binomial.upperTail(successes: m, trials: count, probability: c.nullRate)
        return OwnershipVerification(method: CanaryLog.method, statistic: Double(m), pValue: p, threshold: nil,
                                     trials: count, matches: m, flagged: p < alpha)
    }
}
