import DistillLab
import DistillLabCommands

// Register before anything parses a spec: the listings, configs, sweeps and
// reports then know these components like the built-ins. The catalogue is
// every `static let component` of this target, gathered at build time by
// distill-lab's ComponentCatalogue plug-in: a new component is one new file.
do {
    let others = try ComponentRegistry.shared.register(catalogue: ComponentCatalogue.all)
    precondition(others.isEmpty, "this example declares no chat components")
} catch {
    fatalError("\(error)")  // only a name clash with a built-in gets here
}
DistillLabCommand.launch()
