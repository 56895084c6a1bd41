import ArgumentParser
import Foundation
import DistillLab
import DistillChat

extension DistillLabCommand {
    struct Defenses: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the defenses and canaries the oracle can apply, with their parameters and defaults.",
            subcommands: [List.self, Apply.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List every registered defense, canary and extraction detector, and the chat oracle's defenses and monitors (the default).")

            @Flag(help: "Print the list as JSON.")
            var json = false

            func run() throws {
                let registry = ComponentRegistry.shared, chat = ChatComponentRegistry.shared
                if json {
                    // Detectors and monitors: text listing only (the JSON schema is the defenses').
                    let list = registry.descriptors(.defense, .canary).map { ComponentListing($0) }
                        + chat.defenseDescriptors.map { ComponentListing($0, track: "text") }
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
                print("\nText track: chat response defenses (`distill-lab serve --defense name:key=value,…`; repeatable, applied in order):")
                printListing(chat.defenseDescriptors, tags: tags)
                print("\nText track: chat monitors (`distill-lab serve --monitor name:key=value,…`; per account):")
                printListing(chat.monitorDescriptors, tags: { _ in [] })
            }
        }
    }
}
