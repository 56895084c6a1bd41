import XCTest
import DistillCore
import DistillNN
import DistillLab

/// Published behaviour the lab must reproduce (methods.md §8), as seeded
/// experiments on the shipped digits (and Fashion-MNIST where the effect needs
/// thousands of queries). Thresholds leave room around the measured values
/// noted beside each assertion (seed 0, 1 BLAS thread).
final class PublishedBehaviourTests: XCTestCase {
    func digits(_ defenses: [String], temperature: Float? = nil) throws -> ExperimentResult {
        var s = ExperimentSettings.defaults(for: "digits")
        s.defense.responses = try defenses.map { try DefenseSpec(parsing: $0) }
        if let t = temperature { s.student.temperature = t }
        return try Experiment(settings: s).run()
    }

    /// ART's demo (Lee et al. 2019): reverse sigmoid (β = 1, γ = 0.2) collapses
    /// probability-trained students while argmax-trained ones stay near their
    /// undefended accuracy. Measured: soft 0.958 → 0.663 (T = 1), label 0.944 → 0.944.
    func testReverseSigmoidCollapsesTheSoftStudentNotTheLabelOnlyStudent() throws {
        let r = try digits(["reverse-sigmoid:beta=1,gamma=0.2"], temperature: 1)
        let impact = try XCTUnwrap(r.defensiveImpact)
        XCTAssertGreaterThan(impact["student-soft"]!, 0.2, "soft student should lose > 20 points")
        XCTAssertLessThan(abs(impact["student-label"]!), 0.02, "label-only student should be unaffected")
        // Honest users keep their top-1 (ART's point: the defense is invisible to label consumers).
        XCTAssertGreaterThan(r.defense!.benignUtility.top1Agreement, 0.99)
    }

    /// Tramèr et al. 2016: rounding slows extraction but does not prevent it.
    /// Measured: soft student 0.958 → 0.939 at 2 decimals.
    func testRoundingToTwoDecimalsBarelyChangesTheStudent() throws {
        let r = try digits(["rounding:decimals=2"])
        XCTAssertLessThan(abs(r.defensiveImpact!["student-soft"]!), 0.03)
        XCTAssertLessThan(r.defense!.benignUtility.meanL1, 0.01)
    }

    /// Tramèr et al. 2016: label-only responses cost the student little at a
    /// large budget. Measured (400 of 449 pool inputs): soft student 0.958 → 0.928.
    func testLabelOnlyResponsesCostTheStudentLittle() throws {
        let r = try digits(["label-only"])
        XCTAssertLessThan(r.defensiveImpact!["student-soft"]!, 0.05)
        XCTAssertGreaterThan(r.student("student-soft")!.testAccuracy, 0.90)
        XCTAssertEqual(r.defense!.benignUtility.top1Agreement, 1)
    }

    /// PRADA (Juuti et al. 2019): a Jacobian-augmentation stream is flagged,
    /// benign natural streams are not. Measured: flagged after 141 queries; 0 of 3 benign.
    /// A uniform-noise stream is NOT flagged (W ≈ 0.99): recorded as a finding.
    func testDetectorFlagsJacobianStreamAndNotBenignOnes() throws {
        var s = ExperimentSettings.defaults(for: "digits")
        s.evaluation.detector = ComponentSpec(name: "prada")
        s.attack.strategy = try AttackSpec(parsing: "jacobian")
        let r = try Experiment(settings: s).run()
        let d = try XCTUnwrap(r.detection)
        XCTAssertEqual(d.attacker?.flagged, true)
        XCTAssertLessThan(d.attacker?.queriesUntilFlag ?? .max, 400)
        XCTAssertEqual(d.benign.count, 3)
        XCTAssertEqual(d.benignFalsePositiveRate, 0)

        s.attack.strategy = try AttackSpec(parsing: "ood:source=noise")
        let noise = try Experiment(settings: s).run()
        XCTAssertEqual(noise.detection?.attacker?.flagged, false, "uniform noise evades PRADA here; if this changes, update the README finding")
    }

    /// DAWN (Szyller et al. 2021): keyed wrong answers flag a distilled student
    /// and not innocent controls. On digits the budget is small, so the rate is
    /// 5% (18 canaries). Measured: 16/17 canaries, p = 4e-24; controls 0/17.
    func testKeyedCanaryFlagsTheStolenStudentsNotControlsOnDigits() throws {
        let r = try digits(["keyed-canary:rate=0.05"])
        let c = try XCTUnwrap(r.canaries?.first)
        XCTAssertEqual(c.falsePositiveRate, 0)
        for role in ["student-soft", "student-label"] {
            let v = try XCTUnwrap(c.suspects[role])
            XCTAssertTrue(v.flagged, role)
            XCTAssertLessThan(v.pValue ?? 1, 1e-6, role)
        }
        // Students of the undefended teacher never saw a canary: not flagged.
        XCTAssertEqual(c.suspects["baseline-soft"]?.flagged, false)
    }

    /// DAWN at the published 1% rate needs thousands of queries: Fashion-MNIST,
    /// 20,000 queries (~190 canaries). The p < 1e-6 result needs a student that
    /// memorises: with the default weight decay 5e-4 and 30 epochs the soft
    /// student reproduces 12/194 canaries (p ≈ 3e-6) and at 0.5% only 7/86
    /// (p ≈ 2e-3); without decay and with 60 epochs, 27/194 (soft) and 65/194
    /// (label-only). This test pins the memorising setting.
    func testKeyedCanaryAtOnePercentFlagsAMemorisingStudentOnFashionMNIST() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        }
        var s = ExperimentSettings.defaults(for: "fashion-mnist")
        s.teacher.training.epochs = 5
        s.student.training.epochs = 60
        s.student.training.optimizer.weightDecay = 0
        s.evaluation.controls = 4
        s.evaluation.undefendedBaseline = false
        s.defense.responses = [try DefenseSpec(parsing: "keyed-canary:rate=0.01")]
        let r = try Experiment(settings: s).run()
        let c = try XCTUnwrap(r.canaries?.first)
        XCTAssertEqual(c.falsePositiveRate, 0)
        XCTAssertLessThan(try XCTUnwrap(c.suspects["student-label"]?.pValue), 1e-6)
        XCTAssertLessThan(try XCTUnwrap(c.suspects["student-soft"]?.pValue), 1e-6)
    }
}
