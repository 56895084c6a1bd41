import DistillCore

/// Multi-step integer arithmetic with worked steps.
///
/// The user asks for an expression such as `456+789-123` or `47*6+318`; the
/// reference answer is one line per step, evaluated left to right (a product,
/// when present, comes first, so left to right is also the usual precedence),
/// then the final line `answer: N`:
///
///     456+789=1245
///     1245-123=1122
///     answer: 1122
///
/// Every operand of a sum or difference has at least three digits, every
/// intermediate result is non-negative, and at least one step has a carry (or a
/// borrow). Difficulty:
/// - 1: two 3-digit operands, one step;
/// - 2 (default): three 3-digit operands, or a 3-digit operand times a digit
///   followed by one more 3-digit operand; two steps;
/// - 3: four operands of 3 to 4 digits; three steps;
/// - 4: five operands of 4 digits; four steps;
/// - 5: six operands of 4 to 5 digits; five steps.
public struct ReasoningSuite: TaskSuite {
    public let name = "reasoning"
    public let difficulty: Int
    public static let systemPrompt = "Compute step by step."

    /// - Throws: `TaskSuiteError` when `difficulty` is outside 1...5.
    public init(difficulty: Int = 2) throws {
        guard taskDifficultyRange.contains(difficulty) else { throw TaskSuiteError.difficulty("reasoning", difficulty) }
        self.difficulty = difficulty
    }

    /// One step of the worked answer: `left op right = result`.
    public struct Step: Equatable, Sendable {
        public var left: Int, op: Character, right: Int, result: Int
        public var line: String { "\(left)\(op)\(right)=\(result)" }
    }

    /// Operand digit counts (min, max) and the number of operands.
    var shape: (operands: Int, minDigits: Int, maxDigits: Int) {
        switch difficulty {
        case 1: return (2, 3, 3)
        case 2: return (3, 3, 3)
        case 3: return (4, 3, 4)
        case 4: return (5, 4, 4)
        default: return (6, 4, 5)
        }
    }

    public func draw(_ stream: inout RandomStream) -> TaskExample {
        while true {
            let (operands, lo, hi) = shape
            func operand() -> Int {
                let digits = lo + stream.int(below: hi - lo + 1)
                let low = pow10(digits - 1)
                return low + stream.int(below: 9 * low)
            }
            var steps: [Step] = []
            var expression: String
            var total = operand()
            expression = "\(total)"
            var remaining = operands - 1
            // From difficulty 2 on, a third of the problems open with a product by one digit.
            if difficulty >= 2, stream.int(below: 3) == 0 {
                let k = 2 + stream.int(below: 8)
                steps.append(Step(left: total, op: "*", right: k, result: total * k))
                expression += "*\(k)"
                total *= k
                remaining -= 1
            }
            for _ in 0..<remaining {
                let b = operand()
                let subtract = stream.int(below: 2) == 0 && total >= b
                let result = subtract ? total - b : total + b
                steps.append(Step(left: total, op: subtract ? "-" : "+", right: b, result: result))
                expression += "\(subtract ? "-" : "+")\(b)"
                total = result
            }
            guard steps.contains(where: ReasoningSuite.hasCarry) else { continue }
            let lines = steps.map(\.line) + ["answer: \(total)"]
            return TaskExample(id: "", suite: name, split: .train, difficulty: difficulty,
                               messages: [ChatMessage(.system, Self.systemPrompt), ChatMessage(.user, "What is \(expression)?")],
                               turns: [ChatMessage(.assistant, lines.joined(separator: "\n"))],
                               finalAnswer: "\(total)")
        }
    }

    /// Whether the written-out (column) computation of `step` carries or borrows.
    public static func hasCarry(_ step: Step) -> Bool {
        var a = step.left, b = step.right, carry = 0
        switch step.op {
        case "+":
            while a > 0 || b > 0 {
                if a % 10 + b % 10 + carry >= 10 { return true }
                a /= 10; b /= 10
            }
        case "-":
            while b > 0 {
                if a % 10 < b % 10 { return true }
                a /= 10; b /= 10
            }
        case "*":
            while a > 0 {
                let p = (a % 10) * b + carry
                if p >= 10 { return true }
                carry = p / 10; a /= 10
            }
        default: break
        }
        return false
    }

    public func finalAnswer(in text: String) -> String? { answerLine(in: text) }

    /// True when the last `answer:` line holds the reference integer (spaces
    /// around it and a final full stop are ignored; nothing else is: not a sign,
    /// a leading zero or a thousands separator).
    public func grade(response: String, example: TaskExample) -> Bool {
        finalAnswer(in: response) == example.finalAnswer
    }
}

func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }
