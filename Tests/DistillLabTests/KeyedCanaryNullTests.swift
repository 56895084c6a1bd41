import XCTest
import DistillCore
import DistillNN
import DistillStats
import DistillLab

/// Issue 12: verification must never accuse an innocent model. The keyed
/// canary's null is the suspect's own (Bin(N, 1/(K−1)) over the canaries where
/// it differs from the replaced top-1), so weak, random and one-class models
/// are judged by their own chance rate, not by well-trained controls'.
final class KeyedCanaryNullTests: XCTestCase {
    /// ≥ 20 innocent models of several kinds against one digits canary log;
    /// FPR at α = 0.01 must be consistent with ≤ α (the one-sided 95 %
    /// Clopper–Pearson lower bound of flagged/M is below α), and thieves are still flagged.
    func testFalsePositiveRateOnInnocentModelsOfSeveralKindsStaysWithinAlpha() throws {
        let world = CanaryWorld.shared
        let d = world.teacher.inputSize, k = world.teacher.classCount
        let canary = try KeyedCanary(key: KeyedCanary.defaultKey(seed: 0), rate: 0.05, classCount: k, featureCount: d)
        let (inputs, responses) = try world.steal(with: [canary])
        let log = canary.log
        XCTAssertNotNil(log.tops)
        XCTAssertEqual(log.tops?.count, log.count)

        var innocents: [(kind: String, model: MLP)] = world.controls.map { ("control", $0) }
        let train = world.splits.teacherTrain
        func trained(seed: UInt64, hidden: [Int], epochs: Int, learningRate: Float? = nil,
                     features: Matrix, labels: [Int32]) throws -> MLP {
            var ri = RandomStream(seed: seed, label: "innocent-init")
            var rs = RandomStream(seed: seed, label: "innocent-shuffle")
            let m = MLP(sizes: [d] + hidden + [k], rng: &ri)
            var config = world.studentTraining
            config.epochs = epochs
            if let learningRate { config.optimizer.learningRate = learningRate }
            _ = try Trainer(config: config, objective: .crossEntropy).train(
                m, on: TrainingSet(features: features, labels: labels), validation: nil, shuffle: &rs)
            return m
        }
        // Under-trained (the issue's failing kind), other widths, other data (the attacker pool's true labels).
        for seed in 0..<6 as Range<UInt64> {
            innocents.append(("under-trained", try trained(seed: 300 + seed, hidden: world.studentHidden, epochs: 1,
                                                           learningRate: 0.005, features: train.features, labels: train.labels)))
        }
        for hidden in [[8], [32], [64, 32]] {
            innocents.append(("width \(hidden)", try trained(seed: 400, hidden: hidden, epochs: 2,
                                                              features: train.features, labels: train.labels)))
        }
        let pool = world.splits.attackerPool
        for seed in 0..<2 as Range<UInt64> {
            innocents.append(("other data", try trained(seed: 500 + seed, hidden: world.studentHidden, epochs: 2,
                                                         features: pool.features, labels: pool.labels)))
        }
        // Randomly initialised (never trained) and constant-class models.
        for seed in 0..<5 as Range<UInt64> {
            var ri = RandomStream(seed: 600 + seed, label: "innocent-init")
            innocents.append(("random", MLP(sizes: [d] + world.studentHidden + [k], rng: &ri)))
        }
        for c in 0..<k {
            let m = MLP(sizes: [d, k])
            m.parameters.fill(0)
            m.parameters[0, m.layers[0].biasOffset + c] = 1
            innocents.append(("constant \(c)", m))
        }
        XCTAssertGreaterThanOrEqual(innocents.count, 20)

        let alpha = 0.01
        var flagged = 0, lines: [String] = []
        for (kind, model) in innocents {
            let v = try log.verify(model, alpha: alpha)
            if v.flagged { flagged += 1 }
            lines.append("\(kind): m = \(v.matches!) of N = \(v.trials!), p = \(String(format: "%.3g", v.pValue!))\(v.flagged ? " FLAGGED" : "")")
        }
        let total = innocents.count
        let lower = 1 - Binomial.upperConfidenceBound(successes: total - flagged, trials: total, confidence: 0.95)
        print("keyed-canary null on digits (\(log.count) canaries): \(flagged) of \(total) innocent models flagged at α = \(alpha), "
              + "95% CP lower bound \(lower)\n  " + lines.joined(separator: "\n  "))
        XCTAssertLessThanOrEqual(lower, alpha, "FPR \(flagged)/\(total) exceeds α beyond its binomial error")

        // The thieves are still flagged.
        for soft in [false, true] {
            let student = try world.distill(inputs, responses, soft: soft)
            let v = try log.verify(student, alpha: alpha)
            print("stolen (\(soft ? "soft" : "label-only")): m = \(v.matches!) of N = \(v.trials!), p = \(v.pValue!)")
            XCTAssertTrue(v.flagged)
            XCTAssertLessThan(v.pValue!, 1e-6)
        }
    }

    /// The exact null: a model that agrees with the teacher everywhere has
    /// N = 0 and is never flagged; a version-1 log (no tops) uses all n canaries.
    func testTeacherHasNoInformativeCanariesAndOldLogsUseTheConservativeTest() throws {
        let world = CanaryWorld.shared
        let canary = try KeyedCanary(key: KeyedCanary.defaultKey(seed: 1), rate: 0.05,
                                     classCount: world.teacher.classCount, featureCount: world.teacher.inputSize)
        _ = try world.steal(with: [canary], budget: 400)
        let v = try canary.log.verify(world.teacher, alpha: 0.01)
        XCTAssertEqual(v.trials, 0)
        XCTAssertEqual(v.pValue, 1)
        XCTAssertFalse(v.flagged)
        // Drop the tops as a version-1 file would.
        var object = try JSONSerialization.jsonObject(with: canary.log.encoded()) as! [String: Any]
        object.removeValue(forKey: "tops")
        object["version"] = 1
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("canary-v1-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let old = try CanaryLog.load(from: url)
        XCTAssertNil(old.tops)
        XCTAssertEqual(try old.verify(world.teacher, alpha: 0.01).trials, canary.log.count)
    }
}
