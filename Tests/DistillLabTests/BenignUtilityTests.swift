import XCTest
import DistillCore
import DistillLab

final class BenignUtilityTests: XCTestCase {
    func testHandComputedDistortionAndAccuracy() {
        // Row 0: p = [0.7, 0.2, 0.1] → q = one-hot(0): L1 = 0.3 + 0.2 + 0.1 = 0.6, KL = 0.7·ln(0.7/1) + 0.2·ln(0.2/1e-12) + 0.1·ln(0.1/1e-12).
        // Row 1: p = [0.3, 0.6, 0.1] → q = [0.5, 0.4, 0.1]: top-1 flips to class 0; L1 = 0.4; KL = 0.3 ln(0.3/0.5) + 0.6 ln(0.6/0.4).
        let p = Matrix([[0.7, 0.2, 0.1], [0.3, 0.6, 0.1]])
        let q = Matrix([[1, 0, 0], [0.5, 0.4, 0.1]])
        let u = BenignUtility.measure(clean: p, defended: q, labels: [0, 1])
        XCTAssertEqual(u.cleanAccuracy, 1)
        XCTAssertEqual(u.defendedAccuracy, 0.5)
        XCTAssertEqual(u.accuracyLoss, 0.5)
        XCTAssertEqual(u.top1Agreement, 0.5)
        XCTAssertEqual(u.meanL1, (0.6 + 0.4) / 2, accuracy: 1e-6)
        let kl0 = 0.7 * log(0.7) + 0.2 * log(0.2 / 1e-12) + 0.1 * log(0.1 / 1e-12)
        let kl1 = 0.3 * log(0.3 / 0.5) + 0.6 * log(0.6 / 0.4)
        XCTAssertEqual(u.meanKL, (kl0 + kl1) / 2, accuracy: 1e-5)
    }

    func testUndefendedResponsesCostNothing() {
        let p = Matrix([[0.25, 0.75], [0.9, 0.1]])
        let u = BenignUtility.measure(clean: p, defended: p.copy(), labels: [1, 1])
        XCTAssertEqual(u.meanL1, 0)
        XCTAssertEqual(u.meanKL, 0, accuracy: 1e-12)
        XCTAssertEqual(u.defendedAccuracy, u.cleanAccuracy)
        XCTAssertEqual(u.top1Agreement, 1)
    }
}
