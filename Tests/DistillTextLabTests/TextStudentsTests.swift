import XCTest
import DistillCore
import DistillTasks
import DistillText
@testable import DistillTextLab

/// Tiny students (1 layer, d 16, a few steps): what can fail is the direction of a loss or a distance.
final class TextStudentsTests: XCTestCase {
    static let config = try! GPTConfig(context: 32, channels: 16, heads: 2, layers: 1)

    static func settings(steps: Int = 40, seed: UInt64 = 0) -> TextStudentSettings {
        var o = GPTOptimizerSettings()
        o.learningRate = 1e-2; o.minLearningRate = 1e-3; o.warmupSteps = 2; o.weightDecay = 0
        return TextStudentSettings(model: config, steps: steps, batchSize: 8, optimizer: o, softWeight: 1, seed: seed)
    }

    /// Prompt "\u{12}<letter>\u{1E}\u{13}"; the answer's byte j is drawn from q_j, three letters with
    /// probabilities (0.6, 0.3, 0.1) rotated by the position: the teacher's distribution is known exactly.
    static let letters: [Int32] = [97, 98, 99]
    static func q(_ j: Int) -> [Float] { let p: [Float] = [0.6, 0.3, 0.1]; return (0..<3).map { p[($0 + j) % 3] } }

    static func exchanges(_ n: Int, seed: UInt64) -> [TextExchange] {
        var rng = RandomStream(seed: seed, label: "test-exchanges")
        return (0..<n).map { i in
            let prompt: [UInt8] = [0x12, UInt8(65 + i % 5), 0x1E, 0x13]
            var answer: [UInt8] = [], top: [[TextTokenLogprob]] = []
            for j in 0..<8 {
                let probs = q(j)
                var u = Float(rng.uniform()), pick = 2
                for (k, p) in probs.enumerated() { u -= p; if u < 0 { pick = k; break } }
                answer.append(UInt8(letters[pick]))
                top.append((0..<3).sorted { probs[$0] > probs[$1] }.map { TextTokenLogprob(token: letters[$0], logprob: logf(probs[$0])) })
            }
            return TextExchange(prompt: prompt, answer: answer, stopped: true, topLogprobs: top)
        }
    }

    /// Mean KL(q_j ‖ student) over the 8 answer positions after a held-out prompt (student restricted to the three letters).
    static func divergence(_ model: GPT) throws -> Double {
        let x = exchanges(1, seed: 99)[0]
        let tokens = (x.prompt + x.answer).map { Int32($0) }
        let batch = GPTBatch(B: 1, T: tokens.count - 1)
        for t in 0..<(tokens.count - 1) { batch.tokens[t] = tokens[t]; batch.targets[t] = tokens[t + 1] }
        try model.forward(batch)
        var kl = 0.0
        for j in 0..<8 {
            let l = model.logits(b: 0, t: x.prompt.count + j - 1)
            let mx = l.max()!
            let z = l.reduce(0.0) { $0 + exp(Double($1 - mx)) }
            for (k, p) in q(j).enumerated() {
                let logp = Double(l[Int(letters[k])] - mx) - log(z)
                kl += Double(p) * (log(Double(p)) - logp)
            }
        }
        return kl / 8
    }

    func testSequenceKDLossDecreases() throws {
        let (_, report) = try TextStudents.train(.sequenceKD, exchanges: Self.exchanges(32, seed: 1), references: [], settings: Self.settings())
        XCTAssertLessThan(report.finalLoss, 0.7 * report.firstLoss, "seq-KD should fit its transfer set: \(report.firstLoss) → \(report.finalLoss)")
    }

    func testLogitKDMatchesTheTeacherDistributionBetterThanSequenceKD() throws {
        // Few exchanges: the sampled bytes are a noisy picture of q; the top-k log-probs are q itself.
        let x = Self.exchanges(12, seed: 2)
        let s = Self.settings(steps: 300)
        let (seq, _) = try TextStudents.train(.sequenceKD, exchanges: x, references: [], settings: s)
        let (logit, _) = try TextStudents.train(.logitKD, exchanges: x, references: [], settings: s)
        let dSeq = try Self.divergence(seq), dLogit = try Self.divergence(logit)
        XCTAssertLessThan(dLogit, 0.5 * dSeq, "KL to the teacher: logit KD \(dLogit), seq-KD \(dSeq)")
        XCTAssertLessThan(dLogit, 0.05)
    }

    func testSameSeedSameWeightsOtherSeedOtherWeights() throws {
        let x = Self.exchanges(16, seed: 3)
        func weights(_ seed: UInt64) throws -> [Float] {
            let (m, _) = try TextStudents.train(.logitKD, exchanges: x, references: [], settings: Self.settings(steps: 5, seed: seed))
            return Array(UnsafeBufferPointer(start: m.parameters, count: m.parameterCount))
        }
        let a = try weights(7), b = try weights(7), c = try weights(8)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testLogitExamplesPlaceTheTopKAtThePredictingPosition() throws {
        let x = Self.exchanges(1, seed: 4)[0]
        let e = try TextStudents.logitExamples([x])[0]
        XCTAssertEqual(e.softK, 3)
        XCTAssertEqual(e.tokens.count, x.prompt.count + x.answer.count + 1)  // + end marker
        // Answer byte 0 (token 4) is predicted at position 3; the prompt's positions carry no soft target.
        XCTAssertEqual(e.softIDs![3 * 3], Self.letters[0])
        XCTAssertEqual(e.softProbs![3 * 3], 0.6, accuracy: 1e-6)
        XCTAssertEqual(e.softProbs![0..<9].reduce(0, +), 0)
        // The end marker had no log-probs: no soft target there.
        XCTAssertEqual(e.softProbs![(e.tokens.count - 2) * 3..<(e.tokens.count - 1) * 3].reduce(0, +), 0)
        XCTAssertEqual(e.lossMask!.filter { $0 > 0 }.count, x.answer.count + 1)
    }

    func testLogitKDWithoutLogprobsIsAClearError() {
        var x = Self.exchanges(2, seed: 5)
        x[0].topLogprobs = nil; x[1].topLogprobs = nil
        XCTAssertThrowsError(try TextStudents.logitExamples(x)) { e in
            XCTAssertTrue("\(e)".contains("log-probs"), "\(e)")
        }
    }

    func testReferenceStudentTrainsOnTrueAnswers() throws {
        let suite = try ReasoningSuite(difficulty: 1)
        let tasks = suite.examples(split: .attackerPool, count: 8, seed: 0)
        let ex = try TextStudents.referenceExamples(tasks)
        XCTAssertEqual(ex.count, 8)
        let text = String(decoding: ex[0].tokens.map { UInt8($0) }, as: UTF8.self)
        XCTAssertTrue(text.contains("answer: " + tasks[0].finalAnswer))
    }

    func testBadStudentSettingNamesTheKey() {
        var s = Self.settings()
        s.softWeight = 2
        XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains("student.softWeight"), "\($0)") }
    }
}
