import ArgumentParser
import Foundation
import DistillLab

extension DistillLabCommand {
    struct Defenses: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the defenses and canaries the oracle can apply, with their parameters and defaults.",
            subcommands: [List.self, Apply.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List every registered defense, canary and extraction detector (the default).")

            @Flag(help: "Print the list as JSON.")
            var json = false

            func run() throws {
                let registry = ComponentRegistry.shared
                if json {
                    let list = registry.descriptors(.defense, .canary).map(ComponentListing.init)  // detectors: text listing only (the JSON schema is the defenses')
                    print(String(decoding: try JSONCoding.pretty(list), as: UTF8.self))
                    return
                }
                print("Defenses (use with `distill-lab train --defense name:key=value,…`; repeat --defense to compose in order):")
                let tags = { (d: ComponentDescriptor) -> [String] in
                    (d.argmaxPreserving ? ["keeps top-1"] : []) + (d.randomized ? ["randomised"] : [])
                }
                printListing(registry.descriptors(.defense), tags: tags)
                print("\nCanaries (also `--defense`; each run verifies its students and innocent controls):")
                printListing(registry.descriptors(.canary), tags: tags)
                print("\nExtraction detectors (`distill-lab train --detector`, or `evaluation.detector: name:key=value,…` in a file;")
                print("benign clients' traffic goes through them too, for the false-positive rate):")
                printListing(registry.descriptors(.detector), tags: { _ in [] })
                print("\nTraining-time defense: `distill-lab train --nasty-teacher` (Ma et al. 2021).")
            }
        }
    }
}
