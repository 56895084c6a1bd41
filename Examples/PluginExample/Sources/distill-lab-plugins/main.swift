import DistillLab
import DistillLabCommands

// Register before anything parses a spec: the listings, configs, sweeps and
// reports then know these components like the built-ins.
do {
    try ComponentRegistry.shared.register(ConfidenceCap.component)
    try ComponentRegistry.shared.register(SequentialPoolStrategy.component)
    try ComponentRegistry.shared.register(InputJitter.component)
    try ComponentRegistry.shared.register(EveryNthCanary.component)
} catch {
    fatalError("\(error)")  // only a name clash with a built-in gets here
}
DistillLabCommand.launch()
