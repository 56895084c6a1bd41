import ArgumentParser
import Foundation
import DistillLab

extension DistillLabCommand {
    struct Attacks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the attacker's query strategies and adaptive counters, with their parameters.")

        func run() throws {
            for role in [AttackRole.strategy, .counter] {
                print(role == .strategy ? "Query strategies (`train --attack name:key=value,…`):" : "\nAdaptive counters (`train --counter name:key=value,…`, repeatable):")
                for d in AttackRegistry.descriptors where d.role == role {
                    print("\n  \(d.name)")
                    print("    \(d.summary)")
                    if !d.target.isEmpty { print("    counters: \(d.target)") }
                    for p in d.parameters {
                        print("    \(p.name)=\(p.defaultValue)".padding(toLength: 30, withPad: " ", startingAt: 0) + "  \(p.summary)")
                    }
                    print("    reference: \(d.reference)")
                }
            }
        }
    }
}
