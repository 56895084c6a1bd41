import Foundation
import DistillCore

/// Short programs in `TinyLang`, in two kinds of task (half each):
///
/// - **output**: "Give the output." and a program; the reference traces every
///   assignment and print, then gives the printed values on the answer line:
///
///       user:      a=47;b=a*3-5;print b+a
///       assistant: a=47
///                  b=136
///                  print 183
///                  answer: 183
///
/// - **function**: "Write a one-line function." and a specification in words;
///   the reference is a definition such as `def f(x)=(x+7)*3`, and an answer is
///   graded by running it on the example's `testInputs` with the interpreter
///   (any definition computing the same values passes).
///
/// Difficulty:
/// - 1: programs of 2 statements; one-argument specifications;
/// - 2 (default): 3 statements;
/// - 3: 4 statements, one an `if`/`else`; two-argument specifications too;
/// - 4: a `while` loop (at most 4 iterations) and 4-5 statements;
/// - 5: a helper function, a loop and an `if`.
public struct CodingSuite: TaskSuite {
    public let name = "coding"
    public let difficulty: Int
    public static let outputPrompt = "Give the output."
    public static let functionPrompt = "Write a one-line function."

    /// - Throws: `TaskSuiteError` when `difficulty` is outside 1...5.
    public init(difficulty: Int = 2) throws {
        guard taskDifficultyRange.contains(difficulty) else { throw TaskSuiteError.difficulty("coding", difficulty) }
        self.difficulty = difficulty
    }

    public func draw(_ stream: inout RandomStream) -> TaskExample {
        stream.int(below: 2) == 0 ? drawOutputTask(&stream) : drawFunctionTask(&stream)
    }

    // MARK: output tasks

    func drawOutputTask(_ s: inout RandomStream) -> TaskExample {
        while true {
            let source = program(&s)
            // Generated programs always parse; drop the rare one whose run fails
            // (division by zero) or whose trace is too long for the default layout.
            guard let run = try? TinyLang.run(source), !run.output.isEmpty, run.trace.count <= 12 else { continue }
            let answer = run.output.map(String.init).joined(separator: " ")
            let lines = run.trace + ["answer: \(answer)"]
            return TaskExample(id: "", suite: name, split: .train, difficulty: difficulty,
                               messages: [ChatMessage(.system, Self.outputPrompt), ChatMessage(.user, source)],
                               turns: [ChatMessage(.assistant, lines.joined(separator: "\n"))],
                               finalAnswer: answer)
        }
    }

    /// A program for the current difficulty (statements joined by ';').
    func program(_ s: inout RandomStream) -> String {
        var names = Array("abcdmnxyz").map(String.init)
        s.shuffle(&names)
        let (a, b, c) = (names[0], names[1], names[2])
        func lit() -> Int { 2 + s.int(below: 98) }
        func small() -> Int { 2 + s.int(below: 8) }
        /// `x op y` with a small right operand for products (keeps values short).
        func binary(_ x: String, _ y: @autoclosure () -> String, _ smallRight: @autoclosure () -> String) -> String {
            switch s.int(below: 3) {
            case 0: return "\(x)+\(y())"
            case 1: return "\(x)-\(y())"
            default: return "\(x)*\(smallRight())"
            }
        }
        switch difficulty {
        case 1:
            return "\(a)=\(binary("\(lit())", "\(lit())", "\(small())"));print \(binary(a, "\(lit())", "\(small())"))"
        case 2:
            let last = s.int(below: 2) == 0 ? "print \(b)+\(a)" : "print \(b)-\(a)"
            return "\(a)=\(binary("\(lit())", "\(lit())", "\(small())"));\(b)=\(binary(a, "\(lit())", "\(small())"));\(last)"
        case 3:
            let k = 10 + s.int(below: 190)
            return "\(a)=\(binary("\(lit())", "\(lit())", "\(small())"));\(b)=\(binary(a, "\(lit())", "\(small())"));"
                + "if \(b)>\(k) {\(b)=\(b)-\(lit())} else {\(b)=\(b)+\(lit())};print \(b)"
        case 4:
            let start = lit(), n = 2 + s.int(below: 3)
            return "\(a)=\(start);\(b)=0;while \(b)<\(n) {\(a)=\(binary(a, "\(lit())", "2"));\(b)=\(b)+1};print \(a)"
        default:
            let m = small(), k = lit(), n = 2 + s.int(below: 2)
            return "def g(x)=x*\(m)-\(k);\(a)=\(lit());\(c)=0;while \(c)<\(n) {\(a)=g(\(a))%1000;\(c)=\(c)+1};"
                + "if \(a)>\(lit() * 5) {\(b)=\(a)-\(lit())} else {\(b)=\(a)+\(lit())};print \(b)"
        }
    }

    // MARK: function tasks

    /// A specification in words and the body that meets it (A, B are constants).
    struct Template { let words: String; let body: String; let arity: Int }
    static let templates1: [Template] = [
        .init(words: "add A to x, then multiply by B", body: "(x+A)*B", arity: 1),
        .init(words: "multiply x by A, then add B", body: "x*A+B", arity: 1),
        .init(words: "multiply x by A, then subtract B", body: "x*A-B", arity: 1),
        .init(words: "subtract A from x, then multiply by B", body: "(x-A)*B", arity: 1),
        .init(words: "square x, then add A", body: "x*x+A", arity: 1),
        .init(words: "double x, then subtract A", body: "x*2-A", arity: 1),
        .init(words: "triple x, then add A", body: "x*3+A", arity: 1),
        .init(words: "the remainder of x divided by A", body: "x%A", arity: 1),
        .init(words: "A minus x, times B", body: "(A-x)*B", arity: 1),
        .init(words: "x divided by A, then plus B", body: "x/A+B", arity: 1),
        .init(words: "cube x, then subtract A", body: "x*x*x-A", arity: 1),
        .init(words: "x squared minus A times x", body: "x*x-A*x", arity: 1),
    ]
    static let templates2: [Template] = [
        .init(words: "x times y, plus A", body: "x*y+A", arity: 2),
        .init(words: "the sum of x and y, times A", body: "(x+y)*A", arity: 2),
        .init(words: "A times x, minus y", body: "A*x-y", arity: 2),
        .init(words: "x minus y, squared", body: "(x-y)*(x-y)", arity: 2),
        .init(words: "x plus B times y", body: "x+B*y", arity: 2),
    ]
    static let fixedInputs1: [[Int]] = [[-7], [-1], [0], [1], [2], [3], [10], [57], [123], [250], [-131]]  // large ones tell x%67 from x%68
    static let fixedInputs2: [[Int]] = [[0, 0], [1, 2], [2, 1], [-3, 4], [5, -6], [10, 3], [7, 7], [31, 12]]

    func drawFunctionTask(_ s: inout RandomStream) -> TaskExample {
        let pool = difficulty >= 3 ? Self.templates1 + Self.templates2 : Self.templates1
        let t = s.pick(pool)
        let a = 2 + s.int(below: 98), b = 2 + s.int(below: 18)
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "A", with: "\(a)").replacingOccurrences(of: "B", with: "\(b)")
        }
        let params = t.arity == 1 ? "x" : "x,y"
        let definition = "def f(\(params))=\(fill(t.body))"
        var inputs = t.arity == 1 ? Self.fixedInputs1 : Self.fixedInputs2
        for _ in 0..<2 { inputs.append((0..<t.arity).map { _ in s.int(below: 201) - 100 }) }
        return TaskExample(id: "", suite: name, split: .train, difficulty: difficulty,
                           messages: [ChatMessage(.system, Self.functionPrompt), ChatMessage(.user, "f(\(params)): \(fill(t.words))")],
                           turns: [ChatMessage(.assistant, definition)],
                           finalAnswer: definition, testInputs: inputs)
    }

    /// The last `def ...` line in `text` (from `def` to the end of the line), or nil.
    public static func functionDefinition(in text: String) -> String? {
        guard let r = text.range(of: "def ", options: .backwards) else { return nil }
        let line = text[r.lowerBound...].split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return trimAnswer(String(line))
    }

    /// The graded part: the last `answer:` line or `def` line, whichever is later.
    public func finalAnswer(in text: String) -> String? {
        let answer = text.range(of: "answer:", options: [.caseInsensitive, .backwards])
        let def = text.range(of: "def ", options: .backwards)
        if let d = def, answer.map({ d.lowerBound > $0.lowerBound }) ?? true { return Self.functionDefinition(in: text) }
        return answerLine(in: text)
    }

    /// Output tasks: the last `answer:` line equals the printed values. Function
    /// tasks: the last `def` line defines `f` with the right arity, and it returns
    /// the reference's value on every test input (an answer that fails to parse or
    /// to run, e.g. by dividing by zero where the reference does not, is wrong).
    public func grade(response: String, example: TaskExample) -> Bool {
        guard let inputs = example.testInputs else { return answerLine(in: response) == example.finalAnswer }
        guard let answer = Self.functionDefinition(in: response),
              let f = try? TinyLang.parseFunction(answer), f.name == "f" else { return false }
        for input in inputs {
            guard let want = try? TinyLang.call(example.finalAnswer, with: input),
                  let got = try? TinyLang.call(answer, with: input), got == want else { return false }
        }
        return true
    }
}
