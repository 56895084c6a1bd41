import Foundation
import Yams
import DistillLab

extension ExperimentFile {
    /// The settings as an experiment file with every value written out (a
    /// run directory keeps it as `config.yaml`; `distill-lab train --config`
    /// reruns it). Schedules with their case's default parameters are written
    /// by name (`schedule: cosine`), defenses as `name:key=value,…`, short
    /// lists of numbers on one line. `parse(yaml(for: s)) == s`.
    public static func yaml(for settings: ExperimentSettings) -> String {
        let header = """
        # distill-lab experiment settings, fully resolved (every default written out).
        # Rerun: distill-lab train --config config.yaml [key.path=value …]

        """
        do {
            let node = try yamlNode(friendly(tree(of: settings), schema: tree(of: schemaExample)))
            return header + (try Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true))
        } catch {
            // Encoding valid settings does not fail; keep the run going with the JSON form (also YAML).
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return header + ((try? encoder.encode(settings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        }
    }

    /// The canonical tree with the friendly spellings the parser accepts.
    static func friendly(_ node: ConfigNode, schema: ConfigNode?) -> ConfigNode {
        let overlay = Overlay(variants: variants, choices: choices, validating: false)
        guard let schema else { return node }
        if let variant = variants.first(where: { $0.matches(schema) }), let pairs = node.pairs, pairs.count == 1,
           let defaults = variant.parameters(of: pairs[0].key), equal(defaults, pairs[0].node) {
            return ConfigNode(.scalar(pairs[0].key, .string))
        }
        if overlay.isDefenseSpec(schema), let spec = try? JSONDecoder().decode(DefenseSpec.self, from: Data(node.json().utf8)) {
            let plain = !spec.name.contains(":") && spec.parameters.allSatisfy { !"=,:".contains(where: $0.key.contains) && !",".contains(where: $0.value.contains) }
            if plain { return ConfigNode(.scalar(spec.description, .string)) }
            return node
        }
        switch (node.value, schema.value) {
        case let (.map(pairs), .map(schemaPairs)):
            return ConfigNode(.map(pairs.map { pair in
                ConfigPair(key: pair.key, keyOrigin: nil,
                           node: friendly(pair.node, schema: schemaPairs.first { $0.key == pair.key }?.node))
            }))
        case let (.list(items), .list(schemaItems)):
            return ConfigNode(.list(items.map { friendly($0, schema: schemaItems.first) }))
        default:
            return node
        }
    }

    /// Whether `text` written plain reads back as the same string (not a number, boolean, null or syntax).
    static func readsBackAsString(_ text: String) -> Bool {
        guard !text.isEmpty, let node = try? Yams.compose(yaml: text) else { return false }
        return node.scalar?.string == text && Tag.Name(rawValue: node.tag.rawValue) == .str
    }

    static func equal(_ a: ConfigNode, _ b: ConfigNode) -> Bool { a.json() == b.json() }

    /// A Yams node: strings quoted only when YAML would read them as something else.
    static func yamlNode(_ node: ConfigNode) throws -> Node {
        switch node.value {
        case .null:
            return Node("null", Tag(.null))
        case let .scalar(text, kind):
            guard kind == .string else { return Node(text, Tag(.implicit), .plain) }
            return Node(text, Tag(.implicit), readsBackAsString(text) ? .plain : .doubleQuoted)
        case let .list(items):
            let nodes = try items.map(yamlNode)
            let flat = items.allSatisfy { if case .scalar(_, let k) = $0.value { return k != .string } else { return false } }
            return Node(nodes, Tag(.implicit), flat ? .flow : .block)
        case let .map(pairs):
            return Node(try pairs.map { (Node($0.key), try yamlNode($0.node)) }, Tag(.implicit), .block)
        }
    }
}
