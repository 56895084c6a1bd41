import XCTest
import DistillCore

final class KernelsTests: XCTestCase {
    func testSoftmaxMatchesHandValuesAndIsStable() {
        // softmax([1,2,3]) = e^i / (e+e²+e³)
        let m = Matrix([[1, 2, 3], [1000, 1000, 1000], [-5, 0, 5]])
        let p = m.softmaxRows()
        XCTAssertEqual(p[0, 0], 0.09003057, accuracy: 1e-6)
        XCTAssertEqual(p[0, 1], 0.24472847, accuracy: 1e-6)
        XCTAssertEqual(p[0, 2], 0.66524096, accuracy: 1e-6)
        for j in 0..<3 { XCTAssertEqual(p[1, j], 1.0 / 3, accuracy: 1e-6) }  // no overflow
        // Temperature 2 on [1,2,3] equals softmax([0.5,1,1.5]).
        let t = m.softmaxRows(temperature: 2)
        XCTAssertEqual(t[0, 2], 0.50648039, accuracy: 1e-6)
    }

    func testLogSumExpAgreesWithLogOfSoftmaxAndExcludesAnIndex() {
        let m = Matrix([[0.3, -1.2, 2.5, 0], [10, -10, 0, 1]])
        let p = m.softmaxRows(temperature: 1.5)
        for r in 0..<2 {
            let (mx, lse) = Kernels.logSumExp(m.row(r), count: 4, invT: 1 / 1.5)
            for j in 0..<4 { XCTAssertEqual((m[r, j] - mx) / 1.5 - lse, logf(p[r, j]), accuracy: 1e-5) }
        }
        // Leaving out index 2 of [0.3, -1.2, 2.5, 0]: max 0.3, Σ exp(x − 0.3) over {0.3, -1.2, 0}.
        let (mx, s) = Kernels.maxAndSumExp(m.row(0), count: 4, excluded: 2)
        XCTAssertEqual(mx, 0.3)
        XCTAssertEqual(Double(s), 1 + exp(-1.5) + exp(-0.3), accuracy: 1e-6)
    }

    func testArgmaxTakesFirstOnTiesAndSkipsNaN() {
        let m = Matrix([[1, 3, 3], [.nan, 0, -1], [-2, -1, -3]])
        XCTAssertEqual(m.argmaxRows(), [1, 1, 1])
    }

    func testReluForwardBackwardAndFiniteCheck() {
        var x: [Float] = [-1, 0, 2, -0.5, 3]
        Kernels.reluForward(&x, count: 5)
        XCTAssertEqual(x, [0, 0, 2, 0, 3])
        var g: [Float] = [1, 1, 1, 1, 1]
        Kernels.reluBackward(output: x, gradient: &g, count: 5)
        XCTAssertEqual(g, [0, 0, 1, 0, 1])
        XCTAssertTrue(Kernels.allFinite(x, count: 5))
        XCTAssertFalse(Kernels.allFinite([1, .infinity], count: 2))
        XCTAssertFalse(Kernels.allFinite([.nan, 1], count: 2))
    }
}
