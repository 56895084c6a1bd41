import Foundation
import Hummingbird
import Logging
import NIOCore
import DistillChat

/// The text oracle as an OpenAI-compatible HTTP server on Hummingbird.
///
/// Routes: `POST /v1/chat/completions`, `GET /v1/models`. Every request needs
/// `Authorization: Bearer KEY`; each API key maps to one account of the
/// oracle. Every failure is an OpenAI-style error body
/// `{"error": {"message", "type", "param", "code"}}` with the status the
/// `openai` clients map to their exception classes:
///
/// | status | when |
/// | --- | --- |
/// | 400 | malformed JSON, a bad or unknown field, a prompt longer than the context |
/// | 401 | a missing or unknown API key |
/// | 403 | an account a monitor banned |
/// | 404 | an unknown route or model |
/// | 405 | a known route with the wrong method |
/// | 413 | a body over ``maxBodyBytes`` |
/// | 429 | an exhausted request or token budget |
///
/// Generation is serialised on one queue (one model); a bad request never
/// stops the server.
public final class ChatServer: Sendable {
    public let oracle: ChatOracle
    /// API key → account id.
    public let keys: [String: String]
    public let maxBodyBytes: Int
    private let queue = DispatchQueue(label: "distill-serve.generation")

    /// - Precondition: every key's account is registered with `oracle` (else its requests get 401).
    public init(oracle: ChatOracle, keys: [String: String], maxBodyBytes: Int = 4 << 20) {
        self.oracle = oracle; self.keys = keys; self.maxBodyBytes = maxBodyBytes
    }

    /// Serves until the task is cancelled or the process gets SIGINT/SIGTERM.
    /// - Parameters:
    ///   - port: 0 binds an ephemeral port; `onListening` receives the bound one.
    ///   - logger: Hummingbird's logger (defaults to warnings only, so stdout stays for the listening line).
    public func run(host: String = "127.0.0.1", port: Int, logger: Logger? = nil,
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var log = logger ?? Logger(label: "distill-serve")
        if logger == nil { log.logLevel = .warning }
        let app = Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "distill-lab"),
                              onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
                              logger: log)
        try await app.runService()
    }

    /// The routes, with the error middleware (exposed for tests that drive the router directly).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(OpenAIErrorMiddleware())
        router.post("/v1/chat/completions") { request, _ in try await self.chatCompletions(request) }
        router.get("/v1/models") { request, _ in try self.models(request) }
        // Known routes with the wrong method: 405, not the router's 404.
        let notAllowed: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            throw ChatAPIError(status: 405, error: ChatErrorBody(message: "\(request.method) is not allowed on \(request.uri.path); use "
                                                                + (request.uri.path.hasSuffix("models") ? "GET" : "POST"), type: "invalid_request_error", code: "method_not_allowed"))
        }
        for m: HTTPRequest.Method in [.get, .put, .delete, .patch] { router.on("/v1/chat/completions", method: m, use: notAllowed) }
        for m: HTTPRequest.Method in [.post, .put, .delete, .patch] { router.on("/v1/models", method: m, use: notAllowed) }
        return router
    }

    /// The account of the request's bearer key.
    /// - Throws: 401 ``ChatAPIError`` for a missing, malformed or unknown key.
    func account(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw ChatAPIError(status: 401, error: ChatErrorBody(message: "no API key: send the header 'Authorization: Bearer KEY'", type: "invalid_request_error", code: "missing_api_key"))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ChatAPIError(status: 401, error: ChatErrorBody(message: "the Authorization header is not 'Bearer KEY'", type: "invalid_request_error", code: "invalid_api_key"))
        }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        guard let account = keys[key] else {
            let shown = key.count > 8 ? key.prefix(3) + "…" + key.suffix(4) : "…"
            throw ChatAPIError(status: 401, error: ChatErrorBody(message: "incorrect API key provided: \(shown); use a key the server was started with (--api-key or --accounts)", type: "invalid_request_error", code: "invalid_api_key"))
        }
        return account
    }

    func chatCompletions(_ request: Request) async throws -> Response {
        let account = try account(request)
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw ChatAPIError(status: 413, error: ChatErrorBody(message: "the request body is larger than \(maxBodyBytes) bytes; send a shorter one", type: "invalid_request_error", code: "request_too_large"))
        }
        let chat = try ChatRequest.decode(Data(buffer.readableBytesView))
        let oracle = self.oracle
        let response: ChatResponse = try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try oracle.answer(chat, account: account) }) }
        }
        return try Self.json(response, status: .ok)
    }

    func models(_ request: Request) throws -> Response {
        _ = try account(request)
        return try Self.json(ChatModelList(data: [.init(id: oracle.modelName)]), status: .ok)
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error (the oracle's, the router's 404, anything else) into an OpenAI-style error response.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as ChatAPIError {
            return Self.response(e)
        } catch let e as ChatError {
            return Self.response(e.apiError)
        } catch let e as HTTPError {
            let message = e.status == .notFound ? "no route \(request.method) \(request.uri.path); this server has POST /v1/chat/completions and GET /v1/models"
                : (e.body ?? e.status.reasonPhrase)
            return Self.response(ChatAPIError(status: e.status.code, error: ChatErrorBody(message: message, type: "invalid_request_error",
                                                                                       code: e.status == .notFound ? "not_found" : nil)))
        } catch {
            return Self.response(ChatAPIError(status: 500, error: ChatErrorBody(message: "internal error: \(error)", type: "server_error")))
        }
    }

    static func response(_ e: ChatAPIError) -> Response {
        (try? ChatServer.json(ChatErrorBody.Envelope(error: e.error), status: HTTPResponse.Status(code: e.status)))
            ?? Response(status: .internalServerError)
    }
}
