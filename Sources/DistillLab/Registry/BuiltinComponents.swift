/// The lab's own components: every `static let component(s)` of this module,
/// gathered at build time by the ComponentCatalogue plug-in, so a new built-in
/// touches only the file that declares it. A plug-in registers its own with `ComponentRegistry.shared.register(_:)`.
enum BuiltinComponents {
    static var defenses: [Component<DefenseFitter>] { ComponentCatalogue.componentDefenseFitter }
    static var strategies: [Component<QueryStrategy>] { ComponentCatalogue.componentQueryStrategy }
    static var counters: [Component<AttackCounter>] { ComponentCatalogue.componentAttackCounter }
    static var detectors: [Component<ExtractionDetector>] { ComponentCatalogue.componentExtractionDetector }
}
