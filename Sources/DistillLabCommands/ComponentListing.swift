import Foundation
import DistillLab

/// One component as `distill-lab defenses --json` / `attacks --json` print it.
struct ComponentListing: Codable {
    var kind: String, name: String, summary: String, reference: String
    /// "classifier" (the probability oracle) or "text" (the chat oracle's defenses and monitors).
    var track: String
    var argmaxPreserving: Bool?, randomized: Bool?, target: String?
    var parameters: [ComponentParameter]

    init(_ d: ComponentDescriptor, track: String = "classifier") {
        kind = d.kind.rawValue; name = d.name; summary = d.summary; reference = d.reference; self.track = track
        let isDefense = d.kind == .defense || d.kind == .canary
        argmaxPreserving = isDefense ? d.argmaxPreserving : nil
        randomized = isDefense ? d.randomized : nil
        target = isDefense || d.target.isEmpty ? nil : d.target
        parameters = d.parameters.map(ComponentParameter.init)
    }
}

/// Prints the descriptors as the listings show them: name and tags, summary,
/// one line per parameter (`name=default  type, valid values — doc`), reference.
func printListing(_ descriptors: [ComponentDescriptor], tags: (ComponentDescriptor) -> [String]) {
    for d in descriptors {
        let t = tags(d)
        print("\n  \(d.name)" + (t.isEmpty ? "" : "  [\(t.joined(separator: ", "))]"))
        print("    \(d.summary)")
        for p in d.parameters {
            print("    \(p.name)=\(p.defaultText)".padding(toLength: 30, withPad: " ", startingAt: 0) + "  \(p.summary) (\(p.expected))")
        }
        print("    reference: \(d.reference)")
    }
}
