import DistillTasks

/// The `scratch` answer format: every sum, difference and product by a digit is written out column
/// by column, least-significant digit first, the way a left-to-right decoder can compute it.
///
///     456+789: 6+9+0=15 5+8+1=14 4+7+1=12 =1245
///     1245-123: 5-3-0=02 4-2-0=02 2-1-0=01 1-0-0=01 =1122
///     982*4: 2*4+0=08 8*4+0=32 9*4+3=39 =3928
///
/// Each column shows its two digits, the carry (or borrow) coming in, and two output digits: the
/// carry (borrow) going out, then the result digit. The result after the last `=` is the final
/// carry (when not 0) and the result digits read back most-significant first. The `answer:` line is
/// unchanged, so grading is too. Coding traces get the same treatment after their variables are
/// substituted (`b=a*3` → `b=47*3: 7*3+0=21 4*3+2=14 =141`).
enum ScratchFormat {
    /// The column working of `a op b`, or nil when this format has none (negative operands or
    /// result, a product whose right operand is not one digit, another operator).
    static func columns(_ a: Int, _ op: Character, _ b: Int) -> String? {
        guard a >= 0, b >= 0 else { return nil }
        let da = digits(a), db = digits(b)
        var cols: [String] = []
        var carry = 0
        switch op {
        case "+", "-":
            if op == "-", a < b { return nil }
            for i in 0..<max(da.count, db.count) {
                let x = i < da.count ? da[i] : 0, y = i < db.count ? db[i] : 0
                let out: Int
                if op == "+" {
                    let s = x + y + carry
                    out = s
                    cols.append("\(x)+\(y)+\(carry)=\(out / 10)\(out % 10)")
                    carry = s / 10
                } else {
                    var d = x - y - carry
                    let borrow = d < 0 ? 1 : 0
                    d += 10 * borrow
                    cols.append("\(x)-\(y)-\(carry)=\(borrow)\(d)")
                    carry = borrow
                }
            }
        case "*":
            guard b <= 9 else { return nil }
            for x in da {
                let p = x * b + carry
                cols.append("\(x)*\(b)+\(carry)=\(p / 10)\(p % 10)")
                carry = p / 10
            }
        default:
            return nil
        }
        let result: Int
        switch op {
        case "+": result = a + b
        case "-": result = a - b
        default: result = a * b
        }
        return "\(a)\(op)\(b): " + cols.joined(separator: " ") + " =\(result)"
    }

    /// Digits of `n` (≥ 0), least-significant first; `[0]` for 0.
    static func digits(_ n: Int) -> [Int] {
        var n = n, d: [Int] = []
        repeat { d.append(n % 10); n /= 10 } while n > 0
        return d
    }

    /// A reasoning answer with each `a op b=r` step line replaced by its columns.
    static func reasoning(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let step = parseStep(Substring(line)), let c = columns(step.a, step.op, step.b), step.r == eval(step) else {
                return String(line)
            }
            return c
        }.joined(separator: "\n")
    }

    /// `a op b=r` with non-negative integers, or nil.
    static func parseStep(_ line: Substring) -> (a: Int, op: Character, b: Int, r: Int)? {
        guard let eq = line.firstIndex(of: "="), let r = Int(line[line.index(after: eq)...]) else { return nil }
        let lhs = line[..<eq]
        guard let opIndex = lhs.dropFirst().firstIndex(where: { "+-*".contains($0) }),
              let a = Int(lhs[..<opIndex]), let b = Int(lhs[lhs.index(after: opIndex)...]) else { return nil }
        return (a, lhs[opIndex], b, r)
    }

    static func eval(_ s: (a: Int, op: Character, b: Int, r: Int)) -> Int {
        switch s.op { case "+": return s.a + s.b; case "-": return s.a - s.b; default: return s.a * s.b }
    }

    /// A coding output task's trace with each straight-line statement's operation substituted and
    /// worked in columns. Programs with control flow (trace lines that do not match the statements
    /// one to one) keep the reference trace.
    static func codingTrace(program: String, trace text: String) -> String {
        let statements = program.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == statements.count + 1, lines.last?.hasPrefix("answer:") == true else { return text }
        var env: [String: Int] = [:]
        for (i, st) in statements.enumerated() {
            let line = lines[i]
            // The statement's target ("a" or "print") and expression; the trace line's value.
            let target: String, expr: String
            if st.hasPrefix("print ") {
                target = "print "; expr = String(st.dropFirst(6))
                guard line.hasPrefix("print ") else { return text }
            } else if let eq = st.firstIndex(of: "="), !st.hasPrefix("def ") {
                let name = String(st[..<eq])
                target = name + "="; expr = String(st[st.index(after: eq)...])
                guard line.hasPrefix(target) else { return text }
            } else { return text }
            guard let value = Int(line.dropFirst(target.count)) else { return text }
            defer { if !target.hasPrefix("print") { env[String(target.dropLast())] = value } }
            guard let opIndex = expr.dropFirst().firstIndex(where: { "+-*".contains($0) }) else { continue }
            func operand(_ s: Substring) -> Int? { Int(s) ?? env[String(s)] }
            // The operands' values before this statement (env is updated by the defer above).
            guard let a = operand(expr[..<opIndex]), let b = operand(expr[expr.index(after: opIndex)...]),
                  eval((a, expr[opIndex], b, 0)) == value else { continue }
            let shown = columns(a, expr[opIndex], b) ?? "\(a)\(expr[opIndex])\(b)=\(value)"
            lines[i] = target + shown
        }
        return lines.joined(separator: "\n")
    }
}
