import XCTest
import DistillCore
import DistillNN
import DistillStats
import DistillLab

final class PeriodicSignalTests: XCTestCase {

    /// References: scipy.stats.t (1.17): t.cdf(2, 5), t.ppf(0.975, 4), t.ppf(0.99, 5),
    /// t.sf(3.5, 2), t.cdf(-1.3, 1), t.sf(10, 30).
    func testStudentTMatchesScipy() {
        XCTAssertEqual(StudentT.cdf(2, degreesOfFreedom: 5), 0.9490302605850708, accuracy: 1e-12)
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 4), 2.7764451051977934, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.99, degreesOfFreedom: 5), 3.3649299989072174, accuracy: 1e-9)
        XCTAssertEqual(StudentT.survival(3.5, degreesOfFreedom: 2), 0.036413675027234665, accuracy: 1e-13)
        XCTAssertEqual(StudentT.cdf(-1.3, degreesOfFreedom: 1), 0.20871440016015272, accuracy: 1e-13)
        XCTAssertEqual(StudentT.survival(10, degreesOfFreedom: 30) / 2.287625704114809e-11, 1, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.5, degreesOfFreedom: 3), 0)
    }

    func signal(frequency: Double = 2, epsilon: Double = 0.2) throws -> PeriodicSignal {
        try PeriodicSignal(direction: [2, 0], projectionMean: 0, projectionScale: 1, frequency: frequency, epsilon: epsilon,
                           classCount: 3, probes: Matrix(rows: 16, cols: 2), probeClasses: [Int32](repeating: 0, count: 16))
    }

    /// x = (0.5, 7), v = (1, 0) → x_key = 0.5, f·x_key = 1, c = cos 1; p = (0.2, 0.7, 0.1), top = 1:
    ///     q = ((0.2 + 0.1(1 − c)), (0.7 + 0.2(1 + c)), (0.1 + 0.1(1 − c))) / 1.4
    ///       = (0.175692692437990, 0.720043186552591, 0.104264121009419)   (python, float64)
    /// The evidence file restores the same signal and null: verification from the
    /// file equals verification by the live signal, bit for bit.
    func testEvidenceRoundTripsAndVerifiesLikeTheSignal() throws {
        var rng = RandomStream(seed: 9, label: "probes")
        let probes = Matrix(rows: 40, cols: 2, values: (0..<80).map { _ in Float(rng.uniform()) })
        let s = try PeriodicSignal(direction: [0.6, 0.8], projectionMean: 0.5, projectionScale: 0.3, frequency: 8, epsilon: 0.3,
                                   classCount: 3, probes: probes, probeClasses: (0..<40).map { Int32($0 % 3) })
        func model(_ seed: UInt64) -> MLP { var r = RandomStream(seed: seed, label: "m"); return MLP(sizes: [2, 6, 3], rng: &r) }
        try s.calibrate(controls: (1...4).map(model))
        let data = try s.evidence().encoded()
        let url = URL(fileURLWithPath: "/tmp/evidence.json")
        let read = try PeriodicSignalEvidence.read(data, from: url)
        XCTAssertEqual(read.method, "periodic-signal")
        for seed: UInt64 in [7, 8] {
            XCTAssertEqual(try read.verify(model(seed), alpha: 0.05), try s.verify(model(seed), alpha: 0.05))
        }
        XCTAssertEqual(try read.encoded(), data, "reading and writing again changes nothing")
        // Refitting the null on other controls changes it; too few controls is one clear error.
        let refit = try read.calibrated(on: (11...14).map(model))
        XCTAssertNotEqual(try refit.verify(model(7), alpha: 0.05).threshold, try read.verify(model(7), alpha: 0.05).threshold)
        XCTAssertThrowsError(try read.calibrated(on: [model(1)])) { e in
            XCTAssertEqual(e as? CanaryError, .tooFewControls(method: "periodic-signal", needed: 3, got: 1))
        }
        // Damaged evidence names the file and the problem.
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["probes"] = ["not base64!"] + ((json["probes"] as? [String]) ?? []).dropFirst()
        XCTAssertThrowsError(try PeriodicSignalEvidence.read(JSONSerialization.data(withJSONObject: json), from: url)) { e in
            guard case let .malformedFile(path, reason)? = e as? CanaryError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, url.path); XCTAssertTrue(reason.contains("probe 0"), reason)
        }
        json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["method"] = "no-such-canary"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        XCTAssertThrowsError(try CanaryEvidenceFile.load(from: file)) { e in
            XCTAssertTrue("\(e)".contains("'no-such-canary' is not a registered canary"), "\(e)")
        }
    }

    func testSignalMatchesTheFormulaOnAHandComputedAnswer() throws {
        let s = try signal()
        XCTAssertEqual(s.direction, [1, 0])  // normalised
        let q = Matrix([[0.2, 0.7, 0.1], [0.2, 0.7, 0.1]])
        let x = Matrix([[0.5, 7], [0.5 + Float.pi, -3]])  // second: phase shifted by 2π → same answer
        var rng = RandomStream(seed: 0, purpose: .defense)
        try s.apply(to: q, queries: x, rng: &rng)
        let expected = [0.175692692437990, 0.720043186552591, 0.104264121009419]
        for r in 0..<2 { for j in 0..<3 { XCTAssertEqual(Double(q[r, j]), expected[j], accuracy: 2e-6) } }
        XCTAssertEqual(s.keyCoordinates(x), [0.5, Double(Float(0.5) + Float.pi)])
        // c = −1 (f·x_key = π): the top class gets nothing, the others 2ε/(K−1) each.
        let trough = Matrix([[0.2, 0.7, 0.1]])
        try s.apply(to: trough, queries: Matrix([[Float.pi / 2, 0]]), rng: &rng)
        for (got, want) in zip(trough.values, [0.4 / 1.4, 0.7 / 1.4, 0.3 / 1.4]) { XCTAssertEqual(Double(got), want, accuracy: 1e-6) }
    }

    func testKeyCoordinatesAreStandardisedOnTheOwnersDataAndDeterministic() throws {
        let world = CanaryWorld.shared
        let a = try PeriodicSignal(context: world.context)
        let b = try PeriodicSignal(context: world.context)
        XCTAssertEqual(a.direction, b.direction)
        XCTAssertEqual(a.direction.reduce(0.0) { $0 + Double($1) * Double($1) }, 1, accuracy: 1e-5)
        let keys = a.keyCoordinates(world.splits.teacherTrain.features)
        XCTAssertEqual(Descriptive.mean(keys), 0, accuracy: 1e-5)
        XCTAssertEqual(Descriptive.sampleStandardDeviation(keys), 1, accuracy: 1e-5)
        XCTAssertEqual(a.probes.rows, world.splits.validation.count)
        XCTAssertEqual(a.probeClasses, world.teacher.predictions(world.splits.validation.features))
        // Answers stay probability vectors.
        let (_, responses) = try world.steal(with: [a])
        for r in 0..<responses.rows { XCTAssertEqual(responses.rowValues(r).reduce(0, +), 1, accuracy: 1e-5) }
    }

    func testBadParametersAreDefenseErrors() throws {
        for (spec, parameter) in [("periodic-signal:f=0", "f"), ("periodic-signal:f=-16", "f"), ("periodic-signal:f=abc", "f"),
                                  ("periodic-signal:epsilon=0", "epsilon"), ("periodic-signal:epsilon=1.5", "epsilon")] {
            XCTAssertThrowsError(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: spec), kind: .defense)) { e in
                guard case let .invalidValue(_, _, p, _, _)? = e as? ComponentError else { return XCTFail("\(spec): \(e)") }
                XCTAssertEqual(p, parameter)
            }
        }
        XCTAssertThrowsError(try signal(frequency: 0)) { e in XCTAssertTrue(e is DefenseError) }
        XCTAssertThrowsError(try PeriodicSignal(direction: [0, 0], projectionMean: 0, projectionScale: 1, classCount: 3,
                                                probes: Matrix(rows: 16, cols: 2), probeClasses: [Int32](repeating: 0, count: 16))) { e in
            XCTAssertTrue(e is DefenseError)
        }
        XCTAssertThrowsError(try PeriodicSignal(direction: [1, 0], projectionMean: 0, projectionScale: 1, classCount: 3,
                                                probes: Matrix(rows: 4, cols: 2), probeClasses: [0, 0, 0, 0])) { e in
            XCTAssertTrue(e is DefenseError)
        }
        let s = try signal()
        XCTAssertThrowsError(try s.verify(MLP(sizes: [2, 3]), alpha: 0.01)) { e in
            XCTAssertEqual(e as? CanaryError, .notCalibrated(method: "periodic-signal"))
        }
        XCTAssertThrowsError(try s.calibrate(controls: [MLP(sizes: [2, 3]), MLP(sizes: [2, 3])])) { e in
            XCTAssertEqual(e as? CanaryError, .tooFewControls(method: "periodic-signal", needed: 3, got: 2))
        }
        // Constant controls (as on one-class data) used to trap in StudentT; now one clear error,
        // and a constant suspect has P_snr = 0 (no periodic component), never NaN.
        let constant = MLP(sizes: [2, 3])
        constant.parameters.fill(0)
        XCTAssertEqual(try s.signalToNoise(constant), 0)
        XCTAssertThrowsError(try s.calibrate(controls: [constant, constant, constant])) { e in
            guard case let .invalidArgument(text)? = e as? CanaryError else { return XCTFail("\(e)") }
            XCTAssertTrue(text.contains("without any variation"), text)
        }
        let entry = try XCTUnwrap(ComponentRegistry.shared.descriptor(.canary, named: "periodic-signal"))
        XCTAssertEqual(entry.parameters.map(\.defaultValue), ["16", "0.2", "validation"])
        XCTAssertThrowsError(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: "periodic-signal:probes=test"), kind: .defense)) { e in
            guard case .invalidValue? = e as? ComponentError else { return XCTFail("\(e)") }
        }
    }

    /// The canary on one-class data, through a whole run: one class is an error naming the data and
    /// the fix (it trapped in StudentT); two classes of which the rows hold one run to the end with finite p-values.
    func testOneClassDataIsAClearErrorNotATrap() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("one-class-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(label: Int) throws -> ExperimentResult {
            var rng = RandomStream(seed: 3, label: "one-class")
            let rows = (0..<200).map { _ in "\(rng.uniform()),\(rng.uniform()),\(rng.uniform()),\(label)" }
            let csv = dir.appendingPathComponent("class\(label).csv")
            try (["a,b,c,label"] + rows).joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
            var s = ExperimentSettings.defaults(for: csv.path)
            s.data.source = csv.path
            s.teacher.hidden = [8]; s.student.hidden = [4]
            s.teacher.training.epochs = 1; s.student.training.epochs = 1
            s.evaluation.controls = 4  // the fewest a leave-one-out calibration takes
            s.defense.responses = [DefenseSpec(name: "periodic-signal")]
            return try Experiment(settings: s).run()
        }
        XCTAssertThrowsError(try run(label: 0)) { e in
            guard case let .incompatible(defense, reason)? = e as? DefenseError else { return XCTFail("\(e)") }
            XCTAssertEqual(defense, "periodic-signal")
            XCTAssertTrue(reason.contains("class0.csv") && reason.contains("has 1 class") && reason.contains("at least 2 classes"), reason)
            XCTAssertTrue(reason.contains("drop the defense"), reason)
        }
        // Labels all 1: classes "0" and "1", only one of them in the rows.
        let result = try run(label: 1)
        let outcome = try XCTUnwrap(result.canaries?.first)
        for v in Array(outcome.suspects.values) + outcome.controls {
            XCTAssertTrue(v.statistic.isFinite && (v.pValue ?? 0) >= 0 && (v.pValue ?? 2) <= 1, "\(v)")
        }
    }

    /// Soft-label students learn the signal; controls and label-only students do not.
    ///
    /// On digits the attacker has only 449 queries: a soft-label student
    /// reproduces the oscillation on the queries it was trained on (served
    /// probes) but does not generalise it to the owner's fresh validation
    /// inputs (SNR ≈ 1 there at f = 16, as for controls). Both are measured;
    /// the served-probe verifier must flag the soft student, the
    /// validation-probe verifier is only reported (weak on this budget).
    func testSoftLabelStudentShowsTheSignalAndControlsDoNot() throws {
        let world = CanaryWorld.shared
        var lines: [String] = []
        for probes in ["served", "validation"] {
            let signal = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(DefenseSpec(parsing: "periodic-signal:probes=\(probes)"),
                                                                context: world.context) as? PeriodicSignal)
            let (inputs, responses) = try world.steal(with: [signal])
            let soft = try world.distill(inputs, responses, soft: true)
            let labelOnly = try world.distill(inputs, responses, soft: false)
            let undefended = try world.steal(with: [])
            let softClean = try world.distill(undefended.inputs, undefended.responses, soft: true)
            let report = try OwnershipTrial.run(canary: signal, suspects: ["soft": soft, "label-only": labelOnly, "soft-undefended": softClean],
                                                controls: world.controls, alpha: 0.01)
            lines.append("probes=\(probes) (\(signal.probeClasses.count) probes): threshold \(report.suspects["soft"]!.threshold!); "
                + report.suspects.sorted { $0.key < $1.key }.map { "\($0.key) SNR \($0.value.statistic) p \($0.value.pValue!)" }.joined(separator: "; ")
                + "; teacher SNR \(try signal.signalToNoise(world.teacher)); held-out control SNRs \(report.controls.map(\.statistic)); FPR \(report.falsePositiveRate)")
            XCTAssertEqual(report.falsePositiveRate, 0)
            XCTAssertFalse(report.suspects["soft-undefended"]!.flagged)
            if probes == "served" {
                XCTAssertEqual(signal.probeClasses.count, inputs.rows)
                XCTAssertTrue(report.suspects["soft"]!.flagged)
                XCTAssertLessThan(report.suspects["soft"]!.pValue!, 0.01)
            }
        }
        print("periodic-signal on digits (f = 16, ε = 0.2, 449 queries):\n  " + lines.joined(separator: "\n  "))
    }
}
