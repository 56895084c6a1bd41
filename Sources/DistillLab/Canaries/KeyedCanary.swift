import Foundation
import Crypto
import DistillCore
import DistillNN

/// Keyed wrong answers (DAWN, Szyller et al. 2021): a keyed hash of each query
/// selects a small fraction r of queries, which are answered with a keyed
/// wrong label; a model distilled from the answers reproduces those labels,
/// an innocent model agrees with them only by chance.
///
/// The rules (bytes(x) = the query's Float32 features, little-endian, as
/// numpy's `tobytes()` gives them on every common platform):
/// - **mark**: h = HMAC-SHA256(key, bytes(x)); x is marked iff the first
///   16 bits of h, read big-endian (h[0]·256 + h[1]), are < ⌊2¹⁶·r⌋.
/// - **label**: u = h[2..<10] read as a big-endian UInt64, j = u mod (K−1),
///   canary label = j if j < t else j + 1, where t is the top-1 of the
///   response the canary receives (so the label is uniform over the K−1
///   wrong classes — up to a 2⁻⁶⁰ modulo bias — and never t).
/// - **response**: `.oneHot` returns the one-hot of the canary label (DAWN
///   returns a label); `.swap` exchanges the top-1 and canary-label entries
///   of the probability vector, which keeps the vector's values (and so does
///   not stand out as the only exact one-hot among soft answers).
///
/// Deviations from DAWN's reference code (`filter.py`,
/// ssg-research/dawn-dynamic-adversarial-watermarking-of-neural-networks):
/// it marks with `≤ bound`, we use `< bound` (methods.md §5), so the marked
/// rate is exactly ⌊2¹⁶r⌋/2¹⁶; its key is a UTF-8 string, ours raw bytes
/// (hex); its experiments draw the wrong label with an unkeyed
/// `random.randint`, ours is keyed and so reproducible from the key alone.
///
/// Every marked query is logged (deduplicated by its bytes) in `log`, which
/// verification uses. The key is never printed: `description` and the log
/// show only its id.
public final class KeyedCanary: OwnershipCanary, CustomStringConvertible {
    /// How a marked query is answered.
    public enum ResponseMode: String, CaseIterable, Sendable {
        case oneHot = "one-hot"
        case swap
    }

    public let name = "keyed-canary"
    public let rate: Double
    public let response: ResponseMode
    public let classCount: Int
    public let featureCount: Int
    /// ⌊2¹⁶·r⌋: marked iff the first 16 hash bits are below it.
    public let bound: UInt16
    public private(set) var log: CanaryLog
    private let key: SymmetricKey

    /// - Parameters:
    ///   - key: the secret, at least 16 bytes.
    ///   - rate: fraction of queries marked, in [2⁻¹⁶, 1).
    /// - Throws: `DefenseError.invalidValue` for a bad rate, key or sizes.
    public init(key: [UInt8], rate: Double = 0.005, response: ResponseMode = .oneHot,
                classCount: Int, featureCount: Int) throws {
        func bad(_ p: String, _ v: String, _ e: String) -> DefenseError {
            .invalidValue(defense: "keyed-canary", parameter: p, value: v, expected: e)
        }
        guard rate > 0, rate < 1, rate.isFinite else { throw bad("rate", "\(rate)", "a fraction in (0, 1), e.g. 0.005") }
        guard floor(65536 * rate) >= 1 else { throw bad("rate", "\(rate)", "at least 2^-16 ≈ 1.53e-5 (smaller rates mark nothing)") }
        guard key.count >= 16 else { throw bad("key", "(\(key.count) bytes)", "at least 16 bytes (32 hex digits)") }
        guard classCount >= 2 else { throw bad("classes", "\(classCount)", "at least 2 classes (a wrong label must exist)") }
        guard featureCount >= 1 else { throw bad("features", "\(featureCount)", "at least 1 feature") }
        self.rate = rate; self.response = response
        self.classCount = classCount; self.featureCount = featureCount
        self.bound = UInt16(floor(65536 * rate))
        self.key = SymmetricKey(data: key)
        let id = HMAC<SHA256>.authenticationCode(for: Array("distill-lab keyed-canary key id".utf8), using: self.key)
        log = CanaryLog(keyID: id.prefix(8).map { String(format: "%02x", $0) }.joined(), rate: rate,
                        response: response.rawValue, classCount: classCount, featureCount: featureCount)
    }

    /// The default key of a run: 32 bytes from the run's canary stream, so a
    /// rerun with the same seed plants the same canaries.
    public static func defaultKey(seed: UInt64) -> [UInt8] {
        var stream = RandomStream(seed: seed, purpose: .canary)
        return (0..<4).flatMap { _ -> [UInt8] in
            let v = stream.next()
            return (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
        }
    }

    /// Parses a hex key (even length, 0-9a-fA-F, optional "0x"); nil if malformed.
    public static func parseHexKey(_ text: String) -> [UInt8]? {
        var hex = Substring(text)
        if hex.hasPrefix("0x") || hex.hasPrefix("0X") { hex = hex.dropFirst(2) }
        guard !hex.isEmpty, hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let b = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(b)
            index = next
        }
        return bytes
    }

    public var description: String { "keyed-canary(rate: \(rate), response: \(response.rawValue), key id: \(log.keyID))" }

    /// HMAC-SHA256(key, bytes(x)) for one query of `featureCount` values.
    public func digest(_ x: UnsafePointer<Float>) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key)
        #if _endian(little)
        mac.update(data: UnsafeRawBufferPointer(start: x, count: featureCount * 4))
        #else
        mac.update(data: CanaryLog.littleEndianBytes(x, count: featureCount))
        #endif
        return Array(mac.finalize())
    }

    /// Whether the query is marked (the 16-bit rule above).
    public func isMarked(_ x: UnsafePointer<Float>) -> Bool { KeyedCanary.isMarked(digest: digest(x), bound: bound) }

    static func isMarked(digest h: [UInt8], bound: UInt16) -> Bool { (UInt16(h[0]) << 8 | UInt16(h[1])) < bound }

    /// The canary label for a query whose answer's top-1 is `top`.
    /// - Precondition: `0 <= top < classCount`.
    public func canaryLabel(_ x: UnsafePointer<Float>, top: Int) -> Int { KeyedCanary.label(digest: digest(x), top: top, classes: classCount) }

    static func label(digest h: [UInt8], top: Int, classes k: Int) -> Int {
        var u: UInt64 = 0
        for i in 2..<10 { u = u << 8 | UInt64(h[i]) }
        let j = Int(u % UInt64(k - 1))
        return j < top ? j : j + 1
    }

    /// Replaces the answers of marked queries and logs them.
    /// - Complexity: one HMAC over D·4 bytes per query; O(K) per marked row. Draws nothing from `rng`.
    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        guard queries.cols == featureCount, responses.cols == classCount, queries.rows == responses.rows else {
            throw DefenseError.incompatible(defense: name, reason: "it was built for \(featureCount) features and \(classCount) classes, got \(queries.cols) and \(responses.cols)")
        }
        let k = classCount
        for r in 0..<queries.rows {
            let x = queries.row(r)
            let h = digest(x)
            guard KeyedCanary.isMarked(digest: h, bound: bound) else { continue }
            let q = responses.row(r)
            let top = Kernels.argmax(q, count: k)
            let label = KeyedCanary.label(digest: h, top: top, classes: k)
            switch response {
            case .oneHot:
                for j in 0..<k { q[j] = 0 }
                q[label] = 1
            case .swap:
                q.swapAt(top, label)
            }
            log.record(x, label: Int32(label), top: Int32(top))
        }
    }

    /// Measures the controls' pooled agreement (reported, see `CanaryLog.calibrate`);
    /// verification does not use it.
    public func calibrate(controls: [MLP]) throws { try log.calibrate(controls: controls) }

    /// Exact binomial test of `suspect` against its own chance rate (see `CanaryLog.verify`);
    /// needs no calibration.
    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification { try log.verify(suspect, alpha: alpha) }
}

extension UnsafeMutablePointer where Pointee == Float {
    fileprivate func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}
