import ArgumentParser
import Foundation
import DistillLab

extension DistillLabCommand {
    struct Defenses: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the defenses the oracle can apply, with their parameters and defaults.")

        @Flag(help: "Print the list as JSON.")
        var json = false

        struct Listing: Codable {
            var name: String, summary: String, argmaxPreserving: Bool, randomized: Bool, reference: String
            var parameters: [DefenseParameter]
        }

        func run() throws {
            let entries = DefenseRegistry.entries.map(\.descriptor)
            if json {
                let list = entries.map { Listing(name: $0.name, summary: $0.summary, argmaxPreserving: $0.argmaxPreserving,
                                                 randomized: $0.randomized, reference: $0.reference, parameters: $0.parameters) }
                print(String(decoding: try JSONCoding.pretty(list), as: UTF8.self))
                return
            }
            print("Defenses (use with `distill-lab train --defense name:key=value,…`; repeat --defense to compose in order):")
            for d in entries {
                var tags: [String] = []
                if d.argmaxPreserving { tags.append("keeps top-1") }
                if d.randomized { tags.append("randomised") }
                print("\n  \(d.name)" + (tags.isEmpty ? "" : "  [\(tags.joined(separator: ", "))]"))
                print("    \(d.summary)")
                for p in d.parameters {
                    print("    \(p.name)=\(p.defaultValue)".padding(toLength: 30, withPad: " ", startingAt: 0) + "  \(p.summary)")
                }
                print("    reference: \(d.reference)")
            }
            print("\nTraining-time defense: `distill-lab train --nasty-teacher` (Ma et al. 2021).")
        }
    }
}
