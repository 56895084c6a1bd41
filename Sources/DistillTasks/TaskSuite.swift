import Foundation
import DistillCore

/// A generated family of problems with an exact grader.
///
/// Conforming suites generate each example from (seed, split, index) alone with
/// `RandomStream(seed:label:)`, so any example can be regenerated without the
/// others. The split of a problem is a hash of its prompt (`TaskSplit.of`), so
/// generation draws candidates until one falls in the requested split.
public protocol TaskSuite: Sendable {
    /// The suite's name: "reasoning", "tool-use" or "coding".
    var name: String { get }
    /// The difficulty level, 1...5 (each suite documents what it changes).
    var difficulty: Int { get }
    /// One candidate problem drawn from `stream` (any split). `id` and `split`
    /// are filled in by `example(seed:split:index:)`.
    func draw(_ stream: inout RandomStream) -> TaskExample
    /// The graded part of a model's answer, or nil when there is none.
    func finalAnswer(in text: String) -> String?
    /// Exact-match grading of a model's answer (its assistant text across turns).
    func grade(response: String, example: TaskExample) -> Bool
}

/// The accepted difficulty levels.
public let taskDifficultyRange = 1...5

/// A suite was configured with a difficulty outside 1...5.
public struct TaskSuiteError: Error, CustomStringConvertible, Equatable {
    public var description: String
    static func difficulty(_ suite: String, _ level: Int) -> TaskSuiteError {
        TaskSuiteError(description: "\(suite) difficulty \(level) is out of range: use a level in "
                       + "\(taskDifficultyRange.lowerBound)...\(taskDifficultyRange.upperBound) (default 2)")
    }
}

extension TaskSuite {
    /// The example at `index` of `split` for `seed`: the first candidate drawn
    /// from the stream labelled "<suite>/d<difficulty>/<split>/<index>" whose
    /// prompt hashes into `split`.
    public func example(seed: UInt64, split: TaskSplit, index: Int) -> TaskExample {
        var stream = RandomStream(seed: seed, purpose: .task(suite: name, difficulty: difficulty, split: split.rawValue, index: index))
        while true {
            var candidate = draw(&stream)
            if TaskSplit.of(canonicalPrompt: candidate.canonicalPrompt) == split {
                candidate.split = split
                candidate.id = "\(name)-\(split.rawValue)-\(seed)-\(index)"
                return candidate
            }
        }
    }

    /// Examples 0..<count of `split` for `seed`.
    public func examples(split: TaskSplit, count: Int, seed: UInt64) -> [TaskExample] {
        (0..<max(0, count)).map { example(seed: seed, split: split, index: $0) }
    }

    /// The attacker's pool: prompts without answers, disjoint from train,
    /// validation and test. (The same prompts with answers are
    /// `examples(split: .attackerPool, ...)`, for the honest reference student.)
    public func attackerPool(count: Int, seed: UInt64) -> [TaskPrompt] {
        examples(split: .attackerPool, count: count, seed: seed).map(\.prompt)
    }
}

/// The text after the last "answer:" (any case), up to the end of its line,
/// trimmed of spaces and a trailing full stop; nil when there is no "answer:".
func answerLine(in text: String) -> String? {
    let lower = Array(text.lowercased().utf8)
    let bytes = Array(text.utf8)
    guard lower.count == bytes.count else { return answerLineSlow(text) }
    let key = Array("answer:".utf8)
    var start: Int? = nil
    var i = 0
    while i + key.count <= lower.count {
        if lower[i..<(i + key.count)].elementsEqual(key) { start = i + key.count }
        i += 1
    }
    guard let s = start else { return nil }
    var e = s
    while e < bytes.count, bytes[e] != UInt8(ascii: "\n") { e += 1 }
    return trimAnswer(String(decoding: bytes[s..<e], as: UTF8.self))
}

private func answerLineSlow(_ text: String) -> String? {
    guard let r = text.range(of: "answer:", options: [.caseInsensitive, .backwards]) else { return nil }
    let rest = text[r.upperBound...]
    let line = rest.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    return trimAnswer(String(line))
}

func trimAnswer(_ s: String) -> String {
    var t = Substring(s)
    while let c = t.first, c == " " || c == "\t" || c == "\r" { t.removeFirst() }
    while let c = t.last, c == " " || c == "\t" || c == "\r" || c == "." { t.removeLast() }
    return String(t)
}
