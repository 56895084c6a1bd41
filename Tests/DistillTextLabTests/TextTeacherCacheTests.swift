import XCTest
import DistillCore
import DistillTasks
import DistillText
@testable import DistillTextLab

final class TextTeacherCacheTests: XCTestCase {
    /// A teacher small enough for a debug test: reasoning only, 1 layer, d 16, 6 steps.
    static var tiny: TextTeacherSettings {
        var o = GPTOptimizerSettings()
        o.learningRate = 3e-3; o.minLearningRate = 3e-4; o.warmupSteps = 1
        return TextTeacherSettings(model: try! GPTConfig(context: 96, channels: 16, heads: 2, layers: 1), steps: 6, batchSize: 4,
                                   optimizer: o, suites: [TextSuiteSettings(name: "reasoning", difficulty: 1, trainExamples: 40, testExamples: 0)])
    }

    func weights(_ m: GPT) -> [Float] { Array(UnsafeBufferPointer(start: m.parameters, count: m.parameterCount)) }

    func testTrainedThenCachedThenCorruptIsRetrained() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("text-teacher-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (a, ra) = try TextTeacherCache.teacher(for: Self.tiny, cacheDirectory: dir)
        XCTAssertEqual(ra.source, .trained)
        let (b, rb) = try TextTeacherCache.teacher(for: Self.tiny, cacheDirectory: dir)
        XCTAssertEqual(rb.source, .cached)
        XCTAssertEqual(weights(a), weights(b))
        XCTAssertEqual(rb.training, ra.training)
        // Flip bytes in the weights: reported, retrained (to the same weights: training is deterministic).
        let file = TextTeacherCache.entryURL(key: ra.key, cacheDirectory: dir).appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: file)
        data[data.count - 5] ^= 0xFF
        try data.write(to: file)
        var notices: [String] = []
        let (c, rc) = try TextTeacherCache.teacher(for: Self.tiny, cacheDirectory: dir, notice: { notices.append($0) })
        guard case .retrainedCorrupt = rc.source else { return XCTFail("a corrupt entry must be retrained, got \(rc.source)") }
        XCTAssertEqual(notices.count, 1)
        XCTAssertTrue(notices[0].contains("corrupt"), notices[0])
        XCTAssertEqual(weights(c), weights(a))
        XCTAssertEqual(try TextTeacherCache.teacher(for: Self.tiny, cacheDirectory: dir).1.source, .cached)
    }

    func testKeyFollowsSettingsAndThreads() {
        var other = Self.tiny
        other.steps = 7
        XCTAssertNotEqual(TextTeacherCache.key(for: Self.tiny, threads: 1), TextTeacherCache.key(for: other, threads: 1))
        XCTAssertNotEqual(TextTeacherCache.key(for: Self.tiny, threads: 1), TextTeacherCache.key(for: Self.tiny, threads: 2))
        XCTAssertEqual(TextTeacherCache.key(for: Self.tiny, threads: 1), TextTeacherCache.key(for: Self.tiny, threads: 1))
    }

    func testBadSettingNamesTheKey() {
        var s = Self.tiny
        s.suites[0].difficulty = 9
        XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains("suites.reasoning.difficulty"), "\($0)") }
        s = Self.tiny
        s.optimizer.warmupSteps = 6
        XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains("optimizer.warmupSteps"), "\($0)") }
    }

    func testExplodingLossStopsNamingTheStepAndTheFix() {
        var m = TextDivergenceMonitor(factor: 4, warmupSteps: 2)
        XCTAssertNoThrow(try {
            for (s, l) in [5, 4, 2, 1.5, 1.2, 1.4].enumerated() { try m.check(step: s, loss: Float(l)) }
        }())
        XCTAssertThrowsError(try { for s in 6..<40 { try m.check(step: s, loss: 50) } }()) { e in
            guard case let TextLabError.diverged(step, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertLessThan(step, 40)
            XCTAssertTrue("\(e)".contains("learningRate"), "\(e)")
        }
        var n = TextDivergenceMonitor(factor: 4, warmupSteps: 0)
        XCTAssertThrowsError(try n.check(step: 3, loss: .nan)) { XCTAssertTrue("\($0)".contains("step 3"), "\($0)") }
    }

    func testAgreementAndBitsPerByte() throws {
        let t = TextSuiteEvaluation(suite: "reasoning", difficulty: 2, ids: ["a", "b", "c", "d"], finalAnswers: ["1", "2", nil, "4"], correct: [true, true, false, true])
        let s = TextSuiteEvaluation(suite: "reasoning", difficulty: 2, ids: ["a", "b", "c", "d"], finalAnswers: ["1", "3", nil, "4"], correct: [true, false, false, true])
        XCTAssertEqual(s.agreement(with: t), 0.5)  // two nils never agree
        XCTAssertEqual(t.accuracy, 0.75)
        // An untrained model is close to uniform over 256 bytes: about 8 bits per byte.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = String(repeating: "To be, or not to be, that is the question. ", count: 2000)
        try Data(text.utf8).write(to: dir.appendingPathComponent("hamlet_gut.txt"))
        let corpus = try TextCorpus(directory: dir.path, chunkLength: 256, verifyPins: false)
        var rng = RandomStream(seed: 0, label: "test")
        let model = GPT(config: try GPTConfig(context: 32, channels: 16, heads: 2, layers: 1), rng: &rng)
        let bpb = try TextEvaluation.bitsPerByte(model, corpus: corpus, maxBytes: 2048)
        XCTAssertEqual(bpb, 8, accuracy: 0.1)
    }

    func testEvaluationGradesEverySuiteWithoutCrashing() throws {
        var rng = RandomStream(seed: 0, label: "test")
        let model = GPT(config: try GPTConfig(context: 256, channels: 16, heads: 2, layers: 1), rng: &rng)
        let suites = ["reasoning", "tool-use", "coding"].map { TextSuiteSettings(name: $0, trainExamples: 1, testExamples: 2) }
        let e = try TextEvaluation.evaluate(model, suites: suites, seed: 0, maxAnswerTokens: 8)
        XCTAssertEqual(e.suites.map(\.suite), ["reasoning", "tool-use", "coding"])
        XCTAssertEqual(e.suites.map(\.ids.count), [2, 2, 2])
    }
}
