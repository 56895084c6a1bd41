/// One turn of a chat exchange, as the text oracle receives and answers it.
public struct ChatMessage: Codable, Sendable, Equatable, Hashable {
    /// Who speaks: the operator's system prompt, the user, the model, or a tool's result.
    public enum Role: String, Codable, Sendable, CaseIterable {
        case system, user, assistant, tool
    }
    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role; self.content = content
    }
}
