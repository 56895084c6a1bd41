extension TinyLang {
    enum Token: Equatable {
        case number(Int), name(String), keyword(String), symbol(String), separator, end
        var text: String {
            switch self {
            case .number(let n): return String(n)
            case .name(let s), .keyword(let s), .symbol(let s): return "'\(s)'"
            case .separator: return "';' or a newline"
            case .end: return "the end of the program"
            }
        }
    }

    static let keywords: Set<String> = ["print", "if", "else", "while", "def"]

    /// The tokens of `source` with their byte offsets.
    static func tokenize(_ source: String) throws -> [(Token, Int)] {
        let b = Array(source.utf8)
        var tokens: [(Token, Int)] = []
        var i = 0
        func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while i < b.count {
            let c = b[i]
            if c == 32 || c == 9 || c == 13 { i += 1; continue }
            if c == 10 || c == UInt8(ascii: ";") { tokens.append((.separator, i)); i += 1; continue }
            if isDigit(c) {
                let start = i
                var n = 0
                while i < b.count, isDigit(b[i]) {
                    let (m, o1) = n.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(Int(b[i] - 48))
                    if o1 || o2 { throw Error(kind: .numberTooLarge, message: "number too large for 64 bits; use smaller literals", offset: start) }
                    n = s; i += 1
                }
                tokens.append((.number(n), start)); continue
            }
            if isLetter(c) {
                let start = i
                while i < b.count, isLetter(b[i]) || isDigit(b[i]) { i += 1 }
                let word = String(decoding: b[start..<i], as: UTF8.self)
                tokens.append((keywords.contains(word) ? .keyword(word) : .name(word), start)); continue
            }
            if i + 1 < b.count {
                let two = String(decoding: b[i...(i + 1)], as: UTF8.self)
                if ["<=", ">=", "==", "!="].contains(two) { tokens.append((.symbol(two), i)); i += 2; continue }
            }
            let one = String(decoding: b[i...i], as: UTF8.self)
            if "+-*/%()<>={},".contains(one) { tokens.append((.symbol(one), i)); i += 1; continue }
            let shown = c >= 32 && c < 127 ? "'\(one)'" : "byte 0x" + String(c, radix: 16)
            throw Error(kind: .unexpectedCharacter,
                        message: "unexpected character \(shown); programs use names, integers and + - * / % ( ) { } = < > ! , ;",
                        offset: i)
        }
        tokens.append((.end, b.count))
        return tokens
    }
}
