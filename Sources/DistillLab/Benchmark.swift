import Foundation
import DistillCore
import DistillNN

/// Timing measurements behind `distill-lab bench`. Not used by tests: speed
/// is measured here, never asserted in the test suite.
public enum Benchmark {
    /// One sgemm shape's measured rate.
    public struct GemmRate: Codable, Sendable {
        public var label: String
        public var m: Int, n: Int, k: Int
        public var op: String
        public var gflops: Double
    }

    /// One epoch's timing against the floor of its sgemm calls alone.
    public struct EpochTiming: Codable, Sendable {
        public var model: String
        public var examples: Int
        public var batchSize: Int
        /// Fastest and median epoch (after one warm-up epoch).
        public var bestSeconds: Double
        public var medianSeconds: Double
        /// Only the sgemm calls one epoch makes, same shapes, same buffers.
        public var sgemmFloorSeconds: Double
        public var flopsPerEpoch: Double
        public var gflops: Double { flopsPerEpoch / bestSeconds / 1e9 }
        public var overFloor: Double { bestSeconds / sgemmFloorSeconds }
    }

    /// Wall-clock seconds of `body`, best of `repeats`.
    static func best(_ repeats: Int, _ body: () -> Void) -> Double {
        var bestTime = Double.infinity
        for _ in 0..<max(repeats, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return bestTime
    }

    /// Rate of one sgemm shape (row-major, W stored [in × out] as in training).
    public static func gemmRate(label: String, m: Int, n: Int, k: Int,
                                _ ta: BLAS.Transpose, _ tb: BLAS.Transpose, repeats: Int = 20) -> GemmRate {
        let a = Matrix(rows: ta == .none ? m : k, cols: ta == .none ? k : m)
        let b = Matrix(rows: tb == .none ? k : n, cols: tb == .none ? n : k)
        let c = Matrix(rows: m, cols: n)
        a.fill(0.5); b.fill(0.25)
        let inner = max(1, Int(2e9 / Double(2 * m * n * k)) / 10)  // ~0.2 s per repeat
        let t = best(repeats) {
            for _ in 0..<inner { Matrix.gemm(ta, a, tb, b, into: c) }
        }
        let op = (ta == .none ? "N" : "T") + (tb == .none ? "N" : "T")
        return GemmRate(label: label, m: m, n: n, k: k, op: op, gflops: Double(2 * m * n * k * inner) / t / 1e9)
    }

    /// Seconds for exactly the sgemm calls of one training epoch of an MLP with
    /// `sizes` over `examples` rows in batches of `batchSize`: per step, one
    /// forward product per layer, one weight-gradient product per layer and one
    /// input-gradient product per layer but the first.
    public static func sgemmFloor(sizes: [Int], examples: Int, batchSize: Int, repeats: Int = 3) -> (seconds: Double, flops: Double) {
        let model = MLP(sizes: sizes)
        model.parameters.fill(0.01)
        let x = Matrix(rows: batchSize, cols: sizes[0]); x.fill(0.5)
        let acts = MLPActivations(for: model, capacity: batchSize)
        var flops = 0.0
        let t = best(repeats) {
            flops = 0
            var start = 0
            while start < examples {
                let b = min(batchSize, examples - start)
                var input = UnsafePointer(x.storage)
                for (i, l) in model.layers.enumerated() {
                    BLAS.gemm(.none, .none, m: b, n: l.outputs, k: l.inputs, a: input, lda: l.inputs,
                              b: model.parameters.storage + l.weightOffset, ldb: l.outputs, beta: 1,
                              c: acts.outputs[i].storage, ldc: l.outputs)
                    input = UnsafePointer(acts.outputs[i].storage)
                    flops += Double(2 * b * l.inputs * l.outputs)
                }
                for i in stride(from: model.layers.count - 1, through: 0, by: -1) {
                    let l = model.layers[i]
                    let xin = i == 0 ? UnsafePointer(x.storage) : UnsafePointer(acts.outputs[i - 1].storage)
                    BLAS.gemm(.transpose, .none, m: l.inputs, n: l.outputs, k: b, a: xin, lda: l.inputs,
                              b: acts.gradients[i].storage, ldb: l.outputs, c: model.gradients.storage + l.weightOffset, ldc: l.outputs)
                    flops += Double(2 * b * l.inputs * l.outputs)
                    if i > 0 {
                        BLAS.gemm(.none, .transpose, m: b, n: l.inputs, k: l.outputs, a: acts.gradients[i].storage, lda: l.outputs,
                                  b: model.parameters.storage + l.weightOffset, ldb: l.outputs, c: acts.gradients[i - 1].storage, ldc: l.inputs)
                        flops += Double(2 * b * l.inputs * l.outputs)
                    }
                }
                start += b
            }
        }
        return (t, flops)
    }

    /// Times real training epochs of `model` (first epoch is warm-up) and the sgemm floor.
    /// Epoch time covers everything a step does: gather, forward, loss, backward, optimizer.
    public static func trainingEpochs(model name: String, sizes: [Int], data: TrainingSet, objective: Objective,
                                      optimizer: OptimizerConfig, batchSize: Int, epochs: Int, seed: UInt64 = 0) throws -> EpochTiming {
        var initRNG = RandomStream(seed: seed, purpose: .teacherInit)
        var shuffle = RandomStream(seed: seed, purpose: .teacherShuffle)
        let model = MLP(sizes: sizes, rng: &initRNG)
        let config = TrainingConfig(epochs: epochs + 1, batchSize: batchSize,
                                    optimizer: optimizer,
                                    schedule: .constant, selection: .last)
        let report = try Trainer(config: config, objective: objective).train(model, on: data, validation: nil, shuffle: &shuffle)
        let times = report.epochs.dropFirst().map(\.seconds).sorted()
        let floor = sgemmFloor(sizes: sizes, examples: data.count, batchSize: batchSize)
        return EpochTiming(model: name, examples: data.count, batchSize: batchSize, bestSeconds: times.first!,
                           medianSeconds: times[times.count / 2], sgemmFloorSeconds: floor.seconds, flopsPerEpoch: floor.flops)
    }

    /// Largest relative error of the loaded sgemm kernels against a naive
    /// double-precision product (guards against a kernel the CPU runs wrongly).
    public static func kernelSelfCheck() -> Double {
        var rng = RandomStream(seed: 1, purpose: .benchCheck)
        let m = 67, n = 45, k = 129
        let a = Matrix(rows: m, cols: k, values: (0..<(m * k)).map { _ in Float(rng.uniform() - 0.5) })
        let b = Matrix(rows: k, cols: n, values: (0..<(k * n)).map { _ in Float(rng.uniform() - 0.5) })
        let c = Matrix.product(a, b)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i, p]) * Double(b[p, j]) }
                worst = max(worst, abs(Double(c[i, j]) - s) / max(1, abs(s)))
            }
        }
        return worst
    }
}
