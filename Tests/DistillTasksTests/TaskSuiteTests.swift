import XCTest
import DistillCore
@testable import DistillTasks

final class TaskSuiteTests: XCTestCase {
    func suites(_ d: Int = 2) throws -> [any TaskSuite] {
        [try ReasoningSuite(difficulty: d), try ToolUseSuite(difficulty: d), try CodingSuite(difficulty: d)]
    }

    func testDeterministicAndSplitsDisjoint() throws {
        for suite in try suites() {
            let a = suite.examples(split: .test, count: 50, seed: 7)
            XCTAssertEqual(a, suite.examples(split: .test, count: 50, seed: 7), suite.name)
            XCTAssertNotEqual(a, suite.examples(split: .test, count: 50, seed: 8), suite.name)
            var seen: [String: TaskSplit] = [:]
            for split in TaskSplit.allCases {
                for e in suite.examples(split: split, count: 300, seed: 1) + suite.examples(split: split, count: 100, seed: 2) {
                    XCTAssertEqual(e.split, split)
                    if let other = seen[e.canonicalPrompt] { XCTAssertEqual(other, split, "\(suite.name): \(e.canonicalPrompt)") }
                    seen[e.canonicalPrompt] = split
                }
            }
            let pool = suite.attackerPool(count: 20, seed: 1)
            XCTAssertEqual(pool.map(\.messages), suite.examples(split: .attackerPool, count: 20, seed: 1).map(\.messages))
            XCTAssertTrue(pool.allSatisfy { $0.messages.allSatisfy { $0.role != .assistant } })
        }
    }

    func testReferencesGradeTrueAndPerturbedFalse() throws {
        for d in taskDifficultyRange {
            for suite in try suites(d) {
                for e in suite.examples(split: .validation, count: 60, seed: 3) {
                    XCTAssertTrue(suite.grade(response: e.reference, example: e), "\(suite.name) d\(d): \(e.reference)")
                    XCTAssertTrue(suite.grade(response: "Sure.\n" + e.reference + "\nHope this helps", example: e))
                    XCTAssertEqual(suite.finalAnswer(in: e.reference), e.finalAnswer)
                    // Perturb the graded part: change its last digit.
                    let bad = perturb(e.reference, answer: e.finalAnswer)
                    XCTAssertFalse(suite.grade(response: bad, example: e), "\(suite.name) d\(d): \(bad)")
                    XCTAssertFalse(suite.grade(response: "no answer here", example: e))
                }
            }
        }
    }

    /// The reference with the last digit of its final answer changed.
    func perturb(_ reference: String, answer: String) -> String {
        var chars = Array(answer)
        guard let i = chars.lastIndex(where: { $0.isNumber }) else { return reference + "x" }
        chars[i] = chars[i] == "9" ? "8" : Character(String(chars[i].wholeNumberValue! + 1))
        let r = reference.range(of: answer, options: .backwards)!
        return reference.replacingCharacters(in: r, with: String(chars))
    }

    func testReasoningStepsAreRightWithCarries() throws {
        for d in taskDifficultyRange {
            let suite = try ReasoningSuite(difficulty: d)
            for e in suite.examples(split: .train, count: 200, seed: 5) {
                let lines = e.reference.split(separator: "\n").map(String.init)
                XCTAssertEqual(lines.last, "answer: \(e.finalAnswer)")
                var carried = false, previous: Int? = nil
                for line in lines.dropLast() {
                    let parts = line.split(separator: "=")
                    let lhs = String(parts[0]), result = Int(parts[1])!
                    let opIndex = lhs.lastIndex(where: { "+-*".contains($0) })!
                    let l = Int(lhs[..<opIndex])!, r = Int(lhs[lhs.index(after: opIndex)...])!
                    let op = lhs[opIndex]
                    XCTAssertEqual(op == "+" ? l + r : op == "-" ? l - r : l * r, result, line)
                    if op != "*" { XCTAssertGreaterThanOrEqual(r, 100, "operand of at least 3 digits: \(line)") }
                    XCTAssertGreaterThanOrEqual(result, 0)
                    if let p = previous { XCTAssertEqual(l, p, "steps chain") } else { XCTAssertGreaterThanOrEqual(l, 100) }
                    previous = result
                    carried = carried || ReasoningSuite.hasCarry(.init(left: l, op: op, right: r, result: result))
                }
                XCTAssertTrue(carried, e.reference)
                XCTAssertEqual(String(previous!), e.finalAnswer)
                XCTAssertEqual(lines.count - 1, d == 1 ? 1 : [2: 2, 3: 3, 4: 4, 5: 5][d]! - 0)
            }
        }
        XCTAssertTrue(ReasoningSuite.hasCarry(.init(left: 456, op: "+", right: 789, result: 1245)))
        XCTAssertFalse(ReasoningSuite.hasCarry(.init(left: 123, op: "+", right: 456, result: 579)))
        XCTAssertFalse(ReasoningSuite.hasCarry(.init(left: 987, op: "-", right: 321, result: 666)))
        XCTAssertTrue(ReasoningSuite.hasCarry(.init(left: 912, op: "-", right: 321, result: 591)))
    }

    func testToolUseOffersThreeToolsAndResultsFollowCalls() throws {
        for d in taskDifficultyRange {
            let suite = try ToolUseSuite(difficulty: d)
            for e in suite.examples(split: .train, count: 100, seed: 9) {
                let offered = ToolDefinition.parseList(e.messages[0].content)
                XCTAssertGreaterThanOrEqual(offered.count, 3)
                XCTAssertEqual(offered.count, suite.toolsOffered)
                let call = try XCTUnwrap(e.toolCall)
                XCTAssertTrue(call.matches(offered), "\(call) in \(offered)")
                XCTAssertEqual(ToolCall.parse(e.turns[0].content), call)
                XCTAssertEqual(e.turns[1].role, .tool)
                XCTAssertEqual(suite.execute(call, offered: offered), e.turns[1].content)
            }
        }
    }

    func testToolCallParser() {
        let text = "ok. call: weather( city = \"New York\" , days=3 ) then CALL: decoy(x=-4,tag=abc) and call: broken(x="
        let calls = ToolCall.parseAll(in: text)
        XCTAssertEqual(calls.count, 2)
        XCTAssertEqual(calls[0], ToolCall("weather", [.init("days", .int(3)), .init("city", .string("New York"))]))
        XCTAssertEqual(calls[1].name, "decoy")
        XCTAssertEqual(calls[1][argument: "x"], .int(-4))
        XCTAssertEqual(calls[1][argument: "tag"], .string("abc"))
        let offered = [ToolDefinition("weather", [.init("city", .str), .init("days", .int)])]
        XCTAssertTrue(calls[0].matches(offered))
        XCTAssertFalse(calls[1].matches(offered), "a call to an unlisted (decoy) tool")
        XCTAssertFalse(ToolCall("weather", [.init("city", .string("Oslo")), .init("days", .string("3"))]).matches(offered))
        let quoted = ToolCall("t", [.init("s", .string("a \"b\" \\ c"))])
        XCTAssertEqual(ToolCall.parse(quoted.line), quoted)
        XCTAssertNotEqual(ToolCall("add", [.init("a", .int(1))]), ToolCall("add", [.init("a", .int(2))]))
    }

    func testBadDifficultyIsOneClearError() {
        XCTAssertThrowsError(try CodingSuite(difficulty: 0)) { XCTAssertTrue("\($0)".contains("1...5")) }
        XCTAssertThrowsError(try ReasoningSuite(difficulty: 6))
        XCTAssertThrowsError(try ToolUseSuite(difficulty: -1))
    }

    /// The default difficulty fits the tiny byte-level model: prompt ≤ 160
    /// bytes, assistant answer ≤ 100 bytes, whole rendered chat ≤ 256, ASCII.
    func testDefaultLengths() throws {
        for suite in try suites() {
            var maxPrompt = 0, maxAnswer = 0, maxTotal = 0, sum = 0
            let examples = TaskSplit.allCases.flatMap { suite.examples(split: $0, count: 500, seed: 11) }
            for e in examples {
                let prompt = e.messages.reduce(0) { $0 + $1.content.utf8.count }
                let answer = e.reference.utf8.count
                let total = try ChatTemplate.standard.render(e).bytes.count
                maxPrompt = max(maxPrompt, prompt); maxAnswer = max(maxAnswer, answer); maxTotal = max(maxTotal, total)
                sum += total
                XCTAssertTrue((e.canonicalPrompt + e.reference).utf8.allSatisfy { $0 < 128 })
            }
            print("lengths \(suite.name): prompt max \(maxPrompt), answer max \(maxAnswer), rendered max \(maxTotal), "
                  + "rendered mean \(Double(sum) / Double(examples.count))")
            XCTAssertLessThanOrEqual(maxPrompt, 160, suite.name)
            XCTAssertLessThanOrEqual(maxAnswer, 100, suite.name)
            XCTAssertLessThanOrEqual(maxTotal, 256, suite.name)
            for e in examples.prefix(3) { print("example \(suite.name):\n\(canonicalText(e.messages + e.turns))\n") }
        }
    }
}
