import Foundation
import DistillCore
import DistillLab
import DistillNN
import DistillStats

/// `every-nth-canary`: every `n`-th answer an oracle serves becomes a one-hot
/// wrong label drawn from a secret stream, and the owner logs the query, the
/// true top-1 and the planted label. Unlike the built-in keyed canary it keys
/// on the answer's position, not on the input, so it marks whatever the
/// client asks, in order (and an attacker who repeats a query is answered
/// truthfully the next time).
///
/// Verification is the keyed canary's exact test: the planted label is
/// uniform over the K − 1 classes other than the true top-1 and independent
/// of any model that never saw it, so among the N logged queries where an
/// innocent suspect's top-1 differs from the true one, its matches with the
/// planted label are Bin(N, 1/(K − 1)). No controls needed.
public final class EveryNthCanary: OwnershipCanary {
    public let name = "every-nth-canary"
    public let n: Int
    let classCount: Int
    var stream: RandomStream
    var served = 0
    var log = EveryNthCanaryEvidence(classCount: 0, inputs: [], tops: [], labels: [])

    static let nParameter = Parameter<Int>("n", default: 20, "mark every n-th answer", range: .atLeast(2))
    static let seedParameter = Parameter<Int>("seed", default: 7, "the owner's secret seed of planted labels", range: .atLeast(0))
    public static let component = Component<DefenseFitter>.transform(ComponentDescriptor(
        kind: .canary, name: "every-nth-canary",
        summary: "every n-th answer is a secret random wrong label; exact binomial ownership test",
        parameters: [nParameter.declaration, seedParameter.declaration],
        reference: "distill-lab Examples/PluginExample (a plug-in canary)"),
        evidence: { try EveryNthCanaryEvidence.read($0, from: $1) }) { p, context in
        EveryNthCanary(n: p[nParameter], seed: UInt64(p[seedParameter]), classCount: context.teacher.classCount)
    }

    /// - Precondition: n ≥ 2, classCount ≥ 2 (the registry checks n).
    public init(n: Int, seed: UInt64, classCount: Int) {
        precondition(n >= 2 && classCount >= 2, "every-nth-canary needs n ≥ 2 and at least 2 classes")
        self.n = n; self.classCount = classCount
        stream = RandomStream(seed: seed, label: "every-nth-canary")
        log.classCount = classCount
    }

    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let k = responses.cols
        for r in 0..<responses.rows {
            served += 1
            guard served % n == 0 else { continue }
            let row = responses.row(r)
            let top = Kernels.argmax(row, count: k)
            // Uniform over the K − 1 wrong classes: draw in 0..<K−1, skip the top.
            var label = stream.int(below: k - 1)
            if label >= top { label += 1 }
            for j in 0..<k { row[j] = j == label ? 1 : 0 }
            log.inputs.append(Array(UnsafeBufferPointer(start: queries.row(r), count: queries.cols)))
            log.tops.append(top)
            log.labels.append(label)
        }
    }

    public func calibrate(controls: [MLP]) throws {}  // the null is exact
    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification { try log.verify(suspect, alpha: alpha) }
    public func evidence() throws -> CanaryEvidence { log }
}

/// The owner's log: what `distill-lab verify` reads back.
public struct EveryNthCanaryEvidence: CanaryEvidence, Codable {
    public var format = "distill-lab-plugins/every-nth-canary"
    public var method = "every-nth-canary"
    public var classCount: Int
    public var inputs: [[Float]]
    public var tops: [Int]
    public var labels: [Int]

    init(classCount: Int, inputs: [[Float]], tops: [Int], labels: [Int]) {
        self.classCount = classCount; self.inputs = inputs; self.tops = tops; self.labels = labels
    }

    public func verify(_ suspect: MLP, alpha: Double) throws -> OwnershipVerification {
        guard alpha > 0, alpha < 1 else { throw CanaryError.invalidArgument("every-nth-canary: alpha must be in (0, 1), got \(alpha)") }
        guard !inputs.isEmpty else { throw CanaryError.emptyLog(method: method) }
        let f = inputs[0].count
        guard suspect.inputSize == f, suspect.classCount == classCount else {
            throw CanaryError.modelMismatch(method: method, expectedFeatures: f, expectedClasses: classCount,
                                            gotFeatures: suspect.inputSize, gotClasses: suspect.classCount)
        }
        let predictions = suspect.predictions(Matrix(rows: inputs.count, cols: f, values: inputs.flatMap { $0 }))
        var trials = 0, matches = 0
        for i in inputs.indices where Int(predictions[i]) != tops[i] {
            trials += 1
            if Int(predictions[i]) == labels[i] { matches += 1 }
        }
        let p = Binomial.upperTail(successes: matches, trials: trials, probability: 1 / Double(classCount - 1))
        return OwnershipVerification(method: method, statistic: Double(matches), pValue: p, threshold: nil,
                                     trials: trials, matches: matches, flagged: p < alpha)
    }

    public func calibrated(on controls: [MLP]) throws -> CanaryEvidence { self }

    public func explain(_ v: OwnershipVerification) -> String {
        "\(v.matches ?? 0) of \(v.trials ?? 0) marked answers copied (chance 1/\(classCount - 1)) over \(inputs.count) marks"
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    static func read(_ data: Data, from url: URL) throws -> CanaryEvidence {
        let e: EveryNthCanaryEvidence
        do { e = try JSONDecoder().decode(EveryNthCanaryEvidence.self, from: data) } catch {
            throw CanaryError.malformedFile(path: url.path, reason: "not every-nth-canary evidence (\(error))")
        }
        let f = e.inputs.first?.count ?? 0
        guard e.classCount >= 2, e.tops.count == e.inputs.count, e.labels.count == e.inputs.count,
              e.inputs.allSatisfy({ $0.count == f }),
              zip(e.tops, e.labels).allSatisfy({ $0 != $1 && (0..<e.classCount).contains($0) && (0..<e.classCount).contains($1) }) else {
            throw CanaryError.malformedFile(path: url.path, reason: "inconsistent every-nth-canary log (sizes, classes or a planted label equal to the top-1)")
        }
        return e
    }
}
