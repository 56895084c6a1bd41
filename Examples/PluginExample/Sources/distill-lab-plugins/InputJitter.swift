import DistillCore
import DistillLab

/// `input-jitter`: adds Gaussian noise of standard deviation `sigma` to every
/// query, clipped to [0, 1], before it reaches the oracle. Canaries and
/// detectors that key on exact inputs (a keyed canary hashes the query) then
/// see inputs the attacker never stored; the student still trains on the
/// clean inputs it chose, paired with the answers to the jittered ones.
public struct InputJitter: AttackCounter {
    public var name: String { "input-jitter" }
    public var sigma: Float
    public var seed: UInt64
    /// Jittered queries are clipped to [0, 1]: a run warns when the teacher's features leave it.
    public var inputRange: ClosedRange<Float>? { 0...1 }

    static let sigmaParameter = Parameter<Double>("sigma", default: 0.01, "noise standard deviation", range: .positive)
    static let seedParameter = Parameter<Int>("seed", default: 0, "seed of the jitter's own stream", range: .atLeast(0))
    public static let component = Component<AttackCounter>(ComponentDescriptor(
        kind: .counter, name: "input-jitter",
        summary: "add clipped Gaussian noise to each query (evades exact-input canaries)",
        parameters: [sigmaParameter.declaration, seedParameter.declaration],
        reference: "distill-lab Examples/PluginExample (a plug-in counter)")) { p in
        InputJitter(sigma: Float(p[sigmaParameter]), seed: UInt64(p[seedParameter]))
    }

    public init(sigma: Float, seed: UInt64) { self.sigma = sigma; self.seed = seed }

    public func wrap(_ channel: QueryChannel) throws -> QueryChannel {
        Channel(inner: channel, sigma: sigma, stream: RandomStream(seed: seed, label: "input-jitter"))
    }

    final class Channel: QueryChannel {
        let inner: QueryChannel
        let sigma: Float
        var stream: RandomStream
        init(inner: QueryChannel, sigma: Float, stream: RandomStream) { self.inner = inner; self.sigma = sigma; self.stream = stream }
        var queriesPerInput: Int { inner.queriesPerInput }
        var classCount: Int { inner.classCount }
        func query(_ batch: Matrix) throws -> Matrix {
            let noisy = batch.copy()
            let x = noisy.storage
            for i in 0..<noisy.count { x[i] = min(max(x[i] + sigma * Float(stream.normal()), 0), 1) }
            return try inner.query(noisy)
        }
    }
}
