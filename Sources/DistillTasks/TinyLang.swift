/// The coding suite's tiny language: integers, variables, arithmetic,
/// comparisons, `if`/`else`, `while`, `print` and one-line functions.
///
///     x=47;y=x*3-5;if y>100 {y=y-100} else {y=y+1};print y
///     def f(x)=(x+7)*3
///
/// Statements are separated by `;` or newlines; blocks are in braces.
/// Expressions: integer literals, names, calls `f(a,b)`, unary `-`, `* / %`,
/// `+ -`, and one comparison `< <= > >= == !=` (1 for true, 0 for false);
/// `if` and `while` take any non-zero value as true. `/` and `%` truncate toward
/// zero (as Swift does). Arithmetic is 64-bit and overflow is an error, as are
/// division by zero, unknown names, wrong argument counts and running more than
/// `stepLimit` steps (a step is one statement or one expression node), which cuts
/// infinite loops and runaway recursion.
public enum TinyLang {
    /// Steps a program may take before it is stopped.
    public static let defaultStepLimit = 10_000
    /// Nested function calls allowed (well below what the native stack holds).
    public static let maxCallDepth = 64

    public indirect enum Expr: Equatable, Sendable {
        case number(Int)
        case name(String)
        case negate(Expr)
        case binary(Character, Expr, Expr)  // + - * / %
        case compare(String, Expr, Expr)    // < <= > >= == !=
        case call(String, [Expr])
    }

    public indirect enum Statement: Equatable, Sendable {
        case assign(String, Expr)
        case print(Expr)
        case ifElse(Expr, [Statement], [Statement])
        case whileLoop(Expr, [Statement])
        case define(String, [String], Expr)
    }

    /// A parsed program.
    public struct Program: Equatable, Sendable {
        public var statements: [Statement]
    }

    /// What a run did: printed values in order, and a trace of every executed
    /// assignment and print (the worked steps of the coding suite's answers).
    public struct Run: Equatable, Sendable {
        public var output: [Int] = []
        public var trace: [String] = []
        public var steps = 0
    }

    /// A program that cannot be read or run; `offset` is the byte offset in the
    /// source where reading failed (nil for run-time errors).
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public enum Kind: Equatable, Sendable {
            case unexpectedCharacter, unexpectedToken, undefinedName, undefinedFunction, wrongArgumentCount,
                 divisionByZero, overflow, stepLimit, callDepth, numberTooLarge
        }
        public var kind: Kind
        public var message: String
        public var offset: Int?
        public var description: String {
            "TinyLang: " + message + (offset.map { " (at byte \($0))" } ?? "")
        }
    }

    /// Parses and runs `source`.
    /// - Throws: `TinyLang.Error` for a program that does not parse or fails.
    public static func run(_ source: String, stepLimit: Int = defaultStepLimit) throws -> Run {
        var interpreter = Interpreter(stepLimit: stepLimit)
        try interpreter.execute(try parse(source))
        return interpreter.run
    }

    /// Parses a one-line function definition `def f(x)=expr` (the whole text,
    /// spaces allowed) and returns its name, parameters and body.
    /// - Throws: `TinyLang.Error` when `source` is not exactly one definition.
    public static func parseFunction(_ source: String) throws -> (name: String, parameters: [String], body: Expr) {
        let program = try parse(source)
        guard program.statements.count == 1, case let .define(name, params, body) = program.statements[0] else {
            throw Error(kind: .unexpectedToken, message: "expected one definition like def f(x)=x*2+1", offset: 0)
        }
        return (name, params, body)
    }

    /// Calls the function defined by `definition` (`def f(x)=...`) on `arguments`.
    /// - Throws: `TinyLang.Error` on a parse or run-time error or an arity mismatch.
    public static func call(_ definition: String, with arguments: [Int], stepLimit: Int = defaultStepLimit) throws -> Int {
        let f = try parseFunction(definition)
        guard f.parameters.count == arguments.count else {
            throw Error(kind: .wrongArgumentCount,
                        message: "\(f.name) takes \(f.parameters.count) argument(s), called with \(arguments.count)", offset: nil)
        }
        var interpreter = Interpreter(stepLimit: stepLimit)
        interpreter.functions[f.name] = (f.parameters, f.body)
        return try interpreter.evaluate(.call(f.name, arguments.map { .number($0) }), depth: 0)
    }
}
