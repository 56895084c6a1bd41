import XCTest
import DistillCore

/// The BLAS wrapper against a naive double-precision reference.
final class BLASTests: XCTestCase {
    func naiveGemm(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, alpha: Double, a: [Float], lda: Int,
                   b: [Float], ldb: Int, beta: Double, c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * lda + i] : a[i * lda + p]
                    let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                out[i * ldc + j] = Float(alpha * s + beta * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    func randomValues(_ n: Int, _ rng: inout RandomStream) -> [Float] { (0..<n).map { _ in Float(rng.uniform() * 2 - 1) } }

    func testGemmAllTransposesOddShapes() {
        var rng = RandomStream(seed: 1, label: "blas")
        let shapes = [(1, 1, 1), (7, 5, 3), (3, 11, 1), (33, 17, 65), (64, 10, 129), (2, 130, 9)]
        for (m, n, k) in shapes {
            for ta in [false, true] {
                for tb in [false, true] {
                    // Stored shapes; padded leading dimensions exercise lda/ldb/ldc.
                    let (ar, ac) = ta ? (k, m) : (m, k)
                    let (br, bc) = tb ? (n, k) : (k, n)
                    let lda = ac + 2, ldb = bc + 1, ldc = n + 3
                    let a = randomValues(ar * lda, &rng), b = randomValues(br * ldb, &rng), c = randomValues(m * ldc, &rng)
                    let expected = naiveGemm(ta, tb, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb,
                                             beta: -0.3, c: c, ldc: ldc)
                    var got = c
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            got.withUnsafeMutableBufferPointer { pc in
                                BLAS.gemm(ta ? .transpose : .none, tb ? .transpose : .none, m: m, n: n, k: k, alpha: 0.7,
                                          a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                          beta: -0.3, c: pc.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    for i in 0..<got.count {
                        XCTAssertEqual(got[i], expected[i], accuracy: 1e-4 * Float(k).squareRoot() + 1e-5,
                                       "gemm \(ta ? "T" : "N")\(tb ? "T" : "N") \(m)×\(n)×\(k) element \(i)")
                    }
                }
            }
        }
    }

    func testMatrixProductChecksShapesAndMatchesHandValues() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        XCTAssertEqual(Matrix.product(a, b).values, [58, 64, 139, 154])
        XCTAssertEqual(Matrix.product(a, a, transA: .transpose).values, [17, 22, 27, 22, 29, 36, 27, 36, 45])
        XCTAssertEqual(Matrix.product(a, a, transB: .transpose).values, [14, 32, 32, 77])
    }

    func testGemvBothOrientationsAndLevel1() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let x3: [Float] = [1, -1, 2], x2: [Float] = [3, -2]
        var y2 = [Float](repeating: 1, count: 2), y3 = [Float](repeating: 0, count: 3)
        BLAS.gemv(.none, rows: 2, cols: 3, alpha: 2, a: a.storage, lda: 3, x: x3, beta: 1, y: &y2)
        XCTAssertEqual(y2, [2 * 5 + 1, 2 * 11 + 1])
        BLAS.gemv(.transpose, rows: 2, cols: 3, a: a.storage, lda: 3, x: x2, y: &y3)
        XCTAssertEqual(y3, [3 - 8, 6 - 10, 9 - 12])
        var y: [Float] = [1, 1, 1]
        BLAS.axpy(count: 3, alpha: 2, x: x3, y: &y)
        XCTAssertEqual(y, [3, -1, 5])
        XCTAssertEqual(BLAS.dot(count: 3, x3, y), 3 + 1 + 10)
        BLAS.scal(count: 3, alpha: 0.5, x: &y)
        XCTAssertEqual(y, [1.5, -0.5, 2.5])
    }

    func testThreadCountIsSettable() {
        let before = BLAS.threads
        BLAS.threads = 1
        XCTAssertEqual(BLAS.threads, 1)
        BLAS.threads = before
        XCTAssertFalse(BLAS.coreName.isEmpty)
    }
}
