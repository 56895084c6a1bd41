import Foundation
import DistillCore

extension CanaryLog {
    /// The JSON layout of a saved log.
    struct Stored: Codable {
        var format: String
        var version: Int
        var method: String
        var keyID: String
        var rate: Double
        var response: String
        var classCount: Int
        var featureCount: Int
        var inputs: [String]
        var labels: [Int]
        /// Version 2: the replaced top-1 of each canary.
        var tops: [Int]?
        var calibration: KeyedCanaryCalibration?
    }

    /// Writes the log as JSON (atomically; replaces an existing file).
    public func save(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url, overwrite: true)
    }

    /// The log as the JSON `save(to:)` writes.
    public func encoded() throws -> Data {
        let stored = Stored(
            format: CanaryLog.format, version: CanaryLog.version, method: CanaryLog.method, keyID: keyID, rate: rate,
            response: response, classCount: classCount, featureCount: featureCount,
            inputs: (0..<count).map { r in
                flatInputs.withUnsafeBufferPointer {
                    CanaryLog.littleEndianBytes($0.baseAddress! + r * featureCount, count: featureCount).base64EncodedString()
                }
            },
            labels: labels.map(Int.init), tops: tops?.map(Int.init), calibration: calibration)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(stored)
    }

    /// Reads a log written by `save(to:)`.
    /// - Throws: `CanaryError.malformedFile` naming what is wrong (not JSON,
    ///   another format/version, bad base64 or widths, labels out of range,
    ///   inconsistent counts or calibration); file-system errors as is.
    public static func load(from url: URL) throws -> CanaryLog {
        try decode(Data(contentsOf: url), path: url.path)
    }

    /// Reads a log from the bytes `encoded()` writes; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> CanaryLog {
        func bad(_ why: String) -> CanaryError { .malformedFile(path: path, reason: why) }
        let s: Stored
        do { s = try JSONDecoder().decode(Stored.self, from: data) } catch let e as DecodingError {
            throw bad("not a canary log (\(CanaryLog.describe(e)))")
        }
        guard s.format == CanaryLog.format else { throw bad("format is '\(s.format)', expected '\(CanaryLog.format)'") }
        guard (1...CanaryLog.version).contains(s.version) else { throw bad("version \(s.version) is not supported (expected 1...\(CanaryLog.version))") }
        guard s.method == CanaryLog.method else { throw bad("method is '\(s.method)', expected '\(CanaryLog.method)'") }
        guard s.rate > 0, s.rate < 1 else { throw bad("rate \(s.rate) is not in (0, 1)") }
        guard s.classCount >= 2 else { throw bad("classCount \(s.classCount) is below 2") }
        guard s.featureCount >= 1 else { throw bad("featureCount \(s.featureCount) is below 1") }
        guard s.inputs.count == s.labels.count else {
            throw bad("\(s.inputs.count) inputs but \(s.labels.count) labels")
        }
        if let tops = s.tops {
            guard tops.count == s.labels.count else { throw bad("\(tops.count) tops but \(s.labels.count) labels") }
            for (i, (t, l)) in zip(tops, s.labels).enumerated() where !(0..<s.classCount).contains(t) || t == l {
                throw bad("top \(i) is \(t): it must be in 0..<\(s.classCount) and differ from the canary label \(l)")
            }
        }
        var log = CanaryLog(keyID: s.keyID, rate: s.rate, response: s.response, classCount: s.classCount, featureCount: s.featureCount)
        for (i, (text, label)) in zip(s.inputs, s.labels).enumerated() {
            guard let bytes = Data(base64Encoded: text) else { throw bad("input \(i) is not valid base64") }
            guard bytes.count == 4 * s.featureCount else {
                throw bad("input \(i) has \(bytes.count) bytes, expected \(4 * s.featureCount) (featureCount × 4)")
            }
            guard (0..<s.classCount).contains(label) else { throw bad("label \(i) is \(label), outside 0..<\(s.classCount)") }
            let x = bytes.withUnsafeBytes { raw in
                (0..<s.featureCount).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            guard x.allSatisfy(\.isFinite) else { throw bad("input \(i) has a non-finite value") }
            guard x.withUnsafeBufferPointer({ log.record($0.baseAddress!, label: Int32(label), top: s.tops.map { Int32($0[i]) }) }) else {
                throw bad("input \(i) repeats an earlier input")
            }
        }
        if let c = s.calibration {
            guard c.controls >= 1, c.trials == c.controls * s.labels.count, (0...c.trials).contains(c.agreements),
                  c.nullRate > 0, c.nullRate <= 1, c.confidence > 0, c.confidence < 1 else {
                throw bad("the calibration does not match the log (controls \(c.controls), trials \(c.trials), agreements \(c.agreements), p0 \(c.nullRate))")
            }
            log.calibration = c
        }
        return log
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .keyNotFound(key, _): return "missing field '\(key.stringValue)'"
        case let .typeMismatch(_, c), let .valueNotFound(_, c):
            return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case let .dataCorrupted(c): return c.debugDescription
        @unknown default: return "\(e)"
        }
    }
}
