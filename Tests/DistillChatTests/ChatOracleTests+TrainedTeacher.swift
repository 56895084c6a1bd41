import XCTest
import Foundation
import DistillCore
import DistillText
import DistillTasks
@testable import DistillChat

/// A teacher trained for a few steps on three chats: the oracle must give back what it learned.
final class TrainedTeacherChatOracleTests: XCTestCase {
    static let chats = [("2+2?", "4"), ("What is the capital of France?", "Paris"), ("Say hello.", "Hello! How can I help?")]

    /// Trains a tiny GPT (d 32, 2 layers) on `chats` with the chat template; completion-only loss, end marker included.
    static func trainedTeacher() throws -> GPT {
        var rng = RandomStream(seed: 1, label: "chat-trained-teacher")
        let model = GPT(config: try GPTConfig(context: 64, channels: 32, heads: 2, layers: 2), rng: &rng)
        let examples = try chats.map { q, a -> GPTExample in
            let r = try ChatTemplate.standard.render(prompt: [ChatMessage(.system, "be brief"), ChatMessage(.user, q)], answer: [ChatMessage(.assistant, a)])
            return GPTExample(tokens: r.bytes.map { Int32($0) }, lossMask: r.lossMask.map { $0 ? 1 : 0 })
        }
        var settings = GPTOptimizerSettings()
        settings.learningRate = 1e-2; settings.minLearningRate = 1e-3; settings.warmupSteps = 10; settings.totalSteps = 150
        settings.weightDecay = 0
        let trainer = try GPTTrainer(model: model, examples: examples, batchSize: 3, settings: settings,
                                     rng: RandomStream(seed: 1, label: "chat-trained-shuffle"))
        try trainer.train(steps: settings.totalSteps)
        return model
    }

    func testTheOracleServesWhatTheTeacherLearned() throws {
        let teacher = try Self.trainedTeacher()
        // DISTILL_CHAT_DEMO_MODEL=path saves it (the README's server example uses it).
        if let path = ProcessInfo.processInfo.environment["DISTILL_CHAT_DEMO_MODEL"] { try teacher.save(to: URL(fileURLWithPath: path), overwrite: true) }
        let o = try ChatOracle(teacher: teacher, accounts: [Account(id: "a")])
        for (q, a) in Self.chats {
            let r = try o.answer(ChatRequest(model: "distill-teacher", messages: [ChatMessage(.system, "be brief"), ChatMessage(.user, q)],
                                             temperature: 0, logprobs: true, topLogprobs: 2), account: "a")
            XCTAssertEqual(r.text, a)
            XCTAssertEqual(r.choices[0].finishReason, "stop")  // the model emitted the end marker
            XCTAssertEqual(r.usage.completionTokens, a.utf8.count)
            for t in try XCTUnwrap(r.choices[0].logprobs?.content) {
                XCTAssertGreaterThan(t.logprob, log(0.5))
                XCTAssertEqual(t.topLogprobs.first?.token, t.token)
            }
        }
    }
}
