import DistillCore

/// Agentic tool use: pick the right tool from a list and fill its arguments.
///
/// The system message lists the offered tools, one signature a line, drawn per
/// example from the 12-tool `ToolCatalogue` (so the list must be read); the user
/// asks in words. The assistant's side has three turns:
///
///     assistant: call: weather(city="Oslo",days=7)
///     tool:      snow -3C
///     assistant: answer: snow -3C
///
/// The tool's result is computed by the suite (`execute`), deterministically from
/// the call. Difficulty:
/// - 1: three tools offered; arguments copied from the request;
/// - 2 (default): three tools; half the requests need a conversion
///   ("in a week" -> days=7, "3 kg" -> grams=3000, "for four" -> people=4,
///   "7 pm" -> hour=19, "yen" -> to="JPY");
/// - 3, 4, 5: as 2 with four, five and six tools offered.
public struct ToolUseSuite: TaskSuite {
    public let name = "tool-use"
    public let difficulty: Int

    /// - Throws: `TaskSuiteError` when `difficulty` is outside 1...5.
    public init(difficulty: Int = 2) throws {
        guard taskDifficultyRange.contains(difficulty) else { throw TaskSuiteError.difficulty("tool-use", difficulty) }
        self.difficulty = difficulty
    }

    /// How many tools the system message lists.
    public var toolsOffered: Int { difficulty <= 2 ? 3 : difficulty + 1 }

    /// The system message listing `tools`.
    public static func systemMessage(_ tools: [ToolDefinition]) -> String {
        (["Tools:"] + tools.map(\.signature)).joined(separator: "\n")
    }

    public func draw(_ stream: inout RandomStream) -> TaskExample {
        let catalogue = ToolCatalogue.tools
        let chosen = stream.sample(toolsOffered, from: catalogue.count)  // distinct tools
        let target = catalogue[chosen[stream.int(below: chosen.count)]]
        var offered = chosen.map { catalogue[$0].definition }
        stream.shuffle(&offered)
        let (request, arguments) = target.request(&stream, difficulty >= 2)
        let call = ToolCall(target.definition.name, arguments)
        let result = target.result(call)
        let final = target.answer(call, result)
        return TaskExample(id: "", suite: name, split: .train, difficulty: difficulty,
                           messages: [ChatMessage(.system, Self.systemMessage(offered)), ChatMessage(.user, request)],
                           turns: [ChatMessage(.assistant, call.line), ChatMessage(.tool, result),
                                   ChatMessage(.assistant, "answer: " + final)],
                           finalAnswer: final, toolCall: call)
    }

    /// The tool's result for `call`, as the `tool` message that follows it: the
    /// catalogue tool's result when `call` matches one of `offered` (name and
    /// typed parameters), otherwise a one-line error the model can read.
    public func execute(_ call: ToolCall, offered: [ToolDefinition]) -> String {
        guard let def = offered.first(where: { $0.name == call.name }) else {
            return "error: no tool \(call.name) here"
        }
        guard call.matches([def]), let tool = ToolCatalogue.tool(named: call.name) else {
            return "error: \(call.name) takes \(def.signature)"
        }
        return tool.result(call)
    }

    public func finalAnswer(in text: String) -> String? { answerLine(in: text) }

    /// Whether the first call in `response` equals the reference call (name and
    /// argument set, typed).
    public func gradeCall(response: String, example: TaskExample) -> Bool {
        guard let expected = example.toolCall, let got = ToolCall.parse(response) else { return false }
        return got == expected
    }

    /// True when the first call in `response` is the reference call and the last
    /// `answer:` line is the reference final answer. `response` is the
    /// assistant's text across its turns (the call turn and the final turn).
    public func grade(response: String, example: TaskExample) -> Bool {
        gradeCall(response: response, example: example) && finalAnswer(in: response) == example.finalAnswer
    }
}
