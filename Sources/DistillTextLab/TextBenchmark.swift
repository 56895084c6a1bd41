import DistillCore
import DistillText
import Foundation

/// Timings behind `distill-lab bench --text` (never asserted in tests).
public enum TextBenchmark {
    public struct StepTiming: Codable, Sendable {
        public var config: String
        public var batch: Int, sequence: Int
        public var threads: Int
        /// Median and best seconds per training step (forward, backward, clip, AdamW) after warm-up.
        public var medianSeconds: Double, bestSeconds: Double
        /// The same step's sgemm calls alone (same shapes, strides, buffers): best seconds.
        public var sgemmFloorSeconds: Double
        /// Process CPU seconds (user + system) per step and per floor pass: on a shared machine these do
        /// not count the time other processes held the core, unlike the wall-clock figures.
        public var cpuSecondsPerStep: Double
        public var floorCPUSeconds: Double
        public var tokensPerCPUSecond: Double { Double(batch * sequence) / cpuSecondsPerStep }
        public var cpuOverFloor: Double { cpuSecondsPerStep / floorCPUSeconds }
        public var tokensPerSecond: Double { Double(batch * sequence) / medianSeconds }
        public var floorTokensPerSecond: Double { Double(batch * sequence) / sgemmFloorSeconds }
        /// Step time over the floor (1 = all time in sgemm); best against best.
        public var overFloor: Double { bestSeconds / sgemmFloorSeconds }
    }

    public struct GenerationTiming: Codable, Sendable {
        public var promptTokens: Int, generatedTokens: Int
        public var kvCacheTokensPerSecond: Double
        public var noCacheTokensPerSecond: Double
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU seconds (user + system) this process, or its waited-for children, have used.
    public static func cpuSeconds(children: Bool = false) -> Double {
        var u = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Times `steps` training steps of `config` on random bytes at B×T (all positions carry loss).
    public static func trainingStep(config: GPTConfig, batch B: Int, sequence T: Int, steps: Int = 10, warmup: Int = 2) throws -> StepTiming {
        var rng = RandomStream(seed: 0, label: "bench-text")
        let model = GPT(config: config, rng: &rng)
        let batch = GPTBatch(B: B, T: T)
        for i in 0..<(B * T) { batch.tokens[i] = Int32(rng.int(below: config.vocabularySize)); batch.targets[i] = Int32(rng.int(below: config.vocabularySize)) }
        try model.reserve(B: B, T: T)
        var o = GPTOptimizerSettings(); o.totalSteps = steps + warmup; o.warmupSteps = 1; o.learningRate = 1e-4
        var times: [Double] = []
        var cpu = 0.0
        for i in 0..<(warmup + steps) {
            let t0 = now(), c0 = cpuSeconds()
            _ = try model.trainStep(batch, settings: o)
            if i >= warmup { times.append(now() - t0); cpu += cpuSeconds() - c0 }
        }
        times.sort()
        var floor = Double.infinity
        let floorRuns = max(3, steps / 2), c0 = cpuSeconds()
        for _ in 0..<floorRuns {
            let t0 = now()
            model.sgemmOnlyStep(B: B, T: T)
            floor = min(floor, now() - t0)
        }
        let floorCPU = (cpuSeconds() - c0) / Double(floorRuns)
        return StepTiming(config: config.description, batch: B, sequence: T, threads: BLAS.threads,
                          medianSeconds: times[times.count / 2], bestSeconds: times[0], sgemmFloorSeconds: floor,
                          cpuSecondsPerStep: cpu / Double(steps), floorCPUSeconds: floorCPU)
    }

    /// Greedy generation speed with the KV cache and without (a full forward per token).
    public static func generation(config: GPTConfig, promptTokens: Int = 32, generatedTokens: Int = 64) throws -> GenerationTiming {
        var rng = RandomStream(seed: 0, label: "bench-text-generation")
        let model = GPT(config: config, rng: &rng)
        let prompt = (0..<promptTokens).map { _ in Int32(rng.int(below: config.vocabularySize)) }
        let greedy = GPTSampling(temperature: 0)
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = now()
            let g = try model.generate(prompt: prompt, maxTokens: generatedTokens, sampling: greedy, rng: &rng)
            precondition(g.tokens.count == generatedTokens)
            best = min(best, now() - t0)
        }
        let t0 = now()
        _ = try model.generateWithoutCache(prompt: prompt, maxTokens: generatedTokens)
        let noCache = now() - t0
        return GenerationTiming(promptTokens: promptTokens, generatedTokens: generatedTokens,
                                kvCacheTokensPerSecond: Double(generatedTokens) / best,
                                noCacheTokensPerSecond: Double(generatedTokens) / noCache)
    }
}
