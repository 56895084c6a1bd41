import ArgumentParser
import Foundation
import DistillLab

extension DistillLabCommand {
    struct Attacks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the attacker's query strategies and adaptive counters, with their parameters.")

        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() throws {
            let registry = ComponentRegistry.shared
            if json {
                let list = registry.descriptors(.strategy, .counter).map { ComponentListing($0) }
                print(String(decoding: try JSONCoding.pretty(list), as: UTF8.self))
                return
            }
            print("Query strategies (`train --attack name:key=value,…`):")
            printListing(registry.descriptors(.strategy)) { $0.target.isEmpty ? [] : ["queries: " + $0.target] }
            print("\nAdaptive counters (`train --counter name:key=value,…`, repeatable):")
            printListing(registry.descriptors(.counter)) { $0.target.isEmpty ? [] : ["counters: " + $0.target] }
        }
    }
}
