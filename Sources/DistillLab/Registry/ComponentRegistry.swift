import Foundation

/// A defense with checked parameters, fitted to a teacher once per run:
/// whatever it trains or calibrates on the owner's side happens in `fit`,
/// and the returned maker gives each oracle a fresh, cheap instance (its own
/// canary log and scratch buffers, the fitted models shared). ART's split
/// between `fit` and answering.
public typealias DefenseFitter = (DefenseContext) throws -> DefenseMaker
/// Makes one oracle's instance of a fitted defense.
public typealias DefenseMaker = () throws -> ResponseDefense

/// Every component the lab knows, of every kind, by name: the built-ins and
/// whatever a plug-in registers before it runs the commands.
///
/// A component is declared once, next to its type (`static let component`):
/// its parameters, their defaults and ranges, its doc and reference. The
/// listings, the config checks, the validation and the resolved specs saved
/// in `config.yaml` all come from that declaration.
public final class ComponentRegistry: @unchecked Sendable {
    /// The registry the commands, experiments and sweeps use.
    public static let shared = ComponentRegistry(builtins: true)

    private let lock = NSLock()
    private var order: [ComponentKind: [String]] = [:]
    private var defenses: [String: Component<DefenseFitter>] = [:]
    private var strategies: [String: Component<QueryStrategy>] = [:]
    private var counters: [String: Component<AttackCounter>] = [:]
    private var detectors: [String: Component<ExtractionDetector>] = [:]
    /// Components of products the classifier track does not build (the text track's chat
    /// defenses and monitors), by product type, in registration order.
    private var tracks: [ObjectIdentifier: [Any]] = [:]

    /// - Parameter builtins: start with the lab's own components.
    public init(builtins: Bool = false) {
        guard builtins else { return }
        // Built-ins have distinct names, so registering them cannot fail. They are listed by
        // name, so moving a declaration to another file does not reorder the listings.
        for c in BuiltinComponents.defenses.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! register(c) }
        for c in BuiltinComponents.strategies.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! register(c) }
        for c in BuiltinComponents.counters.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! register(c) }
        for c in BuiltinComponents.detectors.sorted(by: { $0.descriptor.name < $1.descriptor.name }) { try! register(c) }
    }

    // MARK: Registering

    /// Registers a defense or canary (descriptor kind `.defense` or `.canary`).
    /// - Precondition: a canary comes with its evidence reader (`Component(_:evidence:build:)`).
    /// - Throws: `ComponentError.duplicate` if a defense or canary of that name exists.
    public func register(_ component: Component<DefenseFitter>) throws {
        precondition([.defense, .canary].contains(component.descriptor.kind), "a DefenseFitter component must be a defense or canary")
        precondition(component.descriptor.kind != .canary || component.evidence != nil,
                     "a canary needs an evidence reader, so that `distill-lab verify` can read what it saves")
        try add(component.descriptor) { defenses[component.descriptor.name] = component }
    }

    /// Registers every lab component of a build-time catalogue (a plug-in
    /// package applying the `ComponentCatalogue` plug-in passes
    /// `ComponentCatalogue.all`), so adding a component touches only its file.
    /// - Throws: `ComponentError.duplicate` on a name clash.
    /// - Returns: the entries that are not components.
    @discardableResult
    public func register(catalogue: [Any]) throws -> [Any] {
        var rest: [Any] = []
        for entry in catalogue {
            guard let c = entry as? AnyComponent else { rest.append(entry); continue }
            try c.register(in: self)
        }
        return rest
    }

    /// Registers a component of another track's product (the text track's chat
    /// defenses and monitors): same declarations, spec syntax, checks and
    /// errors; its names are its product's own namespace.
    /// - Throws: `ComponentError.duplicate` if one of that product and name exists.
    public func register<Product>(track component: Component<Product>) throws {
        lock.lock(); defer { lock.unlock() }
        let key = ObjectIdentifier(Product.self)
        let taken = tracks[key, default: []].contains { ($0 as? Component<Product>)?.descriptor.name == component.descriptor.name }
        if taken { throw ComponentError.duplicate(kind: component.descriptor.kind, name: component.descriptor.name) }
        tracks[key, default: []].append(component)
    }

    /// The registered components building `Product`, in registration order.
    public func components<Product>(_: Product.Type) -> [Component<Product>] {
        lock.lock(); defer { lock.unlock() }
        return tracks[ObjectIdentifier(Product.self), default: []].compactMap { $0 as? Component<Product> }
    }

    /// Builds the `Product` named by `spec` from its checked parameters.
    /// - Throws: `ComponentError` for an unknown name (`hint` says which list), an unknown parameter or an invalid value.
    public func make<Product>(_ spec: ComponentSpec, _: Product.Type, kind: ComponentKind, hint: String) throws -> Product {
        let all = components(Product.self)
        guard let c = all.first(where: { $0.descriptor.name == spec.name }) else {
            throw ComponentError.unknownComponent(kind: kind, name: spec.name, valid: all.map(\.descriptor.name), hint: hint)
        }
        return try c.build(Self.resolve(spec, against: c.descriptor))
    }

    /// The reader of a registered canary's evidence files, by its name.
    public func evidenceReader(_ method: String) -> CanaryEvidenceReader? {
        lock.lock(); defer { lock.unlock() }
        return defenses[method]?.evidence
    }

    /// Registers a query strategy.
    public func register(_ component: Component<QueryStrategy>) throws {
        precondition(component.descriptor.kind == .strategy, "a QueryStrategy component must have kind .strategy")
        try add(component.descriptor) { strategies[component.descriptor.name] = component }
    }

    /// Registers an extraction detector.
    public func register(_ component: Component<ExtractionDetector>) throws {
        precondition(component.descriptor.kind == .detector, "an ExtractionDetector component must have kind .detector")
        try add(component.descriptor) { detectors[component.descriptor.name] = component }
    }

    /// Registers an adaptive counter.
    public func register(_ component: Component<AttackCounter>) throws {
        precondition(component.descriptor.kind == .counter, "an AttackCounter component must have kind .counter")
        try add(component.descriptor) { counters[component.descriptor.name] = component }
    }

    private func add(_ d: ComponentDescriptor, _ store: () -> Void) throws {
        lock.lock(); defer { lock.unlock() }
        // Defenses and canaries share one namespace (both go in `--defense`).
        let family: [ComponentKind] = d.kind == .defense || d.kind == .canary ? [.defense, .canary] : [d.kind]
        if family.contains(where: { order[$0, default: []].contains(d.name) }) {
            throw ComponentError.duplicate(kind: d.kind, name: d.name)
        }
        order[d.kind, default: []].append(d.name)
        store()
    }

    // MARK: Looking up

    /// The descriptors of `kinds`, in registration order.
    public func descriptors(_ kinds: ComponentKind...) -> [ComponentDescriptor] {
        lock.lock(); defer { lock.unlock() }
        return kinds.flatMap { kind in order[kind, default: []].compactMap { descriptorLocked(kind, $0) } }
    }

    /// The names of `kinds`, in registration order.
    public func names(_ kinds: ComponentKind...) -> [String] {
        lock.lock(); defer { lock.unlock() }
        return kinds.flatMap { order[$0, default: []] }
    }

    /// The descriptor of a defense or canary, a strategy or a counter by name.
    public func descriptor(_ kind: ComponentKind, named name: String) -> ComponentDescriptor? {
        lock.lock(); defer { lock.unlock() }
        return descriptorLocked(kind, name)
    }

    private func descriptorLocked(_ kind: ComponentKind, _ name: String) -> ComponentDescriptor? {
        switch kind {
        case .defense, .canary: return defenses[name].flatMap { $0.descriptor.kind == kind ? $0.descriptor : nil }
        case .strategy: return strategies[name]?.descriptor
        case .counter: return counters[name]?.descriptor
        case .detector: return detectors[name]?.descriptor
        }
    }

    /// A spec checked against its component's declarations, every absent
    /// parameter at its default. `kind` is `.defense` for both defenses and
    /// canaries (they share `--defense`).
    /// - Throws: `ComponentError` for an unknown name, an unknown parameter or an invalid value.
    public func resolve(_ spec: ComponentSpec, kind: ComponentKind) throws -> ResolvedParameters {
        let d: ComponentDescriptor
        switch kind {
        case .defense, .canary:
            guard let found = descriptor(.defense, named: spec.name) ?? descriptor(.canary, named: spec.name) else {
                throw ComponentError.unknownComponent(kind: .defense, name: spec.name, valid: names(.defense, .canary), hint: "")
            }
            d = found
        case .detector:
            guard let found = descriptor(.detector, named: spec.name) else {
                throw ComponentError.unknownComponent(kind: .detector, name: spec.name, valid: names(.detector), hint: "")
            }
            d = found
        case .strategy, .counter:
            guard let found = descriptor(kind, named: spec.name) else {
                let other: ComponentKind = kind == .strategy ? .counter : .strategy
                let hint = names(other).contains(spec.name)
                    ? (kind == .strategy ? " ('\(spec.name)' is a counter; pass it with --counter)" : " ('\(spec.name)' is a query strategy, not a counter)")
                    : ""
                throw ComponentError.unknownComponent(kind: kind, name: spec.name, valid: names(kind), hint: hint)
            }
            d = found
        }
        return try Self.resolve(spec, against: d)
    }

    /// Checks `spec`'s parameters against `descriptor`'s declarations.
    public static func resolve(_ spec: ComponentSpec, against descriptor: ComponentDescriptor) throws -> ResolvedParameters {
        let known = descriptor.parameterNames
        if let unknown = spec.parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw ComponentError.unknownParameter(kind: descriptor.kind, component: spec.name, parameter: unknown, valid: known)
        }
        var values: [String: String] = [:]
        for p in descriptor.parameters {
            guard let text = spec.parameters[p.name] else {
                if let d = p.defaultValue { values[p.name] = d }
                continue
            }
            guard let canonical = p.check(text) else {
                let near = p.choices.flatMap { nearest(text, in: $0) }.map { " (did you mean '\($0)'?)" } ?? ""
                throw ComponentError.invalidValue(kind: descriptor.kind, component: spec.name, parameter: p.name,
                                                  value: p.secret ? "(hidden)" : String(text.prefix(80)), expected: p.expected + near)
            }
            values[p.name] = canonical
        }
        return ResolvedParameters(component: spec.name, values: values)
    }

    // MARK: Building

    /// A defense's fitter, its parameters checked (nothing is trained yet).
    public func defense(_ spec: ComponentSpec) throws -> (spec: ComponentSpec, descriptor: ComponentDescriptor, fit: DefenseFitter) {
        let p = try resolve(spec, kind: .defense)
        lock.lock(); let c = defenses[spec.name]; lock.unlock()
        guard let c else { throw ComponentError.unknownComponent(kind: .defense, name: spec.name, valid: names(.defense, .canary), hint: "") }
        return (p.spec, c.descriptor, try c.build(p))
    }

    /// One instance of a defense fitted to `context` (fits, then makes one
    /// oracle's instance; a run fits once and makes several).
    public func makeDefense(_ spec: ComponentSpec, context: DefenseContext) throws -> ResponseDefense {
        try defense(spec).fit(context)()
    }

    /// A query strategy built from its spec.
    public func strategy(_ spec: ComponentSpec) throws -> QueryStrategy {
        let p = try resolve(spec, kind: .strategy)
        lock.lock(); let c = strategies[spec.name]; lock.unlock()
        return try c!.build(p)
    }

    /// A counter built from its spec.
    public func counter(_ spec: ComponentSpec) throws -> AttackCounter {
        let p = try resolve(spec, kind: .counter)
        lock.lock(); let c = counters[spec.name]; lock.unlock()
        return try c!.build(p)
    }

    /// A fresh detector built from its spec (one per run: it keeps per-client state).
    public func detector(_ spec: ComponentSpec) throws -> ExtractionDetector {
        let p = try resolve(spec, kind: .detector)
        lock.lock(); let c = detectors[spec.name]; lock.unlock()
        return try c!.build(p)
    }

    /// `spec` with every parameter written out (what a rerun needs to be identical).
    public func resolvedSpec(_ spec: ComponentSpec, kind: ComponentKind) throws -> ComponentSpec {
        try resolve(spec, kind: kind).spec
    }
}

extension Component where Product == DefenseFitter {
    /// A defense that needs nothing fitted: `make` builds one oracle's instance
    /// from the parameters and the defense context (for checks against the teacher).
    public static func transform(_ descriptor: ComponentDescriptor, evidence: CanaryEvidenceReader? = nil,
                                 make: @escaping (ResolvedParameters, DefenseContext) throws -> ResponseDefense) -> Component {
        // Fitting builds one instance, so checks against the teacher fail before any query.
        Component(descriptor, evidence: evidence) { p in { context in _ = try make(p, context); return { try make(p, context) } } }
    }
}

/// A component of any product, registrable without knowing the product
/// (what a build-time catalogue holds).
public protocol AnyComponent {
    func register(in registry: ComponentRegistry) throws
}

extension Component: AnyComponent {
    /// The classifier's kinds go to their typed tables; any other product to its track's.
    public func register(in registry: ComponentRegistry) throws {
        switch self {
        case let c as Component<DefenseFitter>: try registry.register(c)
        case let c as Component<QueryStrategy>: try registry.register(c)
        case let c as Component<AttackCounter>: try registry.register(c)
        case let c as Component<ExtractionDetector>: try registry.register(c)
        default: try registry.register(track: self)
        }
    }
}
