import Foundation

// Usage: ComponentCatalogueTool MODULE OUTPUT.swift SOURCE.swift…
// Finds every `static let component = T<P>…` and `static let components: [T<P>]`
// (T = Component or ChatComponent) declared one level inside a top-level type or
// extension, and writes `enum ComponentCatalogue` with one array per T<P>, in
// file and declaration order, and `all` (every one, untyped, for a plug-in's registration). Anything it cannot place is an error naming the line.

struct Failure: Error, CustomStringConvertible { let description: String }

func camel(_ type: String) -> String {
    let parts = type.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    guard let first = parts.first else { return type }
    return first.prefix(1).lowercased() + first.dropFirst() + parts.dropFirst().joined()
}

func catalogue(module: String, _ paths: [String]) throws -> String {
    let typeLine = try Regex(#"^(?:public |internal |package )?(?:final )?(?:struct|class|enum|extension|actor) ([A-Za-z_][A-Za-z0-9_]*)"#)
    let single = try Regex(#"^    (?:public |internal |package )?static let component = ((?:Chat)?Component<[A-Za-z0-9_]+>)"#)
    let many = try Regex(#"^    (?:public |internal |package )?static let components: \[((?:Chat)?Component<[A-Za-z0-9_]+>)\]"#)
    let loose = try Regex(#"^\s*(?:public |internal |package )?static let components?\b"#)
    var lists: [(type: String, entries: [String])] = []
    func add(_ type: String, _ entry: String) {
        if let i = lists.firstIndex(where: { $0.type == type }) { lists[i].entries.append(entry) } else { lists.append((type, [entry])) }
    }
    for path in paths {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var enclosing: String?
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(line)
            if let m = line.firstMatch(of: typeLine) { enclosing = String(m.output[1].substring!) }
            let found: (String, String)?
            if let m = line.firstMatch(of: single) { found = (String(m.output[1].substring!), "[\(enclosing ?? "?").component]") }
            else if let m = line.firstMatch(of: many) { found = (String(m.output[1].substring!), "\(enclosing ?? "?").components") }
            else if line.firstMatch(of: loose) != nil {
                throw Failure(description: "\(path):\(n + 1): a component declaration the catalogue cannot read; write `static let component = Component<…>(…)` or `static let components: [Component<…>] = …` one level inside a top-level type")
            } else { found = nil }
            guard let (type, entry) = found else { continue }
            guard enclosing != nil else { throw Failure(description: "\(path):\(n + 1): a component outside a top-level type or extension") }
            add(type, entry)
        }
    }
    var out = "// Generated at build time by the ComponentCatalogue plug-in from this module's\n// `static let component(s)` declarations. Do not edit: declare a component next to its type.\n\n"
    // Outside the lab's own modules the component types need their imports.
    for (name, prefix) in [("DistillLab", "Component<"), ("DistillChat", "ChatComponent<")]
    where module != name && lists.contains(where: { $0.type.hasPrefix(prefix) }) {
        out += "import \(name)\n"
    }
    if module != "DistillLab" { out += "\n" }
    out += "enum ComponentCatalogue {\n"
    for list in lists {
        out += "    static let \(camel(list.type)): [\(list.type)] = Array([\n"
        for e in list.entries { out += "        \(e),\n" }
        out += "    ].joined())\n"
    }
    let names = lists.map { camel($0.type) + " as [Any]" }.joined(separator: ", ")
    out += "    /// Every component above, for `ComponentRegistry.register(catalogue:)`.\n"
    out += "    static let all: [Any] = [\(names)].flatMap { $0 }\n"
    out += "}\n"
    return out
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: ComponentCatalogueTool MODULE OUTPUT.swift SOURCE.swift…\n".utf8)); exit(2)
}
do {
    let text = try catalogue(module: arguments[0], Array(arguments.dropFirst(2)))
    let url = URL(fileURLWithPath: arguments[1])
    // Never replace a source file: the output is the generated file, or nothing.
    guard url.lastPathComponent == "ComponentCatalogue.swift",
          (try? String(contentsOf: url, encoding: .utf8)).map({ $0.hasPrefix("// Generated at build time by the ComponentCatalogue plug-in") })
            ?? !FileManager.default.fileExists(atPath: url.path) else {
        throw Failure(description: "refusing to write \(url.path): not the catalogue's own output (usage: ComponentCatalogueTool MODULE OUTPUT.swift SOURCE.swift…)")
    }
    // Unchanged output keeps its timestamp, so dependants are not rebuilt.
    if (try? String(contentsOf: url, encoding: .utf8)) != text { try text.write(to: url, atomically: true, encoding: .utf8) }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8)); exit(1)
}
