import XCTest
import DistillChat
import DistillCore
import DistillLab
import DistillTasks
import DistillText
@testable import DistillTextLab

/// A whole text run at toy scale (d 16, one layer, a few steps): what is checked is the attacker's
/// accounting, the files and the determinism, not accuracy.
final class TextExperimentTests: XCTestCase {
    static func tiny(budget: Int = 12, curve: [Int] = [5]) -> TextExperimentSettings {
        var o = GPTOptimizerSettings()
        o.learningRate = 1e-2; o.minLearningRate = 1e-3; o.warmupSteps = 1; o.weightDecay = 0
        let config = try! GPTConfig(context: 256, channels: 16, heads: 2, layers: 1)
        let teacher = TextTeacherSettings(model: config, steps: 3, batchSize: 4, optimizer: o,
                                          suites: ["reasoning", "tool-use", "coding"].map { TextSuiteSettings(name: $0, trainExamples: 20, testExamples: 2) })
        let student = TextStudentSettings(model: config, steps: 2, batchSize: 4, optimizer: o)
        return TextExperimentSettings(teacher: teacher, student: student,
                                      attack: TextAttackSettings(budget: budget, curve: curve, temperature: 1, topLogprobs: 3, maxTokens: 24),
                                      testExamples: 2, perplexityBytes: 0, seed: 3)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("text-experiment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTheAttackerSpendsExactlyItsBudgetInSuiteTurnsThroughTheOracle() throws {
        let s = Self.tiny(budget: 13)
        var rng = RandomStream(seed: 1, label: "test-teacher")
        let teacher = GPT(config: s.teacher.model, rng: &rng)
        let attacker = try TextAttacker(settings: s.attack, suites: s.teacher.suites, seed: s.seed)
        let log = try temporaryDirectory().appendingPathComponent("log.jsonl")
        let t = try attacker.run(teacher: teacher, logURL: log)
        XCTAssertEqual(t.exchanges.count, 13)
        XCTAssertEqual(t.spend.map(\.exchanges).reduce(0, +), 13)
        // Suites take turns: reasoning, tool-use, coding, … (a tool-use task may take two exchanges).
        XCTAssertEqual(t.tasks.prefix(3).map(\.suite), ["reasoning", "tool-use", "coding"])
        XCTAssertTrue(t.tasks.allSatisfy { $0.split == .attackerPool })
        XCTAssertEqual(t.exchanges.map(\.suite), t.taskOfExchange.map { t.tasks[$0].suite })
        // The oracle logged every exchange, one JSON line each, and its token counts are the spend.
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 13)
        let logged = try lines.map { try JSONDecoder().decode(ChatExchange.self, from: Data($0.utf8)) }
        XCTAssertEqual(logged.map(\.promptTokens).reduce(0, +), t.spend.map(\.promptTokens).reduce(0, +))
        XCTAssertEqual(logged.map(\.completionTokens).reduce(0, +), t.spend.map(\.completionTokens).reduce(0, +))
        // Each exchange's prompt is the rendered request and its log-probs cover its answer bytes.
        for (x, l) in zip(t.exchanges, logged) {
            XCTAssertEqual(x.prompt, try ChatTemplate.standard.renderPrompt(l.request.messages))
            XCTAssertEqual(x.answer, l.response.logprobBytes)
            XCTAssertEqual(x.topLogprobs?.count, x.answer.count)
            XCTAssertTrue(x.topLogprobs!.allSatisfy { $0.count == 3 })
        }
        // A prefix keeps the tasks its exchanges touched, no others.
        let (ex5, tasks5) = t.prefix(5)
        XCTAssertEqual(ex5.count, 5)
        XCTAssertEqual(Set(tasks5.map(\.id)), Set(t.taskOfExchange.prefix(5).map { t.tasks[$0].id }))
        // The same oracle seed and requests: the same answers.
        let again = try attacker.run(teacher: teacher)
        XCTAssertEqual(again.exchanges, t.exchanges)
    }

    func testARunWritesItsFilesOnceAndIsDeterministic() throws {
        let root = try temporaryDirectory()
        let s = Self.tiny()
        let cache = root.appendingPathComponent("_cache")
        let dir = try RunDirectory.create(under: root, name: "a")
        var stages: [String] = []
        let r1 = try TextExperiment(settings: s, cacheDirectory: cache).run(directory: dir) { if case let .stage(x) = $0 { stages.append(x) } }
        XCTAssertEqual(r1.teacherSource, "trained")
        XCTAssertTrue(stages.contains("teacher trained"))
        // Three objectives at budgets 5 and 12; the students row is the full budget.
        XCTAssertEqual(r1.curve.map(\.budget), [5, 5, 5, 12, 12, 12])
        XCTAssertEqual(r1.students.map(\.model), ["seq-kd", "logit-kd", "reference"])
        XCTAssertEqual(r1.spend.map(\.exchanges).reduce(0, +), 12)
        for f in ["settings.json", "results.json", "exchanges.jsonl", "student-seq-kd.safetensors", "student-logit-kd.safetensors", "student-reference.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file(f).path), f)
        }
        let saved = try JSONDecoder().decode(TextExperimentResult.self, from: Data(contentsOf: dir.file("results.json")))
        XCTAssertEqual(saved, r1)
        let record = try JSONDecoder().decode(TextRunRecord.self, from: Data(contentsOf: dir.file("settings.json")))
        XCTAssertEqual(record.settings, s)
        XCTAssertEqual(record.track, "text")
        // A second run reuses the cached teacher and gives the same numbers.
        var r2 = try TextExperiment(settings: s, cacheDirectory: cache).run()
        XCTAssertEqual(r2.teacherSource, "cached")
        XCTAssertEqual(r2.teacher.suites, r1.teacher.suites)
        r2.seconds = r1.seconds; r2.teacherSource = r1.teacherSource
        for i in r2.curve.indices { r2.curve[i].training?.seconds = r1.curve[i].training!.seconds; r2.curve[i].training?.tokensPerSecond = r1.curve[i].training!.tokensPerSecond }
        for i in r2.students.indices { r2.students[i].training = r1.students[i].training }
        r2.teacher.training = r1.teacher.training
        XCTAssertEqual(r2, r1)
    }

    func testNoLogprobsMeansNoLogitKDStudentAndBadSettingsNameTheirKey() throws {
        var s = Self.tiny()
        s.attack.topLogprobs = 0
        XCTAssertEqual(TextExperiment(settings: s, cacheDirectory: nil).objectives, [.sequenceKD, .reference])
        func message(_ edit: (inout TextExperimentSettings) -> Void) -> String {
            var x = Self.tiny(); edit(&x)
            do { try x.validate(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { $0.attack.budget = 0 }.contains("attack.budget"))
        XCTAssertTrue(message { $0.attack.topLogprobs = 21 }.contains("attack.topLogprobs"))
        XCTAssertTrue(message { $0.attack.curve = [0] }.contains("attack.curve"))
        XCTAssertTrue(message { $0.student.model = try! GPTConfig(context: 512, channels: 16, heads: 2, layers: 1) }.contains("student.model.context"))
        XCTAssertEqual(TextAttackSettings(budget: 10, curve: [20, 5, 5]).budgets, [5, 10])
    }
}
