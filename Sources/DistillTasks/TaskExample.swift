/// One generated problem with its reference answer.
///
/// `messages` is the prompt (system, user). `turns` is the assistant's side of
/// the exchange: one assistant message for reasoning and coding; for tool use the
/// assistant's tool call, the tool's result (a `.tool` message the suite computes)
/// and the assistant's final answer. `reference` is the assistant's text across
/// its turns, joined by "\n" (what `grade(response:example:)` expects back), and
/// `finalAnswer` the part that is graded.
public struct TaskExample: Codable, Sendable, Equatable, Hashable {
    /// "<suite>-<split>-<seed>-<index>": unique within a suite and difficulty.
    public var id: String
    public var suite: String
    public var split: TaskSplit
    public var difficulty: Int
    public var messages: [ChatMessage]
    public var turns: [ChatMessage]
    public var reference: String
    public var finalAnswer: String
    /// Tool use: the correct call.
    public var toolCall: ToolCall?
    /// Coding, write-a-function tasks: the inputs the answer is run on.
    public var testInputs: [[Int]]?

    public init(id: String, suite: String, split: TaskSplit, difficulty: Int,
                messages: [ChatMessage], turns: [ChatMessage], finalAnswer: String,
                toolCall: ToolCall? = nil, testInputs: [[Int]]? = nil) {
        self.id = id; self.suite = suite; self.split = split; self.difficulty = difficulty
        self.messages = messages; self.turns = turns
        self.reference = turns.filter { $0.role == .assistant }.map(\.content).joined(separator: "\n")
        self.finalAnswer = finalAnswer; self.toolCall = toolCall; self.testInputs = testInputs
    }

    /// The prompt without its answer (what the attacker's pool hands out).
    public var prompt: TaskPrompt { TaskPrompt(id: id, suite: suite, messages: messages) }

    /// The prompt's canonical text: the split is a hash of it.
    public var canonicalPrompt: String { canonicalText(messages) }
}

/// A prompt without an answer: an entry of the attacker's pool.
public struct TaskPrompt: Codable, Sendable, Equatable, Hashable {
    public var id: String
    public var suite: String
    public var messages: [ChatMessage]
}

/// Role-tagged messages, one per line: the key the split hash is taken of.
func canonicalText(_ messages: [ChatMessage]) -> String {
    messages.map { "\($0.role.rawValue): \($0.content)" }.joined(separator: "\n")
}
