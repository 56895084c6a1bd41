import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Calls an OpenAI-compatible server (`distill-lab serve`, or any other) over HTTP with an API key.
public struct HTTPChatClient: ChatClient {
    /// The API root, e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: URL
    public let apiKey: String?
    public var timeout: TimeInterval = 300

    public init(baseURL: URL, apiKey: String?) { self.baseURL = baseURL; self.apiKey = apiKey }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try await send("POST", "chat/completions", body: try encoder.encode(request))
        return try decode(ChatResponse.self, data)
    }

    public func models() async throws -> [String] {
        try decode(ChatModelList.self, try await send("GET", "models", body: nil)).data.map(\.id)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw ChatAPIError(status: 502, error: ChatErrorBody(message: "the server's answer is not a valid \(T.self): \(error)", type: "client_error", code: "bad_response"))
        }
    }

    /// Sends one request; a non-2xx status becomes a ``ChatAPIError`` with the server's error body.
    func send(_ method: String, _ path: String, body: Data?) async throws -> Data {
        var r = URLRequest(url: baseURL.appendingPathComponent(path), timeoutInterval: timeout)
        r.httpMethod = method
        if let apiKey { r.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        if let body { r.httpBody = body; r.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let request = r
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { c in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    c.resume(throwing: ChatAPIError(status: 0, error: ChatErrorBody(message: "cannot reach \(request.url?.absoluteString ?? "?"): \(error.localizedDescription)", type: "connection_error", code: "connection_failed")))
                } else {
                    c.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }.resume()
        }
        guard (200..<300).contains(status) else {
            let body = (try? JSONDecoder().decode(ChatErrorBody.Envelope.self, from: data))?.error
                ?? ChatErrorBody(message: String(decoding: data.prefix(500), as: UTF8.self), type: "http_error", code: nil)
            throw ChatAPIError(status: status, error: body)
        }
        return data
    }
}
