import Foundation
import DistillLab

/// Makes one oracle's instance of a monitor (monitors keep per-account state).
public typealias ChatMonitorMaker = () -> ChatMonitor

/// One chat component: its descriptor (declared once, next to its type, with
/// the lab's `Parameter`s) and how to build it from checked parameters.
public struct ChatComponent<Product>: Sendable {
    public let descriptor: ComponentDescriptor
    let build: @Sendable (ResolvedParameters) throws -> Product
    public init(_ descriptor: ComponentDescriptor, build: @escaping @Sendable (ResolvedParameters) throws -> Product) {
        self.descriptor = descriptor; self.build = build
    }
}

extension ChatComponent where Product == ChatDefenseFitter {
    /// A chat defense with nothing to fit: `make` builds one oracle's instance.
    public static func transform(_ descriptor: ComponentDescriptor,
                                 make: @escaping @Sendable (ResolvedParameters, ChatDefenseContext) throws -> ChatResponseDefense) -> ChatComponent {
        ChatComponent(descriptor) { p in { context in _ = try make(p, context); return { try make(p, context) } } }
    }
}

/// The registration point of the text oracle's hooks: chat response defenses
/// (descriptor kind `.defense`) and chat monitors (kind `.detector`), by name.
///
/// It is kept beside the lab's `ComponentRegistry` rather than in it, because
/// the classifier's kinds are matched exhaustively in the config and sweep
/// code; it uses the same declarations (`ComponentDescriptor`, `Parameter`),
/// the same spec syntax (`logprob-cap:top=3`) and the same checks and errors
/// (`ComponentRegistry.resolve(_:against:)`). A plug-in registers its own with
/// `ChatComponentRegistry.shared.register(_:)` before it starts the server.
public final class ChatComponentRegistry: @unchecked Sendable {
    public static let shared = ChatComponentRegistry(builtins: true)

    /// The built-ins: this module's `static let component`s, gathered at build
    /// time by the ComponentCatalogue plug-in.
    public static var builtinDefenses: [ChatComponent<ChatDefenseFitter>] { ComponentCatalogue.chatComponentChatDefenseFitter }
    public static var builtinMonitors: [ChatComponent<ChatMonitorMaker>] { ComponentCatalogue.chatComponentChatMonitorMaker }

    private let lock = NSLock()
    private var defenses: [ChatComponent<ChatDefenseFitter>] = []
    private var monitors: [ChatComponent<ChatMonitorMaker>] = []

    public init(builtins: Bool = false) {
        guard builtins else { return }
        // By name, as the lab's registry lists its built-ins.
        defenses = Self.builtinDefenses.sorted { $0.descriptor.name < $1.descriptor.name }
        monitors = Self.builtinMonitors.sorted { $0.descriptor.name < $1.descriptor.name }
    }

    /// - Throws: `ComponentError.duplicate` when a chat defense of that name exists.
    /// - Precondition: the descriptor's kind is `.defense`.
    public func register(_ c: ChatComponent<ChatDefenseFitter>) throws {
        precondition(c.descriptor.kind == .defense, "a chat defense's descriptor has kind .defense")
        lock.lock(); defer { lock.unlock() }
        guard !defenses.contains(where: { $0.descriptor.name == c.descriptor.name }) else { throw ComponentError.duplicate(kind: .defense, name: c.descriptor.name) }
        defenses.append(c)
    }

    /// - Throws: `ComponentError.duplicate` when a chat monitor of that name exists.
    /// - Precondition: the descriptor's kind is `.detector`.
    public func register(_ c: ChatComponent<ChatMonitorMaker>) throws {
        precondition(c.descriptor.kind == .detector, "a chat monitor's descriptor has kind .detector")
        lock.lock(); defer { lock.unlock() }
        guard !monitors.contains(where: { $0.descriptor.name == c.descriptor.name }) else { throw ComponentError.duplicate(kind: .detector, name: c.descriptor.name) }
        monitors.append(c)
    }

    public var defenseDescriptors: [ComponentDescriptor] { lock.lock(); defer { lock.unlock() }; return defenses.map(\.descriptor) }
    public var monitorDescriptors: [ComponentDescriptor] { lock.lock(); defer { lock.unlock() }; return monitors.map(\.descriptor) }

    /// A chat defense fitted to `context`, from a spec such as `logprob-cap:top=3`.
    /// - Throws: `ComponentError` for an unknown name, an unknown parameter or an invalid value.
    public func makeDefense(_ spec: ComponentSpec, context: ChatDefenseContext) throws -> ChatResponseDefense {
        lock.lock(); let c = defenses.first { $0.descriptor.name == spec.name }; let names = defenses.map(\.descriptor.name); lock.unlock()
        guard let c else { throw ComponentError.unknownComponent(kind: .defense, name: spec.name, valid: names, hint: " (chat defenses)") }
        return try c.build(ComponentRegistry.resolve(spec, against: c.descriptor))(context)()
    }

    /// A fresh monitor from a spec such as `rate:requests=10,seconds=60`.
    /// - Throws: `ComponentError` for an unknown name, an unknown parameter or an invalid value.
    public func makeMonitor(_ spec: ComponentSpec) throws -> ChatMonitor {
        lock.lock(); let c = monitors.first { $0.descriptor.name == spec.name }; let names = monitors.map(\.descriptor.name); lock.unlock()
        guard let c else { throw ComponentError.unknownComponent(kind: .detector, name: spec.name, valid: names, hint: " (chat monitors)") }
        return try c.build(ComponentRegistry.resolve(spec, against: c.descriptor))()
    }
}
