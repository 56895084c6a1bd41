extension TinyLang {
    struct Interpreter {
        let stepLimit: Int
        var variables: [String: Int] = [:]
        var functions: [String: ([String], Expr)] = [:]
        var run = Run()

        init(stepLimit: Int) { self.stepLimit = stepLimit }

        mutating func step() throws {
            run.steps += 1
            if run.steps > stepLimit {
                throw Error(kind: .stepLimit, message: "stopped after \(stepLimit) steps (an endless loop?); make the loop end", offset: nil)
            }
        }

        mutating func execute(_ program: Program) throws { try execute(program.statements) }

        mutating func execute(_ statements: [Statement]) throws {
            for s in statements {
                try step()
                switch s {
                case .assign(let name, let e):
                    let v = try evaluate(e, depth: 0)
                    variables[name] = v
                    run.trace.append("\(name)=\(v)")
                case .print(let e):
                    let v = try evaluate(e, depth: 0)
                    run.output.append(v)
                    run.trace.append("print \(v)")
                case .ifElse(let c, let then, let otherwise):
                    try execute(try evaluate(c, depth: 0) != 0 ? then : otherwise)
                case .whileLoop(let c, let body):
                    while try evaluate(c, depth: 0) != 0 {
                        try step()
                        try execute(body)
                    }
                case .define(let name, let params, let body):
                    functions[name] = (params, body)
                }
            }
        }

        mutating func evaluate(_ e: Expr, depth: Int, locals: [String: Int]? = nil) throws -> Int {
            try step()
            switch e {
            case .number(let n): return n
            case .name(let name):
                if let v = locals?[name] ?? (locals == nil ? variables[name] : nil) { return v }
                let scope = locals == nil ? "" : " (a function sees only its parameters)"
                throw Error(kind: .undefinedName, message: "'\(name)' is used before it is set\(scope)", offset: nil)
            case .negate(let a):
                let (v, o) = (0).subtractingReportingOverflow(try evaluate(a, depth: depth, locals: locals))
                if o { throw overflow() }
                return v
            case .binary(let op, let a, let b):
                let x = try evaluate(a, depth: depth, locals: locals)
                let y = try evaluate(b, depth: depth, locals: locals)
                let r: (partialValue: Int, overflow: Bool)
                switch op {
                case "+": r = x.addingReportingOverflow(y)
                case "-": r = x.subtractingReportingOverflow(y)
                case "*": r = x.multipliedReportingOverflow(by: y)
                default:
                    if y == 0 { throw Error(kind: .divisionByZero, message: "division by zero (\(x) \(op) 0)", offset: nil) }
                    r = op == "/" ? x.dividedReportingOverflow(by: y) : x.remainderReportingOverflow(dividingBy: y)
                }
                if r.overflow { throw overflow() }
                return r.partialValue
            case .compare(let op, let a, let b):
                let x = try evaluate(a, depth: depth, locals: locals)
                let y = try evaluate(b, depth: depth, locals: locals)
                let t: Bool
                switch op {
                case "<": t = x < y
                case "<=": t = x <= y
                case ">": t = x > y
                case ">=": t = x >= y
                case "==": t = x == y
                default: t = x != y
                }
                return t ? 1 : 0
            case .call(let name, let args):
                guard let (params, body) = functions[name] else {
                    throw Error(kind: .undefinedFunction, message: "no function '\(name)'; define it with def \(name)(x)=...", offset: nil)
                }
                guard params.count == args.count else {
                    throw Error(kind: .wrongArgumentCount,
                                message: "\(name) takes \(params.count) argument(s), called with \(args.count)", offset: nil)
                }
                guard depth < maxCallDepth else {
                    throw Error(kind: .callDepth, message: "calls nested deeper than \(maxCallDepth) (endless recursion?)", offset: nil)
                }
                var frame: [String: Int] = [:]
                for (p, a) in zip(params, args) { frame[p] = try evaluate(a, depth: depth, locals: locals) }
                return try evaluate(body, depth: depth + 1, locals: frame)
            }
        }

        func overflow() -> Error {
            Error(kind: .overflow, message: "integer overflow (results must fit in 64 bits)", offset: nil)
        }
    }
}
