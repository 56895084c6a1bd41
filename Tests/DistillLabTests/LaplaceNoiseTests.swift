import XCTest
import DistillCore
import DistillLab

/// `laplace-noise`, the built-in added after the catalogue plug-in: declared
/// in one file and found by the registry without any other edit.
final class LaplaceNoiseTests: XCTestCase {
    func testRegisteredFromItsOwnDeclaration() throws {
        let d = try XCTUnwrap(ComponentRegistry.shared.descriptor(.defense, named: "laplace-noise"))
        XCTAssertEqual(d.parameters.map(\.name), ["b"])
        XCTAssertEqual(d.parameters.first?.defaultValue, "0.05")
        XCTAssertTrue(d.randomized)
        XCTAssertFalse(d.argmaxPreserving)
        XCTAssertEqual(try ComponentRegistry.shared.resolvedSpec(DefenseSpec(parsing: "laplace-noise"), kind: .defense).description,
                       "laplace-noise:b=0.05")
        XCTAssertThrowsError(try ComponentRegistry.shared.resolvedSpec(DefenseSpec(parsing: "laplace-noise:b=-1"), kind: .defense)) {
            XCTAssertTrue("\($0)".contains("b"), "\($0)")
        }
    }

    /// Rows of 4 classes at 0.25 with b = 0.005 (never clipped): after
    /// renormalising, row₀ − ¼ ≈ ¾n₀ − ¼(n₁+n₂+n₃), so its variance is
    /// 1.5 b² and its excess kurtosis 3·Σa⁴/(Σa²)² = 1.75 — Gaussian noise of the
    /// same variance would give 0.
    func testNoiseHasTheLaplaceVarianceAndTails() throws {
        let rows = 40_000, b = 0.005
        let m = Matrix(rows: rows, cols: 4, values: [Float](repeating: 0.25, count: rows * 4))
        var rng = RandomStream(seed: 3, purpose: .defense)
        try LaplaceNoiseDefense(scale: b).apply(to: m, queries: Matrix(rows: rows, cols: 1), rng: &rng)
        let d = (0..<rows).map { Double(m[$0, 0]) - 0.25 }
        let mean = d.reduce(0, +) / Double(rows)
        let m2 = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)
        let m4 = d.map { pow($0 - mean, 4) }.reduce(0, +) / Double(rows)
        XCTAssertEqual(m2 / (1.5 * b * b), 1, accuracy: 0.05)
        XCTAssertEqual(m4 / (m2 * m2) - 3, 1.75, accuracy: 0.35)
        for r in 0..<rows { XCTAssertEqual(m.rowValues(r).reduce(0, +), 1, accuracy: 1e-5) }
    }

    func testSameStreamSameAnswersAndZeroScaleOnlyRenormalises() throws {
        let p: [[Float]] = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
        func run(_ b: Double, seed: UInt64) throws -> [[Float]] {
            let m = Matrix(p)
            var rng = RandomStream(seed: seed, purpose: .defense)
            try LaplaceNoiseDefense(scale: b).apply(to: m, queries: Matrix(rows: 2, cols: 1), rng: &rng)
            return (0..<2).map { m.rowValues($0) }
        }
        XCTAssertEqual(try run(0.1, seed: 7), try run(0.1, seed: 7))
        XCTAssertNotEqual(try run(0.1, seed: 7), try run(0.1, seed: 8))
        XCTAssertEqual(try run(0, seed: 7), p)
        // A scale that clips whole rows falls back to the teacher's top class, one-hot.
        for row in try run(1e6, seed: 7) { XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-6) }
    }
}
