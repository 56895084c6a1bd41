extension TinyLang {
    /// Parses `source` into a program.
    /// - Throws: `TinyLang.Error` naming the first unexpected character or token.
    public static func parse(_ source: String) throws -> Program {
        var p = Parser(tokens: try tokenize(source))
        let statements = try p.block(until: .end)
        return Program(statements: statements)
    }

    struct Parser {
        let tokens: [(Token, Int)]
        var i = 0
        var token: Token { tokens[i].0 }
        var offset: Int { tokens[i].1 }

        mutating func advance() { if i < tokens.count - 1 { i += 1 } }
        func fail(_ expected: String) -> Error {
            Error(kind: .unexpectedToken, message: "expected \(expected), found \(token.text)", offset: offset)
        }
        mutating func expect(_ symbol: String) throws {
            guard token == .symbol(symbol) else { throw fail("'\(symbol)'") }
            advance()
        }
        mutating func skipSeparators() { while token == .separator { advance() } }

        /// Statements up to `terminator` (not consumed).
        mutating func block(until terminator: Token) throws -> [Statement] {
            var out: [Statement] = []
            skipSeparators()
            while token != terminator {
                if token == .end { throw fail(terminator.text) }
                out.append(try statement())
                guard token == .separator || token == terminator else { throw fail("';' or a newline between statements") }
                skipSeparators()
            }
            return out
        }

        mutating func braced() throws -> [Statement] {
            try expect("{")
            let body = try block(until: .symbol("}"))
            try expect("}")
            return body
        }

        mutating func statement() throws -> Statement {
            switch token {
            case .keyword("print"):
                advance(); return .print(try expression())
            case .keyword("if"):
                advance()
                let condition = try expression()
                let then = try braced()
                var otherwise: [Statement] = []
                if token == .keyword("else") { advance(); otherwise = try braced() }
                return .ifElse(condition, then, otherwise)
            case .keyword("while"):
                advance()
                let condition = try expression()
                return .whileLoop(condition, try braced())
            case .keyword("def"):
                advance()
                guard case .name(let name) = token else { throw fail("a function name after def") }
                advance()
                try expect("(")
                var params: [String] = []
                if token != .symbol(")") {
                    while true {
                        guard case .name(let p) = token else { throw fail("a parameter name") }
                        params.append(p); advance()
                        if token == .symbol(",") { advance(); continue }
                        break
                    }
                }
                try expect(")")
                try expect("=")
                return .define(name, params, try expression())
            case .name(let name):
                advance()
                try expect("=")
                return .assign(name, try expression())
            default:
                throw fail("a statement (name=..., print, if, while or def)")
            }
        }

        mutating func expression() throws -> Expr {
            let left = try additive()
            if case .symbol(let s) = token, ["<", "<=", ">", ">=", "==", "!="].contains(s) {
                advance()
                return .compare(s, left, try additive())
            }
            return left
        }

        mutating func additive() throws -> Expr {
            var e = try term()
            while case .symbol(let s) = token, s == "+" || s == "-" {
                advance(); e = .binary(Character(s), e, try term())
            }
            return e
        }

        mutating func term() throws -> Expr {
            var e = try unary()
            while case .symbol(let s) = token, s == "*" || s == "/" || s == "%" {
                advance(); e = .binary(Character(s), e, try unary())
            }
            return e
        }

        mutating func unary() throws -> Expr {
            if token == .symbol("-") { advance(); return .negate(try unary()) }
            return try primary()
        }

        mutating func primary() throws -> Expr {
            switch token {
            case .number(let n): advance(); return .number(n)
            case .name(let name):
                advance()
                guard token == .symbol("(") else { return .name(name) }
                advance()
                var args: [Expr] = []
                if token != .symbol(")") {
                    while true {
                        args.append(try expression())
                        if token == .symbol(",") { advance(); continue }
                        break
                    }
                }
                try expect(")")
                return .call(name, args)
            case .symbol("("):
                advance()
                let e = try expression()
                try expect(")")
                return e
            default:
                throw fail("a number, a name or '('")
            }
        }
    }
}
