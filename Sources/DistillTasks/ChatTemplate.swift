/// The byte layout a chat is trained on and generated in.
///
/// Each message is a role marker byte, its content (UTF-8), and the end marker:
///
///     0x11 system-content 0x1E 0x12 user-content 0x1E 0x13 assistant-content 0x1E
///
/// with markers 0x11 system, 0x12 user, 0x13 assistant, 0x14 tool (ASCII DC1-DC4)
/// and 0x1E (ASCII record separator) ending every message: the model stops
/// generating an answer when it emits 0x1E. These five bytes may not appear in
/// content. A prompt ends with the bare assistant marker (the generation prompt);
/// the answer starts right after it.
public struct ChatTemplate: Sendable, Equatable {
    public static let standard = ChatTemplate()
    public init() {}

    public static let endOfMessage: UInt8 = 0x1E
    public static func marker(_ role: ChatMessage.Role) -> UInt8 {
        switch role {
        case .system: return 0x11
        case .user: return 0x12
        case .assistant: return 0x13
        case .tool: return 0x14
        }
    }
    static func role(ofMarker b: UInt8) -> ChatMessage.Role? {
        ChatMessage.Role.allCases.first { marker($0) == b }
    }
    /// The bytes the template reserves.
    public static let reservedBytes: Set<UInt8> = [0x11, 0x12, 0x13, 0x14, endOfMessage]

    /// A training sequence: `bytes`, where the answer starts (`answerStart`, the
    /// first content byte of the first assistant turn), and `lossMask`, true on
    /// the bytes the model must learn to produce (assistant content and its end
    /// marker; not the prompt, the markers that open turns, nor tool results).
    public struct Rendered: Equatable, Sendable {
        public var bytes: [UInt8]
        public var answerStart: Int
        public var lossMask: [Bool]
    }

    /// A message's content holds a byte the layout reserves.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    func check(_ m: ChatMessage, index: Int) throws {
        if let (offset, b) = m.content.utf8.enumerated().first(where: { Self.reservedBytes.contains($0.element) }) {
            throw Error(description: "message \(index) (\(m.role.rawValue)) holds the reserved control byte 0x"
                        + String(b, radix: 16, uppercase: true) + " at byte \(offset); remove control bytes 0x11-0x14 and 0x1E from chat content")
        }
    }

    func append(_ m: ChatMessage, to bytes: inout [UInt8]) {
        bytes.append(Self.marker(m.role))
        bytes.append(contentsOf: m.content.utf8)
        bytes.append(Self.endOfMessage)
    }

    /// The prompt bytes for generation: `messages`, then the assistant marker.
    /// - Throws: `ChatTemplate.Error` when a content holds a reserved byte.
    public func renderPrompt(_ messages: [ChatMessage]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for (i, m) in messages.enumerated() { try check(m, index: i); append(m, to: &bytes) }
        bytes.append(Self.marker(.assistant))
        return bytes
    }

    /// The training sequence of `prompt` followed by `answer` (the assistant's
    /// side: assistant turns, with tool results between them).
    /// - Precondition-like checks (thrown, not trapped): `answer` starts with an
    ///   assistant message and no content holds a reserved byte.
    public func render(prompt: [ChatMessage], answer: [ChatMessage]) throws -> Rendered {
        guard answer.first?.role == .assistant else {
            throw Error(description: "the answer must start with an assistant message (got \(answer.first.map { $0.role.rawValue } ?? "no message"))")
        }
        var bytes: [UInt8] = []
        var mask: [Bool] = []
        for (i, m) in (prompt + answer).enumerated() { try check(m, index: i) }
        for m in prompt { append(m, to: &bytes) }
        mask = Array(repeating: false, count: bytes.count)
        var answerStart = 0
        for (i, m) in answer.enumerated() {
            bytes.append(Self.marker(m.role)); mask.append(false)
            if i == 0 { answerStart = bytes.count }
            let learn = m.role == .assistant
            bytes.append(contentsOf: m.content.utf8)
            bytes.append(Self.endOfMessage)
            mask.append(contentsOf: repeatElement(learn, count: m.content.utf8.count + 1))
        }
        return Rendered(bytes: bytes, answerStart: answerStart, lossMask: mask)
    }

    /// The training sequence of a task example (its prompt and its turns).
    public func render(_ example: TaskExample) throws -> Rendered {
        try render(prompt: example.messages, answer: example.turns)
    }

    /// The messages of a rendered chat; a trailing unterminated message (an
    /// answer being generated, possibly empty after a bare marker) is returned
    /// with the content so far.
    /// - Throws: `ChatTemplate.Error` for bytes outside the layout or invalid UTF-8.
    public func parse(_ bytes: [UInt8]) throws -> [ChatMessage] {
        var messages: [ChatMessage] = []
        var i = 0
        while i < bytes.count {
            guard let role = Self.role(ofMarker: bytes[i]) else {
                throw Error(description: "byte \(i) is 0x\(String(bytes[i], radix: 16, uppercase: true)), expected a role marker 0x11-0x14")
            }
            var j = i + 1
            while j < bytes.count, bytes[j] != Self.endOfMessage {
                if Self.reservedBytes.contains(bytes[j]) {
                    throw Error(description: "byte \(j): a role marker inside a \(role.rawValue) message (missing 0x1E end marker)")
                }
                j += 1
            }
            guard let content = String(validating: bytes[(i + 1)..<j], as: UTF8.self) else {
                throw Error(description: "the \(role.rawValue) message at byte \(i) is not valid UTF-8")
            }
            messages.append(ChatMessage(role, content))
            i = j + 1
        }
        return messages
    }

    /// The answer text in generated bytes: everything before the first end
    /// marker (all of it when the model never emitted one), as UTF-8 with
    /// invalid sequences replaced.
    public func answer(inGenerated bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: Self.endOfMessage) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
