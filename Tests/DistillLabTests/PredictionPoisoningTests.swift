import XCTest
import DistillCore
import DistillNN
import DistillData
import DistillLab

/// Helpers shared by the poisoning tests.
enum PoisoningFixtures {
    /// A small MLP with non-zero biases (so no symmetry hides a bug).
    static func model(_ sizes: [Int], seed: UInt64) -> MLP {
        var rng = RandomStream(seed: seed, label: "poisoning-model")
        let m = MLP(sizes: sizes, initialization: .he, rng: &rng)
        for l in m.layers { for j in 0..<l.outputs { m.parameters.storage[l.biasOffset + j] = Float(rng.uniform() * 0.4 - 0.2) } }
        return m
    }

    static func inputs(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed, label: "poisoning-inputs")
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(rng.uniform()) })
    }

    /// Teacher-like responses: softmax of random logits whose scale varies per
    /// row, so confident, unsure and near-tied rows all occur.
    static func responses(_ n: Int, _ k: Int, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed, label: "poisoning-responses")
        var v = [Float]()
        for r in 0..<n {
            let scale = [0.05, 0.5, 2, 6, 12][r % 5]
            v += (0..<k).map { _ in Float(rng.normal() * scale) }
        }
        return Matrix(rows: n, cols: k, values: v).softmaxRows()
    }

    /// A defense context on synthetic data (3 classes, 6 features).
    static func context(seed: UInt64 = 7, hidden: [Int] = [8]) throws -> DefenseContext {
        let teacher = model([6, 10, 3], seed: 99)
        let x = inputs(120, 6, seed: 1)
        let y = (0..<120).map { Int32(Kernels.argmax(x.row($0), count: 3)) }
        let data = try Dataset(name: "synthetic", features: x, labels: y, classNames: ["a", "b", "c"])
        return DefenseContext(teacher: teacher, ownerData: data, validation: data, seed: seed, surrogateHidden: hidden)
    }

    /// The penultimate activation h (the input for a one-layer model) and softmax s of `model` on `x`.
    static func penultimateAndProbabilities(_ model: MLP, _ x: Matrix) -> (h: Matrix, s: Matrix) {
        let acts = MLPActivations(for: model, capacity: x.rows)
        model.forward(x.storage, batch: x.rows, activations: acts)
        let h = model.layers.count > 1 ? acts.outputs[model.layers.count - 2].copy() : x.copy()
        return (h, model.probabilities(x))
    }
}

/// MAD prediction poisoning: closed-form Jacobian objective, oracle choices,
/// ε-projection, argmax preservation, registry.
final class PredictionPoisoningTests: XCTestCase {
    /// G by central differences: row k = ∂ log softmax(z)_k / ∂W_last (flattened), for one input row.
    func finiteDifferenceJacobian(_ model: MLP, _ x: Matrix, row: Int) -> [[Double]] {
        let k = model.classCount, last = model.layers[model.layers.count - 1]
        let xi = Matrix(rows: 1, cols: x.cols, values: x.rowValues(row))
        var g = [[Double]](repeating: [Double](repeating: 0, count: last.inputs * last.outputs), count: k)
        let eps: Float = 1e-2
        func logSoftmax() -> [Double] {
            let z = model.logits(xi).rowValues(0).map(Double.init)
            let m = z.max()!, lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
            return z.map { $0 - lse }
        }
        for w in 0..<(last.inputs * last.outputs) {
            let p = model.parameters.storage + last.weightOffset + w
            let saved = p.pointee
            p.pointee = saved + eps; let plus = logSoftmax()
            p.pointee = saved - eps; let minus = logSoftmax()
            p.pointee = saved
            for c in 0..<k { g[c][w] = (plus[c] - minus[c]) / Double(2 * eps) }
        }
        return g
    }

    /// ‖Gᵀy‖² with G materialised.
    func gradientNormSquared(_ g: [[Double]], _ y: [Double]) -> Double {
        var total = 0.0
        for w in 0..<g[0].count {
            var v = 0.0
            for c in 0..<g.count { v += g[c][w] * y[c] }
            total += v * v
        }
        return total
    }

    /// The reference's calc_objective: ‖Gᵀỹ/‖Gᵀỹ‖ − Gᵀp/‖Gᵀp‖‖².
    func normalizedObjective(_ g: [[Double]], _ t: [Double], _ p: [Double]) -> Double {
        func direction(_ y: [Double]) -> [Double] {
            let v = (0..<g[0].count).map { w in (0..<g.count).map { g[$0][w] * y[$0] }.reduce(0, +) }
            let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / n }
        }
        let u = direction(t), v = direction(p)
        return zip(u, v).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
    }

    func testClosedFormObjectiveMatchesFiniteDifferenceJacobian() throws {
        let surrogate = PoisoningFixtures.model([5, 7, 4], seed: 1)
        let x = PoisoningFixtures.inputs(6, 5, seed: 2)
        let p = PoisoningFixtures.responses(6, 4, seed: 3)
        let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: 0.5)
        let closed = try mad.vertexObjectives(queries: x, responses: p)
        let (h, s) = PoisoningFixtures.penultimateAndProbabilities(surrogate, x)
        for r in 0..<6 {
            let g = finiteDifferenceJacobian(surrogate, x, row: r)
            let pr = p.rowValues(r).map(Double.init)
            for k in 0..<4 {
                let y = (0..<4).map { ($0 == k ? 1 : 0) - pr[$0] }
                let brute = gradientNormSquared(g, y)
                XCTAssertEqual(Double(closed[r, k]), brute, accuracy: 1e-3 * max(brute, 1e-3), "row \(r) vertex \(k)")
            }
            // A direction that does not sum to zero exercises the s·Σy term.
            let y = [0.3, -1.2, 0.7, 0.9]
            let hr = h.rowValues(r).map(Double.init)
            let closedY = PredictionPoisoning.jacobianNormSquared(y, hNormSquared: hr.map { $0 * $0 }.reduce(0, +),
                                                                  probabilities: s.rowValues(r).map(Double.init))
            let bruteY = gradientNormSquared(g, y)
            XCTAssertEqual(closedY, bruteY, accuracy: 1e-3 * bruteY)
        }
    }

    /// Both objectives: the oracle's vertex is the brute-force argmax over k of the
    /// objective computed from a finite-difference G.
    func testOracleChoosesTheVertexMaximisingTheObjective() throws {
        let surrogate = PoisoningFixtures.model([5, 6, 4], seed: 4)
        let x = PoisoningFixtures.inputs(10, 5, seed: 5)
        let p = PoisoningFixtures.responses(10, 4, seed: 6)
        for objective in MADObjective.allCases {
            let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: 0.5, objective: objective)
            let targets = try mad.targets(queries: x, responses: p)
            for r in 0..<10 {
                let g = finiteDifferenceJacobian(surrogate, x, row: r)
                let pr = p.rowValues(r).map(Double.init)
                let values = (0..<4).map { k -> Double in
                    let e = (0..<4).map { $0 == k ? 1.0 : 0 }
                    return objective == .surrogate ? gradientNormSquared(g, zip(e, pr).map { $0 - $1 })
                                                   : normalizedObjective(g, e, pr)
                }
                let best = values.indices.max { values[$0] < values[$1] }!
                let sorted = values.sorted(by: >)
                guard sorted[0] - sorted[1] > 1e-3 * sorted[0] else { continue }  // near-tie: FD cannot decide
                XCTAssertEqual(targets.rowValues(r), (0..<4).map { $0 == best ? 1 : 0 }, "\(objective) row \(r): \(values)")
            }
        }
    }

    /// With the default objective and responses that sum to one, ‖Gᵀ(e_k − p)‖² = ‖h‖²·‖e_k − p‖²,
    /// so standard MAD moves toward the least likely class.
    func testStandardMADMovesTowardTheLeastLikelyClass() throws {
        let mad = try PredictionPoisoning(surrogate: PoisoningFixtures.model([5, 6, 4], seed: 4), epsilon: 0.5)
        let p = Matrix([[0.5, 0.3, 0.15, 0.05], [0.1, 0.2, 0.3, 0.4]])
        let x = PoisoningFixtures.inputs(2, 5, seed: 5)
        mad.apply(toCopyOf: p, queries: x) { q in
            // L1 distance to e_3 is 0.5+0.3+0.15+0.95 = 1.9 → a = 0.5/1.9.
            let a = 0.5 / (1.9 + 1e-7)
            let expected0 = [0.5, 0.3, 0.15, 0.05].enumerated().map { (1 - a) * $0.element + a * ($0.offset == 3 ? 1 : 0) }
            for j in 0..<4 { XCTAssertEqual(Double(q[0, j]), expected0[j], accuracy: 1e-6) }
            // Row 1: e_0 is farthest; ‖e_0 − p‖₁ = 0.9 + 0.9 = 1.8.
            let b = 0.5 / (1.8 + 1e-7)
            let expected1 = [0.1, 0.2, 0.3, 0.4].enumerated().map { (1 - b) * $0.element + b * ($0.offset == 0 ? 1 : 0) }
            for j in 0..<4 { XCTAssertEqual(Double(q[1, j]), expected1[j], accuracy: 1e-6) }
        }
    }

    /// The derivation says the surrogate cannot change standard MAD's choice
    /// (the least likely class). On a confident teacher's Float responses the
    /// near-zero classes lie 1e-10 apart while the sums miss 1 by ~1e-7: the
    /// oracle must rank by ‖ỹ − p‖², not let the s·Σy round-off pick among them.
    func testTheSurrogateDoesNotChooseAmongNearZeroClasses() throws {
        let k = 10, n = 300
        let x = PoisoningFixtures.inputs(n, 5, seed: 11)
        let p = PoisoningFixtures.responses(n, k, seed: 12)
        let sums = (0..<n).map { abs(p.rowValues($0).map(Double.init).reduce(0, +) - 1) }
        XCTAssertGreaterThan(sums.max()!, 1e-8, "the fixture's Float sums must miss 1 for this test to bite")
        let leastLikely = (0..<n).map { r -> Int in
            let v = p.rowValues(r)
            return v.indices.min { v[$0] < v[$1] }!  // first index among exact ties
        }
        for seed in [1, 2, 3] as [UInt64] {
            for variant in MADVariant.allCases {
                let mad = try PredictionPoisoning(surrogate: PoisoningFixtures.model([5, 9, k], seed: seed), epsilon: 0.5, variant: variant)
                let t = try mad.targets(queries: x, responses: p)
                if variant == .standard {
                    let chosen = (0..<n).map { Kernels.argmax(t.row($0), count: k) }
                    XCTAssertEqual(chosen, leastLikely, "surrogate \(seed)")
                } else {
                    let reference = try PredictionPoisoning(surrogate: PoisoningFixtures.model([5, 9, k], seed: 99), epsilon: 0.5, variant: variant)
                    XCTAssertEqual(t.values, try reference.targets(queries: x, responses: p).values, "surrogate \(seed), \(variant)")
                }
            }
        }
    }

    /// MAD-argmax: the target is the best mixture over all vertex sets containing
    /// the top class (brute force over the 2^(K−1) sets), and it keeps the top class.
    func testArgmaxOracleIsTheBestMixtureByBruteForce() throws {
        let k = 5
        let surrogate = PoisoningFixtures.model([6, 8, k], seed: 8)
        let x = PoisoningFixtures.inputs(40, 6, seed: 9)
        let p = PoisoningFixtures.responses(40, k, seed: 10)
        let (h, s) = PoisoningFixtures.penultimateAndProbabilities(surrogate, x)
        let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: 0.5, variant: .argmaxPreserving)
        let targets = try mad.targets(queries: x, responses: p)
        for r in 0..<40 {
            let pr = p.rowValues(r).map(Double.init), sr = s.rowValues(r).map(Double.init)
            let h2 = h.rowValues(r).map { Double($0) * Double($0) }.reduce(0, +)
            let m = Kernels.argmax(p.row(r), count: k)
            func objective(_ t: [Double]) -> Double {
                PredictionPoisoning.jacobianNormSquared(zip(t, pr).map { $0 - $1 }, hNormSquared: h2, probabilities: sr)
            }
            var bestValue = -1.0
            for set in 0..<(1 << k) where set & (1 << m) != 0 {
                var t = (0..<k).map { set & (1 << $0) != 0 ? 1.0 : 0 }
                t[m] += 1e-5
                let total = t.reduce(0, +)
                bestValue = max(bestValue, objective(t.map { $0 / total }))
            }
            let chosen = targets.rowValues(r).map(Double.init)
            XCTAssertEqual(objective(chosen), bestValue, accuracy: 1e-5 * bestValue, "row \(r)")
            XCTAssertEqual(Kernels.argmax(targets.row(r), count: k), m)
        }
    }

    /// Property over many rows, both norms, several budgets: ‖q − p‖ ≤ ε, rows stay
    /// distributions, and the step goes as far as the budget allows.
    func testPerturbationStaysWithinBudgetAndRowsStayDistributions() throws {
        let k = 10
        let surrogate = PoisoningFixtures.model([8, 12, k], seed: 11)
        let n = 300
        let x = PoisoningFixtures.inputs(n, 8, seed: 12)
        let p = PoisoningFixtures.responses(n, k, seed: 13)
        for variant in MADVariant.allCases {
            for norm in PerturbationNorm.allCases {
                for epsilon in [0.05, 0.5, 1.0, 3.0] {
                    let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: epsilon, norm: norm, variant: variant)
                    mad.apply(toCopyOf: p, queries: x) { q in
                        for r in 0..<n {
                            let d = (0..<k).map { Double(q[r, $0]) - Double(p[r, $0]) }
                            let dist = norm == .l1 ? d.map(abs).reduce(0, +) : d.map { $0 * $0 }.reduce(0, +).squareRoot()
                            XCTAssertLessThanOrEqual(dist, epsilon + 1e-5, "\(variant) \(norm) ε=\(epsilon) row \(r)")
                            // Full budget used unless the target itself is within reach.
                            if epsilon <= 0.5 { XCTAssertGreaterThan(dist, epsilon * 0.99 - 1e-5) }
                            XCTAssertEqual(q.rowValues(r).map(Double.init).reduce(0, +), 1, accuracy: 1e-5)
                            XCTAssertTrue(q.rowValues(r).allSatisfy { $0 >= 0 && $0 <= 1 })
                        }
                    }
                }
            }
        }
    }

    func testArgmaxVariantKeepsTopOneOnEveryRow() throws {
        let k = 10
        let surrogate = PoisoningFixtures.model([8, 12, k], seed: 14)
        let n = 500
        let x = PoisoningFixtures.inputs(n, 8, seed: 15)
        let p = PoisoningFixtures.responses(n, k, seed: 16)
        let top = p.argmaxRows()
        var changedTop = 0
        for norm in PerturbationNorm.allCases {
            for epsilon in [0.001, 0.1, 0.5, 2.0] {
                let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: epsilon, norm: norm, variant: .argmaxPreserving)
                mad.apply(toCopyOf: p, queries: x) { q in XCTAssertEqual(q.argmaxRows(), top, "\(norm) ε=\(epsilon)") }
                let plain = try PredictionPoisoning(surrogate: surrogate, epsilon: epsilon, norm: norm)
                plain.apply(toCopyOf: p, queries: x) { q in changedTop += zip(q.argmaxRows(), top).filter { $0 != $1 }.count }
            }
        }
        XCTAssertGreaterThan(changedTop, 100)  // standard MAD does flip labels, so the property is not vacuous
    }

    /// K > 10 uses the greedy search; it still keeps the top class and the budget.
    func testGreedyArgmaxSearchForManyClasses() throws {
        let k = 14
        let surrogate = PoisoningFixtures.model([6, 9, k], seed: 17)
        let x = PoisoningFixtures.inputs(60, 6, seed: 18)
        let p = PoisoningFixtures.responses(60, k, seed: 19)
        let mad = try PredictionPoisoning(surrogate: surrogate, epsilon: 0.5, variant: .argmaxPreserving)
        mad.apply(toCopyOf: p, queries: x) { q in
            XCTAssertEqual(q.argmaxRows(), p.argmaxRows())
            for r in 0..<60 {
                let l1 = (0..<k).map { abs(Double(q[r, $0]) - Double(p[r, $0])) }.reduce(0, +)
                XCTAssertLessThanOrEqual(l1, 0.5 + 1e-5)
                XCTAssertGreaterThan(l1, 0.49)
            }
        }
    }

    func testZeroBudgetLeavesResponsesUnchanged() throws {
        let x = PoisoningFixtures.inputs(20, 5, seed: 20)
        let p = PoisoningFixtures.responses(20, 4, seed: 21)
        let mad = try PredictionPoisoning(surrogate: PoisoningFixtures.model([5, 6, 4], seed: 4), epsilon: 0)
        mad.apply(toCopyOf: p, queries: x) { q in XCTAssertEqual(q.values, p.values) }
    }

    func testRegistryEntriesDefaultsAndDeterminism() throws {
        let mad = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: "mad"))
        let argmax = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: "mad-argmax"))
        XCTAssertFalse(mad.argmaxPreserving); XCTAssertTrue(argmax.argmaxPreserving)
        XCTAssertFalse(mad.randomized); XCTAssertFalse(argmax.randomized)
        let defaults = Dictionary(uniqueKeysWithValues: mad.parameters.map { ($0.name, $0.defaultValue ?? "") })
        XCTAssertEqual(defaults, ["epsilon": "0.5", "norm": "l1", "surrogate": "random", "objective": "surrogate", "surrogate-epochs": "10"])

        let context = try PoisoningFixtures.context()
        let built = try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: "mad"), context: context)
        let typed = try XCTUnwrap(built as? PredictionPoisoning)
        XCTAssertEqual(typed.epsilon, 0.5); XCTAssertEqual(typed.norm, .l1); XCTAssertEqual(typed.variant, .standard)
        XCTAssertEqual(typed.surrogate.sizes, [6, 8, 3])  // [input] + surrogateHidden + [K]

        // Same seed → bit-identical responses; the normalized objective depends on the surrogate, so another seed differs.
        let x = PoisoningFixtures.inputs(200, 6, seed: 22)
        let p = context.teacher.probabilities(x)
        func answers(_ spec: String, seed: UInt64) throws -> [Float] {
            let d = try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: spec), context: try PoisoningFixtures.context(seed: seed))
            let q = p.copy()
            var rng = RandomStream(seed: 0, purpose: .defense)
            try d.apply(to: q, queries: x, rng: &rng)
            return q.values
        }
        for spec in ["mad", "mad-argmax:norm=l2,epsilon=0.3", "mad:objective=normalized", "mad:surrogate=trained,surrogate-epochs=2"] {
            XCTAssertEqual(try answers(spec, seed: 7), try answers(spec, seed: 7), spec)
        }
        XCTAssertNotEqual(try answers("mad:objective=normalized", seed: 7), try answers("mad:objective=normalized", seed: 8))
        XCTAssertNotEqual(try answers("mad", seed: 7), p.values)
    }

    func testTrainedSurrogateLearnsTheOwnersTask() throws {
        let context = try PoisoningFixtures.context(hidden: [16])
        let random = try PredictionPoisoning.make(context: context, variant: .standard, epsilon: 0.5, norm: .l1, surrogate: .random)
        let trained = try PredictionPoisoning.make(context: context, variant: .standard, epsilon: 0.5, norm: .l1,
                                                   surrogate: .trained, surrogateEpochs: 300)
        let data = context.ownerData
        func accuracy(_ m: MLP) -> Double { Metrics.accuracy(m.predictions(data.features), data.labels) }
        XCTAssertGreaterThan(accuracy(trained.surrogate), 0.8)
        XCTAssertGreaterThan(accuracy(trained.surrogate), accuracy(random.surrogate) + 0.2)
        let teacherSurrogate = try PredictionPoisoning.make(context: context, variant: .standard, epsilon: 0.5, norm: .l1, surrogate: .teacher)
        XCTAssertEqual(teacherSurrogate.surrogate.parameters.values, context.teacher.parameters.values)
    }

    func testBadParametersGiveDefenseErrors() throws {
        func error(_ spec: String) -> ComponentError? {
            do { _ = try ComponentRegistry.shared.resolve(DefenseSpec(parsing: spec), kind: .defense); return nil } catch { return error as? ComponentError }
        }
        XCTAssertEqual(error("mad:epsilon=-0.1"), .invalidValue(kind: .defense, component: "mad", parameter: "epsilon", value: "-0.1", expected: "a number ≥ 0"))
        XCTAssertEqual(error("mad-argmax:norm=l3"), .invalidValue(kind: .defense, component: "mad-argmax", parameter: "norm", value: "l3", expected: "one of l1, l2 (did you mean 'l1'?)"))
        XCTAssertEqual(error("mad:surrogate=pretrained"),
                       .invalidValue(kind: .defense, component: "mad", parameter: "surrogate", value: "pretrained", expected: "one of random, trained, teacher (did you mean 'trained'?)"))
        XCTAssertEqual(error("mad:epsilon=nan")?.description.contains("epsilon=nan is invalid"), true)
        if case let .unknownParameter(_, _, parameter, _)? = error("mad:eps=0.5") { XCTAssertEqual(parameter, "eps") } else { XCTFail("eps accepted") }
        XCTAssertNil(error("mad-argmax:epsilon=0.2,norm=l2,surrogate=trained,objective=normalized,surrogate-epochs=3"))
        XCTAssertThrowsError(try PredictionPoisoning(surrogate: PoisoningFixtures.model([3, 2], seed: 1), epsilon: -1)) { e in
            XCTAssertEqual(e as? DefenseError, .invalidValue(defense: "mad", parameter: "epsilon", value: "-1.0", expected: "a number ≥ 0"))
        }
        // Shapes that do not fit the surrogate are one clear error, not a crash.
        let mad = try PredictionPoisoning(surrogate: PoisoningFixtures.model([3, 2], seed: 1), epsilon: 0.5)
        var rng = RandomStream(seed: 0, purpose: .defense)
        XCTAssertThrowsError(try mad.apply(to: Matrix(rows: 2, cols: 3), queries: Matrix(rows: 2, cols: 3), rng: &rng)) { e in
            XCTAssertTrue("\(e)".contains("do not fit"), "\(e)")
        }
        XCTAssertThrowsError(try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: "mad"), context: try PoisoningFixtures.context(hidden: [0]))) { e in
            XCTAssertTrue("\(e)".contains("widths must be positive"), "\(e)")
        }
    }
}

extension ResponseDefense {
    /// Applies the defense to a copy of `responses` and hands it to `check`.
    func apply(toCopyOf responses: Matrix, queries: Matrix, _ check: (Matrix) -> Void) {
        let q = responses.copy()
        var rng = RandomStream(seed: 0, purpose: .defense)
        XCTAssertNoThrow(try apply(to: q, queries: queries, rng: &rng))
        check(q)
    }
}
