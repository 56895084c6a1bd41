import XCTest
import DistillTasks
import DistillText
import DistillCore
@testable import DistillTextLab

final class TextTaskDataTests: XCTestCase {
    func testColumnsFormatKeepsTheAnswerLine() {
        let text = "456+789=1245\n1245-123=1122\nanswer: 1122"
        let c = TextTaskData.columnsText(text)
        XCTAssertEqual(c, "456+789=[5421]1245\n1245-123=[2211]1122\nanswer: 1122")
        let suite = try! ReasoningSuite()
        XCTAssertEqual(suite.finalAnswer(in: c), "1122")
    }

    func testScratchColumnsWorkOutEveryDigitWithItsCarry() {
        XCTAssertEqual(ScratchFormat.columns(456, "+", 789), "456+789: 6+9+0=15 5+8+1=14 4+7+1=12 =1245")
        XCTAssertEqual(ScratchFormat.columns(1245, "-", 123), "1245-123: 5-3-0=02 4-2-0=02 2-1-0=01 1-0-0=01 =1122")
        XCTAssertEqual(ScratchFormat.columns(982, "*", 4), "982*4: 2*4+0=08 8*4+0=32 9*4+3=39 =3928")
        XCTAssertNil(ScratchFormat.columns(12, "-", 47))  // negative result: no columns
        XCTAssertNil(ScratchFormat.columns(12, "*", 47))  // product by more than one digit
        // Over many operand pairs, the columns' digits (result digit of each column, final carry) spell the result.
        var rng = RandomStream(seed: 5, label: "test-scratch")
        for _ in 0..<2000 {
            let a = rng.int(below: 100_000), b = rng.int(below: 10_000), op: Character = ["+", "-", "*"][rng.int(below: 3)]
            let right = op == "*" ? b % 10 : b
            guard let text = ScratchFormat.columns(a, op, right) else { XCTAssertTrue(op == "-" && a < right); continue }
            let cols = text.split(separator: " ").dropFirst().dropLast()
            var digits = cols.map { Int(String($0.last!))! }
            let carry = Int(String(cols.last!.dropLast().last!))!
            if op != "-" { digits.append(carry) } else { XCTAssertEqual(carry, 0) }
            let value = digits.reversed().reduce(0) { $0 * 10 + $1 }
            let expected = op == "+" ? a + right : op == "-" ? a - right : a * right
            XCTAssertEqual(value, expected, text)
            XCTAssertTrue(text.hasSuffix(" =\(expected)"), text)
        }
    }

    func testScratchKeepsGradingAndReadsCodingTracesThroughTheirVariables() throws {
        let reasoning = try ReasoningSuite()
        for ex in reasoning.examples(split: .train, count: 50, seed: 1) {
            let turns = TextTaskData.scratchTurns(ex)
            XCTAssertTrue(reasoning.grade(response: turns[0].content, example: ex))
            XCTAssertTrue(turns[0].content.contains(": "), turns[0].content)
        }
        XCTAssertEqual(ScratchFormat.codingTrace(program: "a=47*3;b=a-58;print b+a", trace: "a=141\nb=83\nprint 224\nanswer: 224"),
                       "a=47*3: 7*3+0=21 4*3+2=14 =141\nb=141-58: 1-8-0=13 4-5-1=18 1-0-1=00 =83\nprint 83+141: 3+1+0=04 8+4+0=12 0+1+1=02 =224\nanswer: 224")
        // Control flow: the trace is not one line per statement, so it is kept.
        let loop = "a=5;b=0;while b<2 {a=a+1;b=b+1};print a"
        XCTAssertEqual(ScratchFormat.codingTrace(program: loop, trace: "a=5\nb=0\na=6\nb=1\nanswer: 7"), "a=5\nb=0\na=6\nb=1\nanswer: 7")
        let coding = try CodingSuite()
        for ex in coding.examples(split: .train, count: 60, seed: 2) {
            XCTAssertTrue(coding.grade(response: TextTaskData.scratchTurns(ex).map(\.content).joined(separator: "\n"), example: ex))
        }
    }
    /// Packed batches: every example appears once per pass, whole, in a row with others while they
    /// fit; its positions restart at 0; no row overflows; the unpacked batcher keeps one per row.
    func testPackedBatcherFillsRowsWithWholeExamples() throws {
        let lengths = [5, 9, 3, 12, 7, 4, 6, 10, 2, 8, 5, 11]
        let examples = lengths.enumerated().map { i, n in GPTExample(tokens: (0..<n).map { Int32(($0 + i) % 50 + 1) }) }
        let batcher = try TextBatcher(examples: examples, batchSize: 2, context: 16, rng: RandomStream(seed: 1, label: "b"), packed: true)
        XCTAssertEqual(batcher.maxT, 16)
        var seen: [Int] = [], rows = 0
        while seen.count < examples.count {
            let batch = batcher.next()
            XCTAssertEqual(batch.T, 16)
            for b in 0..<batch.B {
                var t = 0
                while t < 16, batch.mask[b * 16 + t] != 0 {
                    // A sequence runs from position 0 up; find which example it is by its first token and length.
                    XCTAssertEqual(batch.positions[b * 16 + t], 0)
                    var n = 1
                    while t + n < 16, batch.positions[b * 16 + t + n] == Int32(n), batch.mask[b * 16 + t + n] != 0 { n += 1 }
                    let i = examples.firstIndex { $0.tokens.count - 1 == n && $0.tokens[0] == batch.tokens[b * 16 + t] }
                    XCTAssertNotNil(i, "row \(b) at \(t): a sequence of \(n) that is no whole example")
                    if let i { seen.append(i); XCTAssertEqual(Array(batch.targets[(b * 16 + t)..<(b * 16 + t + n)]), Array(examples[i].tokens[1...])) }
                    t += n
                }
            }
            XCTAssertGreaterThanOrEqual(batcher.lastExampleCount, batch.B)
            rows += batch.B
        }
        XCTAssertGreaterThan(seen.count, rows, "packing puts more than one example in a row on average")
        XCTAssertEqual(Set(seen.prefix(examples.count)).count, examples.count, "each example once per pass")
        let unpacked = try TextBatcher(examples: examples, batchSize: 2, context: 16, rng: RandomStream(seed: 1, label: "b"))
        _ = unpacked.next()
        XCTAssertEqual(unpacked.lastExampleCount, 2)
    }
}
