import XCTest
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// The response transforms of methods.md §4, through the public registry.
final class ResponseTransformTests: XCTestCase {

    // MARK: Helpers

    /// A 3-class teacher on 4 features and a tiny owner dataset: enough for `make`.
    func makeContext(classes: Int = 3) throws -> DefenseContext {
        var rng = RandomStream(seed: 11, purpose: .teacherInit)
        let teacher = MLP(sizes: [4, 5, classes], rng: &rng)
        let features = Matrix(rows: 6, cols: 4, values: (0..<24).map { Float($0 % 7) / 7 })
        let labels: [Int32] = (0..<6).map { Int32($0 % classes) }
        let data = try Dataset(name: "tiny", features: features, labels: labels,
                               classNames: (0..<classes).map { "c\($0)" })
        return DefenseContext(teacher: teacher, ownerData: data, validation: data, seed: 5)
    }

    func make(_ spec: String, classes: Int = 3) throws -> ResponseDefense {
        try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: spec), context: makeContext(classes: classes))
    }

    /// Applies `spec` to `rows` and returns the rows.
    func transform(_ spec: String, _ rows: [[Float]], seed: UInt64 = 1) throws -> [[Float]] {
        let d = try make(spec)
        let m = Matrix(rows)
        var rng = RandomStream(seed: seed, purpose: .defense)
        try d.apply(to: m, queries: Matrix(rows: m.rows, cols: 4), rng: &rng)
        return (0..<m.rows).map { m.rowValues($0) }
    }

    func assertRows(_ got: [[Float]], _ expected: [[Double]], accuracy: Double = 1e-6,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        for (g, e) in zip(got, expected) {
            XCTAssertEqual(g.count, e.count, file: file, line: line)
            // Expected values are written as decimals; compare with their nearest Float.
            for (a, b) in zip(g, e) {
                XCTAssertEqual(Double(a), Double(Float(b)), accuracy: accuracy, "\(g) vs \(e)", file: file, line: line)
            }
        }
    }

    /// `n` random probability rows over `k` classes, from flat to very peaked
    /// (softmax of N(0,1) logits scaled by 0.1 … 10).
    func randomRows(_ n: Int, _ k: Int, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed, label: "rows")
        let logits = Matrix(rows: n, cols: k)
        for r in 0..<n {
            let scale = Float(0.1 + 9.9 * rng.uniform())
            for j in 0..<k { logits[r, j] = scale * Float(rng.normal()) }
        }
        return logits.softmaxRows()
    }

    func argmaxes(_ m: Matrix) -> [Int32] { m.argmaxRows() }

    /// First index of the largest value, like `Kernels.argmax`.
    func argmax(_ row: [Float]) -> Int { row.indices.first { row[$0] == row.max()! }! }

    // MARK: Registry

    func testRegistryListsEveryTransformWithHonestDescriptors() throws {
        let expected: [String: (preserving: Bool, randomized: Bool, params: [String: String])] = [
            "label-only": (true, false, [:]),
            "top-k": (true, false, ["k": "1"]),
            "rounding": (false, false, ["decimals": "2"]),
            "high-confidence": (false, false, ["cutoff": "0.25"]),
            "gaussian-noise": (false, true, ["sigma": "0.05"]),
            "temperature": (true, false, ["T": "2"]),
            "label-smoothing": (true, false, ["epsilon": "0.1"]),
            "reverse-sigmoid": (false, false, ["beta": "1", "gamma": "0.1"]),
        ]
        for (name, e) in expected {
            let d = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: name), name)
            XCTAssertEqual(d.argmaxPreserving, e.preserving, name)
            XCTAssertEqual(d.randomized, e.randomized, name)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: d.parameters.map { ($0.name, $0.defaultValue ?? "") }), e.params, name)
            XCTAssertFalse(d.summary.isEmpty || d.reference.isEmpty, name)
            XCTAssertTrue(d.parameters.allSatisfy { !$0.summary.isEmpty }, name)
            // Defaults build and the instance reports its registry name.
            XCTAssertEqual(try make(name).name, name)
        }
    }

    // MARK: Exact values

    func testLabelOnlyAnswersOneHotOfTheTopClass() throws {
        let got = try transform("label-only", [[0.1, 0.7, 0.2], [0.5, 0.2, 0.3], [0.4, 0.4, 0.2]])
        // The tie (0.4, 0.4) goes to the first class, like Kernels.argmax.
        assertRows(got, [[0, 1, 0], [1, 0, 0], [1, 0, 0]], accuracy: 0)
    }

    func testTopKKeepsTheKLargestWithoutRenormalising() throws {
        // k = 2 on (0.1, 0.6, 0.3): keep 0.6 and 0.3, sum stays 0.9.
        assertRows(try transform("top-k:k=2", [[0.1, 0.6, 0.3]]), [[0, 0.6, 0.3]], accuracy: 0)
        // k = 1 keeps only the max; ties at the cut go to the lower index: (0.3, 0.3, 0.4), k = 2 → (0.3, 0, 0.4).
        assertRows(try transform("top-k", [[0.2, 0.5, 0.3]]), [[0, 0.5, 0]], accuracy: 0)
        assertRows(try transform("top-k:k=2", [[0.3, 0.3, 0.4]]), [[0.3, 0, 0.4]], accuracy: 0)
        // k = class count is the identity.
        assertRows(try transform("top-k:k=3", [[0.2, 0.5, 0.3]]), [[0.2, 0.5, 0.3]], accuracy: 0)
    }

    func testRoundingIsHalfToEvenLikeNumpyAroundWithoutRenormalising() throws {
        // d = 2: 45.6→46, 34.49→34, 19.91→20 (sum 1.00); 12.5→12 and 37.5→38 (half to even, exact in Float).
        assertRows(try transform("rounding", [[0.456, 0.3449, 0.1991], [0.125, 0.375, 0.5]]),
                   [[0.46, 0.34, 0.20], [0.12, 0.38, 0.5]])
        // d = 1: 2.5→2, 7.5→8, so (0.25, 0.75, 0) → (0.2, 0.8, 0).
        assertRows(try transform("rounding:decimals=1", [[0.25, 0.75, 0]]), [[0.2, 0.8, 0]])
        // d = 1 on (0.34, 0.33, 0.33) → (0.3, 0.3, 0.3): the row sums to 0.9, not renormalised.
        assertRows(try transform("rounding:decimals=1", [[0.34, 0.33, 0.33]]), [[0.3, 0.3, 0.3]])
    }

    func testRoundingCanTieTheTopClassAwayButNeverDemotesIt() throws {
        // (0.452, 0.454, 0.094) → (0.45, 0.45, 0.09): class 1 was on top, the tie now reads as class 0.
        let got = try transform("rounding", [[0.452, 0.454, 0.094]])
        assertRows(got, [[0.45, 0.45, 0.09]])
        XCTAssertEqual(argmax(got[0]), 0)
        // Over many rows, the teacher's top class still holds the largest rounded value (monotone rounding).
        let p = randomRows(2000, 10, seed: 3)
        let q = p.copy()
        var rng = RandomStream(seed: 0, purpose: .defense)
        try make("rounding:decimals=1").apply(to: q, queries: Matrix(rows: 2000, cols: 4), rng: &rng)
        var flips = 0
        for (r, top) in argmaxes(p).enumerated() {
            let row = q.rowValues(r)
            XCTAssertEqual(row[Int(top)], row.max()!)
            if Kernels.argmax(q.row(r), count: 10) != Int(top) { flips += 1 }
        }
        XCTAssertGreaterThan(flips, 0, "one-decimal rounding ties some top classes (so the descriptor says false)")
    }

    func testHighConfidenceZeroesBelowTheCutoffAndCanBlankARow() throws {
        // cutoff 0.25: 0.25 itself is kept (ART zeroes p < cutoff), 0.2 and 0.05 go.
        assertRows(try transform("high-confidence", [[0.5, 0.25, 0.2, 0.05]]), [[0.5, 0.25, 0, 0]], accuracy: 0)
        // cutoff 0.5 and max p = 0.45: the whole row is zeroed (as ART does); argmax reads class 0, not 1.
        let blank = try transform("high-confidence:cutoff=0.5", [[0.3, 0.45, 0.25]])
        assertRows(blank, [[0, 0, 0]], accuracy: 0)
        XCTAssertEqual(argmax(blank[0]), 0)
    }

    func testGaussianNoiseAddsTheStreamsNormalsClipsAndRenormalises() throws {
        let p: [[Float]] = [[0.7, 0.2, 0.1], [0.05, 0.9, 0.05]]
        let sigma = 0.3
        let got = try transform("gaussian-noise:sigma=0.3", p, seed: 42)
        // Replay the defense stream: one normal per entry, row-major.
        var replay = RandomStream(seed: 42, purpose: .defense)
        var expected: [[Double]] = []
        for row in p {
            let noisy = row.map { max(Double($0) + sigma * replay.normal(), 0) }
            let s = noisy.reduce(0, +)
            expected.append(noisy.map { $0 / s })
        }
        assertRows(got, expected, accuracy: 1e-6)
    }

    func testGaussianNoiseFallsBackToOneHotWhenEveryEntryIsClipped() throws {
        // σ = 1e6: an entry survives only if its normal is positive, so with 3 classes
        // about 1 row in 8 is clipped to all zero and must become one-hot of the teacher's top class.
        let p = randomRows(200, 3, seed: 9)
        let q = p.copy()
        var rng = RandomStream(seed: 4, purpose: .defense)
        var replay = rng
        try make("gaussian-noise:sigma=1e6").apply(to: q, queries: Matrix(rows: 200, cols: 4), rng: &rng)
        var fallbacks = 0
        for r in 0..<200 {
            let z = (0..<3).map { _ in replay.normal() }
            let top = Kernels.argmax(p.row(r), count: 3)
            if zip(p.rowValues(r), z).allSatisfy({ Double($0) + 1e6 * $1 <= 0 }) {
                fallbacks += 1
                XCTAssertEqual(q.rowValues(r), (0..<3).map { $0 == top ? 1 : 0 })
            } else {
                XCTAssertEqual(Double(q.rowValues(r).reduce(0, +)), 1, accuracy: 1e-5)
            }
        }
        XCTAssertGreaterThan(fallbacks, 10)
        XCTAssertLessThan(fallbacks, 45)
    }

    func testGaussianNoiseIsDeterministicPerStream() throws {
        let p = randomRows(50, 10, seed: 1)
        func run(_ seed: UInt64) throws -> [Float] {
            let q = p.copy()
            var rng = RandomStream(seed: seed, purpose: .defense)
            try make("gaussian-noise:sigma=0.1").apply(to: q, queries: Matrix(rows: 50, cols: 4), rng: &rng)
            return q.values
        }
        XCTAssertEqual(try run(7), try run(7))
        XCTAssertNotEqual(try run(7), try run(8))
        // σ = 0 only renormalises: a distribution comes back (to Float rounding) unchanged.
        let q = p.copy()
        var rng = RandomStream(seed: 7, purpose: .defense)
        try make("gaussian-noise:sigma=0").apply(to: q, queries: Matrix(rows: 50, cols: 4), rng: &rng)
        for (a, b) in zip(q.values, p.values) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testTemperatureRaisesToOneOverTAndRenormalises() throws {
        // T = 2: √(0.81, 0.09, 0.09, 0.01) = (0.9, 0.3, 0.3, 0.1), sum 1.6 → (0.5625, 0.1875, 0.1875, 0.0625).
        let d = try make("temperature")
        let m = Matrix([[0.81, 0.09, 0.09, 0.01]])
        var rng = RandomStream(seed: 0, purpose: .defense)
        try d.apply(to: m, queries: Matrix(rows: 1, cols: 4), rng: &rng)
        assertRows([m.rowValues(0)], [[0.5625, 0.1875, 0.1875, 0.0625]])
        // T = 0.5 sharpens: (0.6, 0.3, 0.1)² = (0.36, 0.09, 0.01), sum 0.46 → (0.7826087, 0.1956522, 0.0217391).
        assertRows(try transform("temperature:T=0.5", [[0.6, 0.3, 0.1]]), [[0.36 / 0.46, 0.09 / 0.46, 0.01 / 0.46]])
        // A zero stays zero: √(0.75, 0.25, 0) = (0.8660254, 0.5, 0), sum 1.3660254 → (0.6339746, 0.3660254, 0).
        assertRows(try transform("temperature", [[0.75, 0.25, 0]]), [[0.6339746, 0.3660254, 0]])
        // T = 1 is the identity.
        assertRows(try transform("temperature:T=1", [[0.6, 0.3, 0.1]]), [[0.6, 0.3, 0.1]])
    }

    func testLabelSmoothingMixesWithUniform() throws {
        // ε = 0.1, K = 4: 0.9·p + 0.025 → (0.655, 0.205, 0.115, 0.025).
        let d = try make("label-smoothing")
        let m = Matrix([[0.7, 0.2, 0.1, 0]])
        var rng = RandomStream(seed: 0, purpose: .defense)
        try d.apply(to: m, queries: Matrix(rows: 1, cols: 4), rng: &rng)
        assertRows([m.rowValues(0)], [[0.655, 0.205, 0.115, 0.025]])
        // ε = 0.5, K = 3: 0.5·(1, 0, 0) + 1/6 → (2/3, 1/6, 1/6).
        assertRows(try transform("label-smoothing:epsilon=0.5", [[1, 0, 0]]), [[2.0 / 3, 1.0 / 6, 1.0 / 6]])
    }

    /// Expected values computed independently with numpy, following ART's
    /// `ReverseSigmoid.__call__` line by line (float64 inputs):
    ///
    ///     import numpy as np
    ///     def art_reverse_sigmoid(preds, beta, gamma):
    ///         clip_min = 1e-9; clip_max = 1.0 - clip_min
    ///         sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
    ///         preds_clipped = np.clip(preds, clip_min, clip_max)
    ///         if preds.shape[1] > 1:
    ///             r = beta * (sigmoid(-gamma * np.log((1.0 - preds_clipped) / preds_clipped)) - 0.5)
    ///             pert = np.clip(preds - r, 0.0, 1.0)
    ///             return (1.0 / np.sum(pert, axis=-1, keepdims=True)) * pert
    ///         p1 = preds; p2 = 1.0 - preds; c1 = preds_clipped; c2 = 1.0 - preds_clipped
    ///         r1 = beta * (sigmoid(-gamma * np.log((1.0 - c1) / c1)) - 0.5)
    ///         r2 = beta * (sigmoid(-gamma * np.log((1.0 - c2) / c2)) - 0.5)
    ///         q1 = np.clip(p1 - r1, 0.0, 1.0); q2 = np.clip(p2 - r2, 0.0, 1.0)
    ///         return q1 / (q1 + q2)
    ///     art_reverse_sigmoid(np.array([[0.7, 0.2, 0.06, 0.04]]), 1.0, 0.1)
    ///     # [[0.5849064423879536, 0.20214214860237645, 0.11059792877677894, 0.10235348023289087]]
    ///     art_reverse_sigmoid(np.array([[0.7, 0.2, 0.06, 0.04]]), 3.0, 0.5)
    ///     # [[0.12720223500002298, 0.2301221329537893, 0.3139297278264888, 0.328745904219699]]
    ///     art_reverse_sigmoid(np.array([[0.35, 0.33, 0.32, 0.0]]), 1.0, 0.2)
    ///     # [[0.23982728151098123, 0.23002905696947087, 0.22516038740908906, 0.304983274110459]]
    ///     art_reverse_sigmoid(np.array([[0.8], [0.3]]), 1.0, 0.1)
    ///     # [[0.7653980386192365], [0.32116978296111126]]
    func testReverseSigmoidMatchesARTsArithmetic() throws {
        assertRows(try transform("reverse-sigmoid", [[0.7, 0.2, 0.06, 0.04]]),
                   [[0.5849064423879536, 0.20214214860237645, 0.11059792877677894, 0.10235348023289087]])
        // β = 3, γ = 0.5: the top class is pushed far down (0.7 − 0.313 → 0.387 before renormalising).
        assertRows(try transform("reverse-sigmoid:beta=3,gamma=0.5", [[0.7, 0.2, 0.06, 0.04]]),
                   [[0.12720223500002298, 0.2301221329537893, 0.3139297278264888, 0.328745904219699]])
        // ART's demo γ = 0.2 on a low-confidence row with a zero class: the zero class wins.
        let flipped = try transform("reverse-sigmoid:gamma=0.2", [[0.35, 0.33, 0.32, 0.0]])
        assertRows(flipped, [[0.23982728151098123, 0.23002905696947087, 0.22516038740908906, 0.304983274110459]])
        XCTAssertEqual(argmax(flipped[0]), 3, "reverse sigmoid is not argmax-preserving")
        // ART's single-column (binary) branch.
        assertRows(try transform("reverse-sigmoid", [[0.8], [0.3]]), [[0.7653980386192365], [0.32116978296111126]])
    }

    // MARK: Properties over random rows

    func testDistributionAndArgmaxPropertiesHoldWhereTheDescriptorsPromiseThem() throws {
        let k = 10, n = 3000
        let p = randomRows(n, k, seed: 21)
        let top = argmaxes(p)
        let specs = ["label-only", "top-k:k=3", "temperature", "temperature:T=0.3", "temperature:T=10",
                     "label-smoothing", "label-smoothing:epsilon=0.9", "gaussian-noise", "gaussian-noise:sigma=0.5",
                     "reverse-sigmoid", "reverse-sigmoid:gamma=0.2", "high-confidence:cutoff=0.05", "rounding"]
        let distributions: Set = ["temperature", "label-smoothing", "gaussian-noise", "reverse-sigmoid", "label-only"]
        for spec in specs {
            let parsed = try DefenseSpec(parsing: spec)
            let descriptor = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: parsed.name))
            let defense = try ComponentRegistry.shared.makeDefense(parsed, context: makeContext(classes: k))
            let q = p.copy()
            var rng = RandomStream(seed: 2, purpose: .defense)
            try defense.apply(to: q, queries: Matrix(rows: n, cols: 4), rng: &rng)
            XCTAssertTrue(Kernels.allFinite(q.storage, count: q.count), spec)
            XCTAssertTrue(q.values.allSatisfy { $0 >= 0 && $0 <= 1 }, spec)
            if distributions.contains(parsed.name) {
                for r in 0..<n { XCTAssertEqual(Double(q.rowValues(r).reduce(0, +)), 1, accuracy: 2e-5, spec) }
            }
            let kept = zip(argmaxes(q), top).filter { $0 == $1 }.count
            if descriptor.argmaxPreserving {
                XCTAssertEqual(kept, n, "\(spec) promises to keep the top class")
            }
            if parsed.name == "high-confidence" {
                // cutoff 0.05 ≤ 1/K: max p ≥ 1/K ≥ cutoff, so every top class survives.
                XCTAssertEqual(kept, n, spec)
            }
            if parsed.name == "gaussian-noise" && spec.contains("0.5") {
                XCTAssertLessThan(kept, n * 9 / 10, "σ = 0.5 noise reorders many rows")
            }
        }
    }

    func testReverseSigmoidFlipsLowConfidenceRowsWithNearZeroClasses() throws {
        // Counter-example at scale: p − r(p) decreases near 0, so rows whose top class is
        // weak while another class is ~0 change their argmax under ART's demo setting.
        let p = randomRows(3000, 10, seed: 21)
        let q = p.copy()
        var rng = RandomStream(seed: 0, purpose: .defense)
        try make("reverse-sigmoid:gamma=0.2", classes: 10).apply(to: q, queries: Matrix(rows: 3000, cols: 4), rng: &rng)
        let flips = zip(argmaxes(q), argmaxes(p)).filter { $0 != $1 }.count
        XCTAssertGreaterThan(flips, 0)
        // Confident rows (max p ≥ 0.9) keep their class at the default β = 1.
        for r in 0..<3000 where p.rowValues(r).max()! >= 0.9 {
            XCTAssertEqual(Kernels.argmax(q.row(r), count: 10), Kernels.argmax(p.row(r), count: 10))
        }
    }

    func testTransformsComposeInsideTheOracle() throws {
        let context = try makeContext()
        let defenses = try ["temperature:T=0.5", "top-k:k=2"].map { try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: $0), context: context) }
        let oracle = Oracle(teacher: context.teacher, defenses: defenses, defenseStream: RandomStream(seed: 0, purpose: .defense))
        var rng = RandomStream(seed: 3, label: "x")
        let x = Matrix(rows: 20, cols: 4, values: (0..<80).map { _ in Float(rng.uniform()) })
        let answer = try oracle.query(x, client: "a")
        let p = context.teacher.probabilities(x)
        for r in 0..<20 {
            // Sharpen by squaring, renormalise, then zero the smallest of the three classes.
            let sq = p.rowValues(r).map { Double($0) * Double($0) }
            let s = sq.reduce(0, +)
            let smallest = sq.indices.min { sq[$0] < sq[$1] }!
            let expected = sq.indices.map { $0 == smallest ? 0 : sq[$0] / s }
            for j in 0..<3 { XCTAssertEqual(Double(answer[r, j]), expected[j], accuracy: 1e-6) }
        }
    }

    // MARK: Errors

    func testBadSpecsGiveOneClearError() throws {
        func parseError(_ text: String) -> ComponentError? {
            do { _ = try ComponentRegistry.shared.resolve(DefenseSpec(parsing: text), kind: .defense); return nil }
            catch { return error as? ComponentError }
        }
        func invalid(_ d: String, _ p: String, _ v: String, _ e: String) -> ComponentError {
            .invalidValue(kind: .defense, component: d, parameter: p, value: v, expected: e)
        }
        XCTAssertEqual(parseError("gaussian-noise:sigma=-0.1"),
                       invalid("gaussian-noise", "sigma", "-0.1", "a number ≥ 0"))
        XCTAssertEqual(parseError("top-k:k=0"),
                       invalid("top-k", "k", "0", "an integer ≥ 1 (and at most the class count)"))
        XCTAssertEqual(parseError("rounding:decimals=0"),
                       invalid("rounding", "decimals", "0", "an integer from 1 to 6"))
        XCTAssertEqual(parseError("high-confidence:cutoff=0"),
                       invalid("high-confidence", "cutoff", "0", "a number in (0, 1]"))
        XCTAssertEqual(parseError("label-smoothing:epsilon=1"),
                       invalid("label-smoothing", "epsilon", "1", "a number in [0, 1)"))
        XCTAssertEqual(parseError("temperature:T=0"),
                       invalid("temperature", "T", "0", "a number > 0"))
        XCTAssertEqual(parseError("reverse-sigmoid:gamma=0"),
                       invalid("reverse-sigmoid", "gamma", "0", "a number > 0"))
        XCTAssertEqual(parseError("reverse-sigmoid:beta=nan"),
                       invalid("reverse-sigmoid", "beta", "nan", "a number > 0"))

        let unknownParameter = try XCTUnwrap(parseError("gaussian-noise:sigm=0.1"))
        XCTAssertEqual(unknownParameter, .unknownParameter(kind: .defense, component: "gaussian-noise", parameter: "sigm", valid: ["sigma"]))
        XCTAssertTrue(unknownParameter.description.contains("did you mean 'sigma'"), unknownParameter.description)

        let unknownDefense = try XCTUnwrap(parseError("roundng:decimals=2"))
        guard case .unknownComponent(.defense, "roundng", let valid, _) = unknownDefense else { return XCTFail("\(unknownDefense)") }
        XCTAssertTrue(valid.contains("rounding"))
        XCTAssertTrue(unknownDefense.description.contains("did you mean 'rounding'"), unknownDefense.description)
    }

    func testTopKLargerThanTheTeachersClassCountFailsAtBuildTime() throws {
        let spec = try DefenseSpec(parsing: "top-k:k=4")
        XCTAssertNoThrow(try ComponentRegistry.shared.resolve(spec, kind: .defense), "the class count is unknown before the teacher exists")
        XCTAssertThrowsError(try ComponentRegistry.shared.makeDefense(spec, context: makeContext(classes: 3))) { e in
            XCTAssertEqual(e as? ComponentError,
                           .invalidValue(kind: .defense, component: "top-k", parameter: "k", value: "4", expected: "an integer from 1 to 3 (the teacher has 3 classes)"))
        }
        XCTAssertNoThrow(try ComponentRegistry.shared.makeDefense(spec, context: makeContext(classes: 4)))
    }
}
