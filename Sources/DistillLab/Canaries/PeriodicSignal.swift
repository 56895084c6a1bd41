import Foundation
import DistillCore
import DistillNN
import DistillData
import DistillStats

/// The null model of a periodic signal: the periodogram SNRs of control
/// models at the signal frequency, summarised in log space.
public struct PeriodicSignalCalibration: Codable, Sendable, Equatable {
    /// Each control's P_snr.
    public var controlSNRs: [Double]
    /// Mean and sample standard deviation of ln P_snr over the controls.
    public var logMean: Double
    public var logStandardDeviation: Double
}

/// A periodic signal in the probabilities (CosWM, Charette et al. 2022; DRW,
/// Zhao et al. 2022; methods.md §5): the answer's top-class probability
/// oscillates with a secret projection of the query, a soft-label student
/// learns the oscillation, and the owner finds it as a peak in the student's
/// Lomb–Scargle periodogram at the secret frequency.
///
/// **Signal.** x_key = (⟨v, x⟩ − μ) / σ, with v a secret unit vector (i.i.d.
/// normal entries, normalised, from the seed's stream labelled
/// "canary.periodic-signal") and μ, σ the mean and standard deviation of
/// ⟨v, x⟩ over the owner's training data, so x_key has unit spread on the
/// data whatever the input scale: f = 16 puts 16/2π ≈ 2.5 periods in each
/// standard deviation, ≈ 10 periods over the bulk (±2σ) of the data. With
/// c = cos(f·x_key), t the top-1 of the incoming answer p and K classes:
///
///     q_t = (p_t + ε·(1 + c)) / (1 + 2ε)
///     q_j = (p_j + ε/(K−1)·(1 − c)) / (1 + 2ε)   (j ≠ t; cos(θ + π) = −c)
///
/// then each row is divided by its sum (exactly 1 + 2ε before the division
/// for a probability vector, so this only guards answers that earlier
/// defenses left unnormalised). This is the reference `softmax_signal` of
/// the CosWM/DeepMark code (target class phase 0 with weight ε, the others
/// phase π with weight ε/(K−1), denominator 1 + Σε) with the target class
/// chosen per query as the answer's top-1, as methods.md §5 states, instead
/// of one fixed class. It does not always keep the top-1: a class within
/// 2ε/(K−1) of the top can overtake it when c ≈ −1.
///
/// **Verification.** On the probe inputs, y = the suspect's probability of
/// the class the *teacher* predicts for that probe (stored with the probe);
/// P_snr =
/// `LombScargle.signalToNoise` of (x_key, y) at angular frequency f with a
/// window of half-width f/32 on an even grid of 512 angular frequencies in
/// (0, 2f]. Threshold: see `calibrate(controls:)` and `verify`.
///
/// **Probes.** `.validation` (CosWM's choice): the owner's own held-out
/// data, fixed when the signal is built. `.served`: the first
/// `servedProbeLimit` distinct queries the oracle answered (the owner sees
/// every query), with the teacher's top-1 on each. A student reproduces the
/// signal most faithfully on the inputs it was trained on; whether it
/// generalises the oscillation to fresh inputs depends on the query budget
/// (on the 449-query digits pool it does not; see the tests).
public final class PeriodicSignal: OwnershipCanary, CustomStringConvertible {
    /// Where verification probes come from.
    public enum ProbeSource: String, CaseIterable, Sendable {
        case validation, served
    }

    public let name = "periodic-signal"
    /// Angular frequency f of the signal in x_key units.
    public let frequency: Double
    public let epsilon: Double
    public let classCount: Int
    public let featureCount: Int
    /// The secret unit vector v.
    public let direction: [Float]
    /// μ and σ of ⟨v, x⟩ on the owner's data.
    public let projectionMean: Double
    public let projectionScale: Double
    public let probeSource: ProbeSource
    /// Most served queries kept as probes.
    public let servedProbeLimit: Int
    /// Probe inputs (row-major) and the teacher's top-1 on each.
    public private(set) var probeInputs: [Float]
    public private(set) var probeClasses: [Int32]
    private var servedSeen: Set<Data> = []
    /// The probe inputs as a matrix.
    public var probes: Matrix { Matrix(rows: probeClasses.count, cols: featureCount, values: probeInputs) }
    /// Periodogram settings of the verifier.
    public let windowHalfWidth: Double
    public let frequencyGrid: [Double]
    public internal(set) var calibration: PeriodicSignalCalibration?
    /// Controls needed by `calibrate` (the t bound needs ≥ 2 degrees of freedom).
    public static let minimumControls = 3

    /// - Parameters:
    ///   - direction: v (normalised here), `featureCount` long.
    ///   - projectionMean, projectionScale: μ and σ > 0 of ⟨v, x⟩ on the owner's data.
    ///   - probes: verification inputs; `probeClasses` the teacher's top-1 on them
    ///     (with `.served`, the initial probes, usually none).
    /// - Throws: `DefenseError.invalidValue` for f ≤ 0, ε outside (0, 1], a zero
    ///   direction, σ ≤ 0, fewer than 16 validation probes or mismatched sizes.
    public convenience init(direction: [Float], projectionMean: Double, projectionScale: Double,
                            frequency: Double = 16, epsilon: Double = 0.2, classCount: Int,
                            probes: Matrix, probeClasses: [Int32], probeSource: ProbeSource = .validation,
                            servedProbeLimit: Int = 5000) throws {
        try self.init(direction: direction, projectionMean: projectionMean, projectionScale: projectionScale,
                      frequency: frequency, epsilon: epsilon, classCount: classCount, probes: probes,
                      probeClasses: probeClasses, probeSource: probeSource, servedProbeLimit: servedProbeLimit,
                      normalising: true)
    }

    /// `normalising: false` keeps a direction read back from evidence bit for
    /// bit (normalising a unit vector again moves its last bits).
    init(direction: [Float], projectionMean: Double, projectionScale: Double,
         frequency: Double, epsilon: Double, classCount: Int,
         probes: Matrix, probeClasses: [Int32], probeSource: ProbeSource,
         servedProbeLimit: Int, normalising: Bool) throws {
        func bad(_ p: String, _ v: String, _ e: String) -> DefenseError {
            .invalidValue(defense: "periodic-signal", parameter: p, value: v, expected: e)
        }
        guard frequency > 0, frequency.isFinite else { throw bad("f", "\(frequency)", "a positive angular frequency, e.g. 16") }
        guard epsilon > 0, epsilon <= 1, epsilon.isFinite else { throw bad("epsilon", "\(epsilon)", "a signal strength in (0, 1], e.g. 0.2") }
        guard classCount >= 2 else { throw bad("classes", "\(classCount)", "at least 2 classes") }
        let norm = direction.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard !direction.isEmpty, norm > 0, norm.isFinite else { throw bad("direction", "(norm \(norm))", "a nonzero finite vector") }
        guard projectionScale > 0, projectionScale.isFinite, projectionMean.isFinite else {
            throw bad("scale", "\(projectionScale)", "a positive spread of the projection (the owner's data must vary along v)")
        }
        guard probes.cols == direction.count, probes.rows == probeClasses.count else {
            throw bad("probes", "\(probes.rows)×\(probes.cols)", "\(probeClasses.count) rows of \(direction.count) features")
        }
        guard probeSource == .served || probes.rows >= 16 else {
            throw bad("probes", "\(probes.rows)", "at least 16 probe inputs for a periodogram")
        }
        guard servedProbeLimit >= 16 else { throw bad("probe-limit", "\(servedProbeLimit)", "at least 16") }
        guard probeClasses.allSatisfy({ $0 >= 0 && Int($0) < classCount }) else { throw bad("probes", "classes", "labels in 0..<\(classCount)") }
        self.direction = normalising ? direction.map { Float(Double($0) / norm) } : direction
        self.projectionMean = projectionMean; self.projectionScale = projectionScale
        self.frequency = frequency; self.epsilon = epsilon
        self.classCount = classCount; self.featureCount = direction.count
        self.probeInputs = probes.values; self.probeClasses = probeClasses
        self.probeSource = probeSource; self.servedProbeLimit = servedProbeLimit
        windowHalfWidth = frequency / 32
        let points = 512
        frequencyGrid = (1...points).map { 2 * frequency * Double($0) / Double(points) }
    }

    /// Builds the signal for a trained teacher: v from the seed's
    /// "canary.periodic-signal" stream, μ/σ from `context.ownerData`, probes =
    /// `context.validation` with the teacher's top-1 (or served queries).
    public convenience init(context: DefenseContext, frequency: Double = 16, epsilon: Double = 0.2,
                            probeSource: ProbeSource = .validation) throws {
        // Said of the data here: the designated initialiser could only blame a `classes` value no one wrote.
        guard context.teacher.classCount >= 2 else {
            throw DefenseError.incompatible(defense: "periodic-signal", reason: "the data (\(QuotedInput.bounded(context.ownerData.name))) has \(context.teacher.classCount) class; "
                                            + "the signal moves the top class's probability against the others, so it needs at least 2 classes: use data with 2 or more classes, or drop the defense")
        }
        let d = context.teacher.inputSize
        var stream = RandomStream(seed: context.seed, purpose: .periodicSignalKey)
        let v = (0..<d).map { _ in Float(stream.normal()) }
        let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let unit = v.map { Float(Double($0) / norm) }
        let projections = PeriodicSignal.project(context.ownerData.features, on: unit)
        let mean = Descriptive.mean(projections)
        let sd = Descriptive.sampleStandardDeviation(projections)
        let validation = probeSource == .validation
        try self.init(direction: unit, projectionMean: mean, projectionScale: sd, frequency: frequency, epsilon: epsilon,
                      classCount: context.teacher.classCount,
                      probes: validation ? context.validation.features : Matrix(rows: 0, cols: d),
                      probeClasses: validation ? context.teacher.predictions(context.validation.features) : [],
                      probeSource: probeSource)
    }

    public var description: String { "periodic-signal(f: \(frequency), epsilon: \(epsilon), probes: \(probeSource.rawValue))" }

    /// ⟨v, x⟩ for every row (one BLAS gemv).
    static func project(_ x: Matrix, on v: [Float]) -> [Double] {
        var out = [Float](repeating: 0, count: x.rows)
        v.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                BLAS.gemv(.none, rows: x.rows, cols: x.cols, a: x.storage, lda: x.cols, x: vp.baseAddress!, y: op.baseAddress!)
            }
        }
        return out.map(Double.init)
    }

    /// x_key = (⟨v, x⟩ − μ)/σ for every row.
    /// - Complexity: O(rows · features).
    public func keyCoordinates(_ x: Matrix) -> [Double] {
        precondition(x.cols == featureCount, "inputs have \(x.cols) features, the signal expects \(featureCount)")
        return PeriodicSignal.project(x, on: direction).map { ($0 - projectionMean) / projectionScale }
    }

    /// Adds the signal to every answer (formula above). Draws nothing from `rng`.
    /// - Complexity: O(rows · (features + classes)).
    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        guard queries.cols == featureCount, responses.cols == classCount, queries.rows == responses.rows else {
            throw DefenseError.incompatible(defense: name, reason: "it was built for \(featureCount) features and \(classCount) classes, got \(queries.cols) and \(responses.cols)")
        }
        let keys = keyCoordinates(queries)
        let k = classCount
        let others = epsilon / Double(k - 1)
        for r in 0..<responses.rows {
            let q = responses.row(r)
            let top = Kernels.argmax(q, count: k)
            if probeSource == .served, probeClasses.count < servedProbeLimit {
                let x = queries.row(r)
                if servedSeen.insert(CanaryLog.littleEndianBytes(x, count: featureCount)).inserted {
                    probeInputs.append(contentsOf: UnsafeBufferPointer(start: x, count: featureCount))
                    probeClasses.append(Int32(top))
                }
            }
            let c = cos(frequency * keys[r])
            var sum = 0.0
            for j in 0..<k {
                let v = Double(q[j]) + (j == top ? epsilon * (1 + c) : others * (1 - c))
                q[j] = Float(v)
                sum += v
            }
            let inv = Float(1 / sum)
            for j in 0..<k { q[j] *= inv }
        }
    }

    /// The suspect's P_snr on the probes.
    public func signalToNoise(_ model: MLP) throws -> Double {
        guard model.inputSize == featureCount, model.classCount == classCount else {
            throw CanaryError.modelMismatch(method: name, expectedFeatures: featureCount, expectedClasses: classCount,
                                            gotFeatures: model.inputSize, gotClasses: model.classCount)
        }
        guard probeClasses.count >= 16 else {
            throw CanaryError.invalidArgument("periodic-signal: only \(probeClasses.count) probes; serve at least 16 queries (or use probes=validation)")
        }
        let probes = self.probes
        let p = model.probabilities(probes)
        let y = (0..<probes.rows).map { Double(p[$0, Int(probeClasses[$0])]) }
        let snr = LombScargle.signalToNoise(times: keyCoordinates(probes), values: y, frequency: frequency,
                                            windowHalfWidth: windowHalfWidth, frequencies: frequencyGrid)
        // A model whose probe responses do not vary (one-class data, a constant model) has no
        // periodic component: 0/0 becomes 0, not a NaN that would trap the t test.
        return snr.isFinite ? snr : 0
    }

    /// Fits the null: ln P_snr of each control; mean m and sample standard
    /// deviation s (floored at 1e-3 so identical controls do not give a zero-width null).
    /// - Throws: `CanaryError.tooFewControls` below `minimumControls`, `.modelMismatch`.
    public func calibrate(controls: [MLP]) throws {
        guard controls.count >= PeriodicSignal.minimumControls else {
            throw CanaryError.tooFewControls(method: name, needed: PeriodicSignal.minimumControls, got: controls.count)
        }
        let snrs = try controls.map { try signalToNoise($0) }
        guard snrs.allSatisfy({ $0 > 0 }) else {
            throw CanaryError.invalidArgument("periodic-signal: \(snrs.filter { $0 <= 0 }.count) of \(snrs.count) control models answer the probes without any variation (one-class data or constant models), so no null can be fitted; use data with at least 2 classes and trained controls")
        }
        let logs = snrs.map { log($0) }
        calibration = PeriodicSignalCalibration(controlSNRs: snrs, logMean: Descriptive.mean(logs),
                                                logStandardDeviation: max(Descriptive.sampleStandardDeviation(logs), 1e-3))
    }

    /// Tests `suspect`. With n controls, ln P_snr of an innocent model is taken
    /// as normal with the controls' mean m and deviation s; the one-sided
    /// prediction bound for one new model gives
    ///
    ///     threshold = exp(m + t_{1−α, n−1} · s · √(1 + 1/n)),
    ///     p-value   = P[T_{n−1} > (ln P_snr − m) / (s · √(1 + 1/n))],
    ///
    /// and flagged ⇔ P_snr > threshold ⇔ p-value < α. The normality of
    /// ln P_snr is an assumption, checked only through the measured FPR
    /// (`OwnershipTrial`).
    /// - Throws: `CanaryError.notCalibrated`, `.modelMismatch`, `.invalidArgument` for alpha outside (0, 1).
    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification {
        guard alpha > 0, alpha < 1 else { throw CanaryError.invalidArgument("periodic-signal: alpha must be in (0, 1), got \(alpha)") }
        guard let c = calibration else { throw CanaryError.notCalibrated(method: name) }
        let snr = try signalToNoise(suspect)
        let n = Double(c.controlSNRs.count)
        let spread = c.logStandardDeviation * (1 + 1 / n).squareRoot()
        let threshold = exp(c.logMean + StudentT.quantile(1 - alpha, degreesOfFreedom: n - 1) * spread)
        let p = StudentT.survival((log(snr) - c.logMean) / spread, degreesOfFreedom: n - 1)
        return OwnershipVerification(method: name, statistic: snr, pValue: p, threshold: threshold,
                                     trials: probeClasses.count, matches: nil, flagged: snr > threshold)
    }
}
