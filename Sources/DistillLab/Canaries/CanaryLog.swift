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
/// 0-based), `tops` (version 2: the replaced top-1 per canary, which the
/// suspect's own null needs; absent in version 1, still read), optional
/// `calibration` (controls' pooled agreement; reported, not used to decide).
public struct CanaryLog: Sendable, Equatable {
    public static let format = "distill-lab/canary-log"
    public static let version = 2
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
    /// The top-1 of the answer each canary replaced (the class its keyed
    /// label was drawn away from); nil for logs written before version 2.
    public private(set) var tops: [Int32]?
    /// Set by `calibrate(controls:)`; saved with the log.
    public var calibration: KeyedCanaryCalibration?
    /// Byte images of the logged inputs, for deduplication.
    private var seen: Set<Data>

    public init(keyID: String, rate: Double, response: String, classCount: Int, featureCount: Int) {
        self.keyID = keyID; self.rate = rate; self.response = response
        self.classCount = classCount; self.featureCount = featureCount
        flatInputs = []; labels = []; tops = []; calibration = nil; seen = []
    }

    public static func == (a: CanaryLog, b: CanaryLog) -> Bool {
        a.keyID == b.keyID && a.rate == b.rate && a.response == b.response && a.classCount == b.classCount
            && a.featureCount == b.featureCount && a.flatInputs == b.flatInputs && a.labels == b.labels && a.tops == b.tops
            && a.calibration == b.calibration
    }

    /// Canaries logged.
    public var count: Int { labels.count }

    /// The logged inputs as a `count × featureCount` matrix.
    public var inputs: Matrix { Matrix(rows: count, cols: featureCount, values: flatInputs) }

    /// Adds (x, label, top) unless the same input bytes are already logged.
    /// Without `top` (old logs) the log keeps no tops and verification falls
    /// back to the conservative unconditional test.
    /// - Returns: whether it was new.
    @discardableResult
    public mutating func record(_ x: UnsafePointer<Float>, label: Int32, top: Int32? = nil) -> Bool {
        let bytes = CanaryLog.littleEndianBytes(x, count: featureCount)
        guard seen.insert(bytes).inserted else { return false }
        flatInputs.append(contentsOf: UnsafeBufferPointer(start: x, count: featureCount))
        labels.append(label)
        if let top, tops != nil { tops!.append(top) } else { tops = nil }
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

    /// Tests `suspect` against the suspect's OWN chance rate — no controls,
    /// no stored calibration: a pure function of (log, suspect, alpha).
    ///
    /// Why this null is exact: the canary label cᵢ is a keyed PRF output,
    /// uniform over the K − 1 classes other than the replaced top-1 tᵢ and
    /// independent of anything a model that never saw the canary answers can
    /// compute. So for an innocent suspect with top-1 sᵢ, given sᵢ ≠ tᵢ,
    /// P[sᵢ = cᵢ] = 1/(K − 1) whatever the suspect is (weak, random, one
    /// class, other data). Of the N canaries where the suspect disagrees with
    /// tᵢ, the m it answers with cᵢ are Bin(N, 1/(K − 1)) under H₀;
    /// p-value = P[Bin(N, 1/(K − 1)) ≥ m]. Its chance rate is thus measured
    /// on the suspect itself (its disagreement with the teacher), which is
    /// what a control-based p₀ got wrong for weaker models (issue 12).
    /// Logs without tops (version 1): P[sᵢ = cᵢ] ≤ 1/(K − 1) for any sᵢ, so
    /// P[Bin(n, 1/(K − 1)) ≥ m] is a valid (conservative) p-value.
    /// - Throws: `.emptyLog`, `.modelMismatch`, `.invalidArgument` for alpha outside (0, 1).
    /// - Complexity: one forward pass over the log.
    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification {
        guard alpha > 0, alpha < 1 else { throw CanaryError.invalidArgument("keyed-canary: alpha must be in (0, 1), got \(alpha)") }
        let t = try tally(suspect)
        let p = Binomial.upperTail(successes: t.matches, trials: t.trials, probability: 1 / Double(classCount - 1))
        return OwnershipVerification(method: CanaryLog.method, statistic: Double(t.matches), pValue: p, threshold: nil,
                                     trials: t.trials, matches: t.matches, flagged: p < alpha)
    }

    /// m = canaries answered with the canary label; trials = canaries where
    /// the suspect's top-1 differs from the replaced top-1 (all canaries
    /// when the log has no tops).
    public func tally(_ model: MLP) throws -> (matches: Int, trials: Int) {
        guard model.inputSize == featureCount, model.classCount == classCount else {
            throw CanaryError.modelMismatch(method: CanaryLog.method, expectedFeatures: featureCount, expectedClasses: classCount,
                                            gotFeatures: model.inputSize, gotClasses: model.classCount)
        }
        guard count > 0 else { throw CanaryError.emptyLog(method: CanaryLog.method) }
        let predictions = model.predictions(inputs)
        var m = 0, n = 0
        for i in 0..<count {
            let s = Int32(predictions[i])
            if let tops, tops[i] == s { continue }
            n += 1
            if s == labels[i] { m += 1 }
        }
        return (m, n)
    }
}
