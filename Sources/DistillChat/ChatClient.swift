import Foundation

/// The chat API as an attacker (or an honest user) sees it. The in-process
/// client (``InProcessChatClient``) and the HTTP client (``HTTPChatClient``)
/// give the same responses for the same requests and throw the same
/// ``ChatAPIError`` (status and OpenAI-style body) on failure.
public protocol ChatClient: Sendable {
    /// - Throws: ``ChatAPIError``.
    func complete(_ request: ChatRequest) async throws -> ChatResponse
    /// The served model ids (`GET /v1/models`).
    func models() async throws -> [String]
}

/// `GET /v1/models`'s body.
public struct ChatModelList: Codable, Sendable, Equatable {
    public var object = "list"
    public var data: [Model]
    public struct Model: Codable, Sendable, Equatable {
        public var id: String
        public var object = "model"
        public var created: Int
        public var ownedBy: String
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
        public init(id: String, created: Int = 0, ownedBy: String = "distill-lab") { self.id = id; self.created = created; self.ownedBy = ownedBy }
    }
    public init(data: [Model]) { self.data = data }
}

/// Calls a ``ChatOracle`` directly, as one account.
public struct InProcessChatClient: ChatClient {
    public let oracle: ChatOracle
    public let account: String
    public init(oracle: ChatOracle, account: String) { self.oracle = oracle; self.account = account }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        do { return try oracle.answer(request, account: account) } catch let e as ChatError { throw e.apiError }
    }

    public func models() async throws -> [String] { [oracle.modelName] }
}
