/// SplitMix64: used only to expand a seed into generator state.
@usableFromInline
struct SplitMix64 {
    @usableFromInline var state: UInt64
    @usableFromInline init(_ seed: UInt64) { state = seed }
    @inlinable mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A seeded xoshiro256** generator with the draws the lab needs.
///
/// The algorithms (Lemire's bounded integers, Fisher–Yates, Box–Muller) are
/// written out here rather than taken from the standard library, whose
/// `shuffle(using:)` does not promise a stable sequence across versions.
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64
    @usableFromInline var spareNormal: Double? = nil

    /// A stream seeded from `seed` and a purpose label; distinct labels give
    /// statistically independent streams.
    public init(seed: UInt64, label: String) {
        // FNV-1a of the label, mixed with the seed.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var sm = SplitMix64(seed ^ h)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// The stream for one purpose of a run seeded with `seed` (`StreamPurpose`
    /// lists them all); noted in `StreamLedger.current` when one is set.
    public init(seed: UInt64, purpose: StreamPurpose) {
        StreamLedger.current?.note(purpose)
        self.init(seed: seed, label: purpose.label)
    }

    @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        let result = RandomStream.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = RandomStream.rotl(s3, 45)
        return result
    }

    /// Uniform integer in `0..<bound` (Lemire's method, unbiased).
    /// - Precondition: `bound > 0`.
    @inlinable public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal draw (Box–Muller; the second value is cached).
    @inlinable public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * _log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * _sin(theta)
        return r * _cos(theta)
    }

    /// Shuffles `array` in place (Fisher–Yates).
    @inlinable public mutating func shuffle<T>(_ array: inout [T]) {
        if array.count < 2 { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A random permutation of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// `k` distinct indices drawn uniformly from `0..<n`, in draw order.
    /// - Precondition: `0 <= k <= n`.
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        precondition(k >= 0 && k <= n, "cannot draw \(k) distinct items from \(n)")
        var p = Array(0..<n)
        for i in 0..<k {
            let j = i + int(below: n - i)
            p.swapAt(i, j)
        }
        return Array(p[0..<k])
    }
}

import Foundation
@usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Foundation.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Foundation.cos(x) }
