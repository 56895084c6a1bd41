import Foundation
import DistillCore
import DistillNN

/// The periodic signal's evidence: its secret key (direction, projection
/// scale, frequency), the probes with the teacher's classes, and the null
/// fitted on the controls. Probe inputs are base64 of little-endian Float32,
/// the bytes the signal saw.
public struct PeriodicSignalEvidence: CanaryEvidence, Codable, Equatable {
    public static let format = "distill-lab/periodic-signal-evidence"
    public static let version = 1
    public var format = PeriodicSignalEvidence.format
    public var version = PeriodicSignalEvidence.version
    public var method = "periodic-signal"
    public var frequency: Double
    public var epsilon: Double
    public var classCount: Int
    public var direction: [Float]
    public var projectionMean: Double
    public var projectionScale: Double
    public var probeSource: String
    public var servedProbeLimit: Int
    public var probes: [String]
    public var probeClasses: [Int32]
    public var calibration: PeriodicSignalCalibration?

    init(_ s: PeriodicSignal) {
        frequency = s.frequency; epsilon = s.epsilon; classCount = s.classCount; direction = s.direction
        projectionMean = s.projectionMean; projectionScale = s.projectionScale; probeSource = s.probeSource.rawValue
        servedProbeLimit = s.servedProbeLimit
        let f = s.featureCount
        probes = s.probeInputs.withUnsafeBufferPointer { p in
            (0..<s.probeClasses.count).map { CanaryLog.littleEndianBytes(p.baseAddress! + $0 * f, count: f).base64EncodedString() }
        }
        probeClasses = s.probeClasses; calibration = s.calibration
    }

    /// The signal this evidence describes (its null restored).
    func signal(path: String = "evidence") throws -> PeriodicSignal {
        func bad(_ why: String) -> CanaryError { .malformedFile(path: path, reason: why) }
        guard format == Self.format else { throw bad("format is '\(format)', expected '\(Self.format)'") }
        guard version == Self.version else { throw bad("version \(version) is not supported (expected \(Self.version))") }
        guard let source = PeriodicSignal.ProbeSource(rawValue: probeSource) else { throw bad("probeSource '\(probeSource)' is unknown") }
        let f = direction.count
        var flat: [Float] = []
        flat.reserveCapacity(probes.count * f)
        for (i, text) in probes.enumerated() {
            guard let bytes = Data(base64Encoded: text), bytes.count == 4 * f else { throw bad("probe \(i) is not \(f) base64 Float32 values") }
            bytes.withUnsafeBytes { raw in
                for j in 0..<f { flat.append(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self)))) }
            }
        }
        guard flat.allSatisfy(\.isFinite) else { throw bad("a probe has a non-finite value") }
        let s: PeriodicSignal
        do {
            s = try PeriodicSignal(direction: direction, projectionMean: projectionMean, projectionScale: projectionScale,
                                   frequency: frequency, epsilon: epsilon, classCount: classCount,
                                   probes: Matrix(rows: probeClasses.count, cols: f, values: flat), probeClasses: probeClasses,
                                   probeSource: source, servedProbeLimit: servedProbeLimit, normalising: false)
        } catch { throw bad("\(error)") }
        if let c = calibration {
            guard c.controlSNRs.count >= PeriodicSignal.minimumControls, c.logStandardDeviation > 0,
                  c.logMean.isFinite, c.controlSNRs.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw bad("the calibration is inconsistent (needs ≥ \(PeriodicSignal.minimumControls) positive control SNRs and a positive spread)")
            }
            s.restore(calibration: c)
        }
        return s
    }

    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification {
        try signal().verify(suspect, alpha: alpha)
    }

    public func calibrated(on controls: [MLP]) throws -> CanaryEvidence {
        let s = try signal()
        try s.calibrate(controls: controls)
        return PeriodicSignalEvidence(s)
    }

    public func explain(_ v: OwnershipVerification) -> String {
        String(format: "periodogram signal-to-noise %.4g at the secret frequency over %d probes (threshold %.4g from %d controls)",
               v.statistic, probeClasses.count, v.threshold ?? .nan, calibration?.controlSNRs.count ?? 0)
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads evidence written by `encoded()`.
    public static func read(_ data: Data, from url: URL) throws -> CanaryEvidence {
        let e: PeriodicSignalEvidence
        do { e = try JSONDecoder().decode(PeriodicSignalEvidence.self, from: data) } catch {
            throw CanaryError.malformedFile(path: url.path, reason: "not periodic-signal evidence (\(error))")
        }
        _ = try e.signal(path: url.path)  // every check now, not at the first suspect
        return e
    }
}

extension PeriodicSignal {
    /// Its key, probes and null, for `distill-lab verify`.
    public func evidence() throws -> CanaryEvidence { PeriodicSignalEvidence(self) }

    /// Sets a null fitted earlier (read back from evidence).
    func restore(calibration c: PeriodicSignalCalibration) { calibration = c }
}
