import PackagePlugin

/// Lists a module's built-in components at build time, so that adding one
/// touches only the file that declares it (`static let component = Component<…>`
/// or `static let components: [Component<…>]` in a top-level type or extension).
/// The generated `ComponentCatalogue` enum holds one array per component type.
@main
struct ComponentCataloguePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        // The tools version is 5.9, so the `Path` API (its URL twins start at 6.0).
        let sources = module.sourceFiles(withSuffix: "swift").map(\.path).sorted { $0.string < $1.string }
        let output = context.pluginWorkDirectory.appending("ComponentCatalogue.swift")
        return [.buildCommand(displayName: "Cataloguing the components of \(target.name)",
                              executable: try context.tool(named: "ComponentCatalogueTool").path,
                              arguments: [target.name, output.string] + sources.map(\.string),
                              inputFiles: sources, outputFiles: [output])]
    }
}
