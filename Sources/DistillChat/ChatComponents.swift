import Foundation
import DistillLab

/// Makes one oracle's instance of a monitor (monitors keep per-account state).
public typealias ChatMonitorMaker = () -> ChatMonitor

/// A chat component is a lab `Component` whose product is a chat defense's
/// fitter or a monitor's maker: declared once next to its type with the lab's
/// `Parameter`s, and registered in the one `ComponentRegistry`.
public typealias ChatComponent<Product> = Component<Product>

extension Component where Product == ChatDefenseFitter {
    /// A chat defense with nothing to fit: `make` builds one oracle's instance.
    public static func transform(_ descriptor: ComponentDescriptor,
                                 make: @escaping @Sendable (ResolvedParameters, ChatDefenseContext) throws -> ChatResponseDefense) -> Component {
        Component(descriptor) { p in { context in _ = try make(p, context); return { try make(p, context) } } }
    }
}

/// The text oracle's view of the one `ComponentRegistry`: its chat response
/// defenses (descriptor kind `.defense`) and chat monitors (kind `.detector`),
/// by name, with the lab's spec syntax (`logprob-cap:top=3`), checks and
/// errors. They are kept out of the classifier's `--defense` namespace (their
/// products differ), so a chat defense may share a classifier defense's name.
/// A plug-in registers its own with `register(_:)` (or through its catalogue)
/// before it starts the server.
public final class ChatComponentRegistry: @unchecked Sendable {
    /// The view of `ComponentRegistry.shared`, with the built-ins registered in it.
    public static let shared = ChatComponentRegistry(registry: .shared, builtins: true)

    /// The built-ins: this module's `static let component`s, gathered at build
    /// time by the ComponentCatalogue plug-in.
    public static var builtinDefenses: [ChatComponent<ChatDefenseFitter>] { ComponentCatalogue.chatComponentChatDefenseFitter }
    public static var builtinMonitors: [ChatComponent<ChatMonitorMaker>] { ComponentCatalogue.chatComponentChatMonitorMaker }

    /// The registry this view reads and writes.
    public let registry: ComponentRegistry

    /// - Parameter builtins: register the built-ins in `registry` (by name, as the lab lists its own).
    public init(registry: ComponentRegistry = ComponentRegistry(), builtins: Bool = false) {
        self.registry = registry
        guard builtins else { return }
        // Built-ins have distinct names, so registering them cannot fail.
        for c in Self.builtinDefenses.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! registry.register(track: c) }
        for c in Self.builtinMonitors.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! registry.register(track: c) }
    }

    /// - Throws: `ComponentError.duplicate` when a chat defense of that name exists.
    /// - Precondition: the descriptor's kind is `.defense`.
    public func register(_ c: ChatComponent<ChatDefenseFitter>) throws {
        precondition(c.descriptor.kind == .defense, "a chat defense's descriptor has kind .defense")
        try registry.register(track: c)
    }

    /// - Throws: `ComponentError.duplicate` when a chat monitor of that name exists.
    /// - Precondition: the descriptor's kind is `.detector`.
    public func register(_ c: ChatComponent<ChatMonitorMaker>) throws {
        precondition(c.descriptor.kind == .detector, "a chat monitor's descriptor has kind .detector")
        try registry.register(track: c)
    }

    public var defenseDescriptors: [ComponentDescriptor] { registry.components(ChatDefenseFitter.self).map(\.descriptor) }
    public var monitorDescriptors: [ComponentDescriptor] { registry.components(ChatMonitorMaker.self).map(\.descriptor) }

    /// A chat defense fitted to `context`, from a spec such as `logprob-cap:top=3`.
    /// - Throws: `ComponentError` for an unknown name, an unknown parameter or an invalid value.
    public func makeDefense(_ spec: ComponentSpec, context: ChatDefenseContext) throws -> ChatResponseDefense {
        try registry.make(spec, ChatDefenseFitter.self, kind: .defense, hint: " (chat defenses)")(context)()
    }

    /// A fresh monitor from a spec such as `rate:requests=10,seconds=60`.
    /// - Throws: `ComponentError` for an unknown name, an unknown parameter or an invalid value.
    public func makeMonitor(_ spec: ComponentSpec) throws -> ChatMonitor {
        try registry.make(spec, ChatMonitorMaker.self, kind: .detector, hint: " (chat monitors)")()
    }
}
