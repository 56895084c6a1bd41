import XCTest
import DistillCore
import DistillNN
import DistillLab

/// A defense for tests: records calls and applies a simple transform.
final class RecordingDefense: ResponseDefense {
    let name: String
    var calls = 0
    let transform: (Matrix) -> Void
    init(_ name: String, _ transform: @escaping (Matrix) -> Void) { self.name = name; self.transform = transform }
    func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        calls += 1
        transform(responses)
    }
}

final class OracleTests: XCTestCase {
    func makeTeacher() -> MLP {
        var rng = RandomStream(seed: 1, purpose: .teacherInit)
        return MLP(sizes: [4, 6, 3], rng: &rng)
    }

    func inputs(_ n: Int) -> Matrix {
        var rng = RandomStream(seed: 2, label: "x")
        return Matrix(rows: n, cols: 4, values: (0..<(4 * n)).map { _ in Float(rng.uniform()) })
    }

    func testAnswersAreTeacherProbabilitiesAndQueriesAreCountedPerClient() throws {
        let teacher = makeTeacher()
        let oracle = Oracle(teacher: teacher, defenseStream: RandomStream(seed: 0, purpose: .defense))
        let x = inputs(7)
        let answer = try oracle.query(x, client: "a")
        _ = try oracle.query(inputs(3), client: "b")
        _ = try oracle.query(inputs(2), client: "a")
        XCTAssertEqual(answer.values, teacher.probabilities(x).values)
        for r in 0..<7 { XCTAssertEqual(answer.rowValues(r).reduce(0, +), 1, accuracy: 1e-5) }
        XCTAssertEqual(oracle.queryCounts, ["a": 9, "b": 3])
        XCTAssertEqual(oracle.totalQueries, 12)
    }

    func testBudgetIsEnforcedWithoutCountingTheRefusedBatch() throws {
        let oracle = Oracle(teacher: makeTeacher(), defenseStream: RandomStream(seed: 0, purpose: .defense))
        oracle.budgets["thief"] = 10
        _ = try oracle.query(inputs(8), client: "thief")
        XCTAssertThrowsError(try oracle.query(inputs(3), client: "thief")) { e in
            XCTAssertEqual(e as? OracleError, .budgetExhausted(client: "thief", budget: 10, used: 8, requested: 3))
            XCTAssertTrue("\(e)".contains("budget of 10"))
        }
        XCTAssertEqual(oracle.queryCounts["thief"], 8)
        _ = try oracle.query(inputs(2), client: "thief")
        XCTAssertEqual(oracle.queryCounts["thief"], 10)
        XCTAssertNoThrow(try oracle.query(inputs(40), client: "unbudgeted"))
    }

    func testWrongInputWidthIsRejected() {
        let oracle = Oracle(teacher: makeTeacher(), defenseStream: RandomStream(seed: 0, purpose: .defense))
        XCTAssertThrowsError(try oracle.query(Matrix(rows: 2, cols: 5), client: "a")) { e in
            XCTAssertEqual(e as? OracleError, .wrongInputWidth(got: 5, expected: 4))
        }
    }

    func testDefensesApplyInOrderToEveryBatch() throws {
        let first = RecordingDefense("one-hot") { m in
            for r in 0..<m.rows {
                let best = Kernels.argmax(m.row(r), count: m.cols)
                for j in 0..<m.cols { m[r, j] = j == best ? 1 : 0 }
            }
        }
        let second = RecordingDefense("halve") { m in BLAS.scal(count: m.count, alpha: 0.5, x: m.storage) }
        let teacher = makeTeacher()
        let oracle = Oracle(teacher: teacher, defenses: [first, second], defenseStream: RandomStream(seed: 0, purpose: .defense))
        let x = inputs(5)
        let answer = try oracle.query(x, client: "a")
        _ = try oracle.query(x, client: "a")
        XCTAssertEqual(first.calls, 2)
        XCTAssertEqual(second.calls, 2)
        let top = teacher.predictions(x)
        for r in 0..<5 { for j in 0..<3 { XCTAssertEqual(answer[r, j], j == Int(top[r]) ? 0.5 : 0) } }
        XCTAssertEqual(oracle.totalQueries, 10)
    }
}

/// The `random` strategy, the attacker of the foundation experiment.
final class AttackerTests: XCTestCase {
    func context(pool: Matrix, budget: Int, batch: Int = 500) -> AttackContext {
        AttackContext(pool: pool, budget: budget, queryBatch: batch, studentSizes: [pool.cols, 2],
                      studentTraining: TrainingConfig(epochs: 1, selection: .last))
    }

    func testCollectsExactlyTheBudgetOfDistinctPoolRows() throws {
        var rng = RandomStream(seed: 1, purpose: .teacherInit)
        let teacher = MLP(sizes: [3, 4, 2], rng: &rng)
        let oracle = Oracle(teacher: teacher, defenseStream: RandomStream(seed: 0, purpose: .defense))
        let pool = Matrix(rows: 50, cols: 3, values: (0..<150).map { Float($0) / 150 })
        var attack = RandomStream(seed: 3, purpose: .attack)
        let transfer = try RandomPoolStrategy().collect(context: context(pool: pool, budget: 23, batch: 5).connected(to: oracle), rng: &attack).transfer
        XCTAssertEqual(transfer.count, 23)
        XCTAssertEqual(Set(transfer.poolIndices).count, 23)
        XCTAssertEqual(oracle.queryCounts["attacker"], 23)
        XCTAssertEqual(transfer.inputs.values, pool.gatherRows(transfer.poolIndices).values)
        XCTAssertEqual(transfer.responses.values, teacher.probabilities(transfer.inputs).values)
        XCTAssertEqual(transfer.responseLabels, teacher.predictions(transfer.inputs))
    }

    func testBudgetLargerThanPoolIsAClearError() {
        var rng = RandomStream(seed: 1, purpose: .teacherInit)
        let oracle = Oracle(teacher: MLP(sizes: [3, 2], rng: &rng), defenseStream: RandomStream(seed: 0, purpose: .defense))
        var attack = RandomStream(seed: 3, purpose: .attack)
        XCTAssertThrowsError(try RandomPoolStrategy().collect(context: context(pool: Matrix(rows: 10, cols: 3), budget: 11).connected(to: oracle), rng: &attack)) { e in
            guard case .incompatible = e as? AttackError else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("at most 10"), "\(e)")
        }
        XCTAssertEqual(oracle.totalQueries, 0, "nothing is queried before the check")
    }
}
