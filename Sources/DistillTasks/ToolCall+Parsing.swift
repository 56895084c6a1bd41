import Foundation

extension ToolCall {
    /// Every well-formed call in a model's text, in order: each `call:` marker
    /// (any case) followed by `name(arg=value, ...)`, where a value is an integer
    /// (`-12`), a double-quoted string (`"New York"`, `\"` and `\\` escaped), or
    /// a bare word (read as a string). Spaces around names, `=` and `,` are
    /// allowed. A marker not followed by a well-formed call is skipped, so calls
    /// to tools that were never listed (decoys) are found as well as listed ones.
    public static func parseAll(in text: String) -> [ToolCall] {
        let bytes = Array(text.utf8)
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        let key = Array("call:".utf8)
        var calls: [ToolCall] = []
        var i = 0
        while i + key.count <= bytes.count {
            if lower[i..<(i + key.count)].elementsEqual(key) {
                var p = CallParser(bytes: bytes, position: i + key.count)
                if let call = p.call() { calls.append(call); i = p.position; continue }
            }
            i += 1
        }
        return calls
    }

    /// The first well-formed call in `text`, or nil.
    public static func parse(_ text: String) -> ToolCall? { parseAll(in: text).first }
}

/// A small recursive-descent reader over UTF-8 bytes.
private struct CallParser {
    let bytes: [UInt8]
    var position: Int

    mutating func call() -> ToolCall? {
        skipSpaces()
        guard let name = identifier() else { return nil }
        skipSpaces()
        guard take(UInt8(ascii: "(")) else { return nil }
        var args: [ToolCall.Argument] = []
        skipSpaces()
        if take(UInt8(ascii: ")")) { return ToolCall(name, args) }
        while true {
            skipSpaces()
            guard let key = identifier() else { return nil }
            skipSpaces()
            guard take(UInt8(ascii: "=")) || take(UInt8(ascii: ":")) else { return nil }
            skipSpaces()
            guard let value = value() else { return nil }
            args.append(ToolCall.Argument(key, value))
            skipSpaces()
            if take(UInt8(ascii: ",")) { continue }
            if take(UInt8(ascii: ")")) { return ToolCall(name, args) }
            return nil
        }
    }

    mutating func value() -> ToolValue? {
        guard position < bytes.count else { return nil }
        if bytes[position] == UInt8(ascii: "\"") {
            position += 1
            var out: [UInt8] = []
            while position < bytes.count {
                let b = bytes[position]; position += 1
                if b == UInt8(ascii: "\"") { return .string(String(decoding: out, as: UTF8.self)) }
                if b == UInt8(ascii: "\\"), position < bytes.count { out.append(bytes[position]); position += 1; continue }
                if b == UInt8(ascii: "\n") { return nil }
                out.append(b)
            }
            return nil
        }
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        let digitsEnd = position
        // A bare word: letters, digits, '_' '.' '-' (read as a string).
        while position < bytes.count, isWordByte(bytes[position]) { position += 1 }
        guard position > start else { return nil }
        let word = String(decoding: bytes[start..<position], as: UTF8.self)
        if digitsEnd == position, let n = Int(word) { return .int(n) }
        return .string(word)
    }

    mutating func identifier() -> String? {
        let start = position
        while position < bytes.count, isWordByte(bytes[position]), bytes[position] != UInt8(ascii: "-"),
              bytes[position] != UInt8(ascii: ".") {
            if position == start, isDigit(bytes[position]) { return nil }
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    mutating func skipSpaces() { while position < bytes.count, bytes[position] == 32 || bytes[position] == 9 { position += 1 } }
    mutating func take(_ b: UInt8) -> Bool {
        if position < bytes.count, bytes[position] == b { position += 1; return true }
        return false
    }
    func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    func isWordByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45 || b == 46
    }
}

extension ToolDefinition {
    /// The tool definitions listed in a system message, one `name(arg:type,...)`
    /// per line (other lines are ignored): lets the lab check a call against the
    /// tools actually offered, decoys included.
    public static func parseList(_ systemMessage: String) -> [ToolDefinition] {
        systemMessage.split(separator: "\n").compactMap { line -> ToolDefinition? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard let open = t.firstIndex(of: "("), t.hasSuffix(")") else { return nil }
            let name = String(t[..<open])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
            var params: [Parameter] = []
            for part in inner.split(separator: ",", omittingEmptySubsequences: true) {
                let kv = part.split(separator: ":")
                guard kv.count == 2, let type = ToolParameterType(rawValue: kv[1].trimmingCharacters(in: .whitespaces)) else { return nil }
                params.append(Parameter(kv[0].trimmingCharacters(in: .whitespaces), type))
            }
            return ToolDefinition(name, params)
        }
    }
}
