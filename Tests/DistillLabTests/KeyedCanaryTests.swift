import XCTest
import DistillCore
import DistillNN
import DistillStats
import DistillLab

final class KeyedCanaryTests: XCTestCase {
    let key = Array(0..<32).map(UInt8.init)  // 000102…1f

    func randomInputs(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = RandomStream(seed: seed, label: "keyed-canary-tests")
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(rng.uniform()) })
    }

    // MARK: - The keyed hash

    /// Reference from Python (little-endian Float32 bytes, as numpy's tobytes()):
    ///     import hmac, hashlib, struct
    ///     key = bytes(range(32)); msg = struct.pack('<6f', 0, .5, 1, .25, .125, .75)
    ///     d = hmac.new(key, msg, hashlib.sha256).digest()
    ///     d.hex()                          # 8e24e423ea7243bf…5d225e12
    ///     int.from_bytes(d[:2], 'big')     # 36388  → marked iff 36388 < ⌊2¹⁶·r⌋
    ///     int.from_bytes(d[2:10], 'big') % 9   # 0 → label 0, or 1 when the top-1 is 0
    func testHMACAndBitRuleMatchAnIndependentPythonComputation() throws {
        let x: [Float] = [0, 0.5, 1, 0.25, 0.125, 0.75]
        let canary = try KeyedCanary(key: key, rate: 0.56, classCount: 10, featureCount: 6)
        let digest = x.withUnsafeBufferPointer { canary.digest($0.baseAddress!) }
        XCTAssertEqual(digest.map { String(format: "%02x", $0) }.joined(),
                       "8e24e423ea7243bfc12756197a1eaf9ebf516cdd1ded4db13a08d00a5d225e12")
        // 36388 < ⌊65536·0.56⌋ = 36700 → marked; 36388 ≥ ⌊65536·0.55⌋ = 36044 → not marked.
        XCTAssertEqual(canary.bound, 36700)
        XCTAssertTrue(x.withUnsafeBufferPointer { canary.isMarked($0.baseAddress!) })
        let lower = try KeyedCanary(key: key, rate: 0.55, classCount: 10, featureCount: 6)
        XCTAssertFalse(x.withUnsafeBufferPointer { lower.isMarked($0.baseAddress!) })
        // The boundary is strict: bound = 36388 exactly (r = 36388.5/65536) does not mark, 36389 does.
        XCTAssertFalse(try KeyedCanary(key: key, rate: 36388.5 / 65536, classCount: 10, featureCount: 6).isMarked(x))
        XCTAssertTrue(try KeyedCanary(key: key, rate: 36389.5 / 65536, classCount: 10, featureCount: 6).isMarked(x))
        // Labels: j = 0 → label 0, except when the top-1 is 0 → 1.
        for top in 0..<10 {
            XCTAssertEqual(x.withUnsafeBufferPointer { canary.canaryLabel($0.baseAddress!, top: top) }, top == 0 ? 1 : 0)
        }
        // Applied through the oracle: top-1 is 3 → one-hot of 0; the key id (never the key) is public.
        let responses = Matrix([[0.05, 0.05, 0.1, 0.5, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]])
        var rng = RandomStream(seed: 0, purpose: .defense)
        try canary.apply(to: responses, queries: Matrix([x]), rng: &rng)
        XCTAssertEqual(responses.values, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(canary.log.keyID, "38d69475f54a3cc0")  // hmac.new(key, b'distill-lab keyed-canary key id', sha256).hexdigest()[:16]
        XCTAssertFalse(canary.description.contains("000102"))
        XCTAssertEqual(canary.log.count, 1)
        XCTAssertEqual(canary.log.labels, [0])
    }

    func testDecisionsAndLabelsAreDeterministicInKeyAndInput() throws {
        let x = randomInputs(2000, 8, seed: 1)
        let a = try KeyedCanary(key: key, rate: 0.1, classCount: 5, featureCount: 8)
        let b = try KeyedCanary(key: key, rate: 0.1, classCount: 5, featureCount: 8)
        var other = key; other[0] ^= 1
        let c = try KeyedCanary(key: other, rate: 0.1, classCount: 5, featureCount: 8)
        var markedA = Set<Int>(), markedC = Set<Int>()
        for r in 0..<x.rows {
            XCTAssertEqual(a.isMarked(x.row(r)), b.isMarked(x.row(r)))
            XCTAssertEqual(a.canaryLabel(x.row(r), top: r % 5), b.canaryLabel(x.row(r), top: r % 5))
            if a.isMarked(x.row(r)) { markedA.insert(r) }
            if c.isMarked(x.row(r)) { markedC.insert(r) }
        }
        // Independent keys: overlap ≈ 2000·0.1² = 20, far below |marked| ≈ 200.
        XCTAssertGreaterThan(markedA.count, 150)
        XCTAssertGreaterThan(markedC.count, 150)
        XCTAssertLessThan(markedA.intersection(markedC).count, 45)
        // Default keys come from the seed: same seed, same key; other seed, other key.
        XCTAssertEqual(KeyedCanary.defaultKey(seed: 3), KeyedCanary.defaultKey(seed: 3))
        XCTAssertNotEqual(KeyedCanary.defaultKey(seed: 3), KeyedCanary.defaultKey(seed: 4))
        XCTAssertEqual(KeyedCanary.defaultKey(seed: 3).count, 32)
    }

    func testMarkedRateIsWithinBinomialErrorOfTheRate() throws {
        let n = 40_000
        let x = randomInputs(n, 4, seed: 2)
        for rate in [0.005, 0.05] {
            let canary = try KeyedCanary(key: key, rate: rate, classCount: 10, featureCount: 4)
            let p = Double(canary.bound) / 65536
            let marked = (0..<n).filter { canary.isMarked(x.row($0)) }.count
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            XCTAssertLessThan(abs(Double(marked) - Double(n) * p), 4 * sd, "rate \(rate): \(marked) marked of \(n)")
        }
    }

    func testCanaryLabelIsNeverTheTop1AndCoversTheOtherClasses() throws {
        let k = 4
        let x = randomInputs(3000, 5, seed: 3)
        var rng = RandomStream(seed: 9, label: "responses")
        let responses = Matrix(rows: x.rows, cols: k, values: (0..<(x.rows * k)).map { _ in Float(rng.uniform()) })
        let before = responses.copy()
        for mode in KeyedCanary.ResponseMode.allCases {
            let out = before.copy()
            let canary = try KeyedCanary(key: key, rate: 0.2, response: mode, classCount: k, featureCount: 5)
            try canary.apply(to: out, queries: x, rng: &rng)
            var counts = [Int](repeating: 0, count: k)
            var marked = 0
            for r in 0..<x.rows {
                let top = Kernels.argmax(before.row(r), count: k)
                guard canary.isMarked(x.row(r)) else {
                    XCTAssertEqual(out.rowValues(r), before.rowValues(r)); continue
                }
                marked += 1
                let label = canary.canaryLabel(x.row(r), top: top)
                XCTAssertNotEqual(label, top)
                counts[label] += 1
                XCTAssertEqual(Kernels.argmax(out.row(r), count: k), label)
                switch mode {
                case .oneHot: XCTAssertEqual(out.rowValues(r), (0..<k).map { $0 == label ? 1 : 0 })
                case .swap:
                    var expected = before.rowValues(r); expected.swapAt(top, label)
                    XCTAssertEqual(out.rowValues(r), expected)
                }
            }
            XCTAssertEqual(canary.log.count, marked)
            XCTAssertTrue(counts.allSatisfy { $0 > marked / (2 * k) }, "labels \(counts)")
            // The same queries again: same answers, no new log entries (deduplicated by bytes).
            let again = before.copy()
            try canary.apply(to: again, queries: x, rng: &rng)
            XCTAssertEqual(again.values, out.values)
            XCTAssertEqual(canary.log.count, marked)
        }
    }

    // MARK: - The canary log

    func makeLog() throws -> CanaryLog {
        let canary = try KeyedCanary(key: key, rate: 0.3, classCount: 3, featureCount: 4)
        let x = randomInputs(40, 4, seed: 4)
        var rng = RandomStream(seed: 0, purpose: .defense)
        try canary.apply(to: Matrix(rows: 40, cols: 3, values: (0..<120).map { Float($0 % 3) }), queries: x, rng: &rng)
        return canary.log
    }

    func testCanaryLogSaveLoadRoundTripKeepsInputsBitExactAndTheCalibration() throws {
        var log = try makeLog()
        XCTAssertGreaterThan(log.count, 3)
        // A control that always answers class 0 agrees wherever the canary label is 0.
        let control = MLP(sizes: [4, 3])
        control.parameters.fill(0)
        control.parameters[0, control.layers[0].biasOffset] = 1
        let zeros = log.labels.filter { $0 == 0 }.count
        try log.calibrate(controls: [control])
        XCTAssertEqual(log.calibration?.agreements, zeros)
        XCTAssertEqual(log.calibration?.nullRate, Binomial.upperConfidenceBound(successes: zeros, trials: log.count, confidence: 0.95))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("canary-log-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try log.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(text.contains("000102030405"), "the key must not be in the log")
        let loaded = try CanaryLog.load(from: url)
        XCTAssertEqual(loaded, log)
        XCTAssertEqual(loaded.inputs.values, log.inputs.values)
        let a = try loaded.verify(control, alpha: 0.01), b = try log.verify(control, alpha: 0.01)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.matches, zeros)
    }

    func testMalformedCanaryLogsGiveOneClearError() throws {
        let log = try makeLog()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("canary-log-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try log.save(to: url)
        let good = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func expectMalformed(_ edit: (inout [String: Any]) -> Void, _ fragment: String, line: UInt = #line) throws {
            var object = good
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            XCTAssertThrowsError(try CanaryLog.load(from: url), line: line) { e in
                guard case .malformedFile? = e as? CanaryError else { return XCTFail("\(e)", line: line) }
                XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
            }
        }
        try expectMalformed({ $0["format"] = "something-else" }, "format")
        try expectMalformed({ $0["version"] = 9 }, "version 9")
        try expectMalformed({ $0.removeValue(forKey: "labels") }, "missing field 'labels'")
        try expectMalformed({ $0["inputs"] = ["!!!"] + (($0["inputs"] as! [String]).dropFirst()) }, "base64")
        try expectMalformed({ $0["inputs"] = ["AAAAAA=="] + (($0["inputs"] as! [String]).dropFirst()) }, "expected 16")
        try expectMalformed({ $0["labels"] = [7] + (($0["labels"] as! [Int]).dropFirst()) }, "outside 0..<3")
        try expectMalformed({ $0["labels"] = Array(($0["labels"] as! [Int]).dropFirst()) }, "labels")
        try expectMalformed({ $0["rate"] = 1.5 }, "rate")
        try expectMalformed({ $0["inputs"] = [($0["inputs"] as! [String])[0], ($0["inputs"] as! [String])[0]]
                              $0["labels"] = [0, 0]; $0["tops"] = [1, 1] }, "repeats")
        try expectMalformed({ $0["tops"] = $0["labels"] }, "differ from the canary label")
        try Data("not json".utf8).write(to: url)
        XCTAssertThrowsError(try CanaryLog.load(from: url)) { e in XCTAssertTrue("\(e)".contains("not a canary log"), "\(e)") }
    }

    func testVerificationNeedsNoCalibrationAndCalibrationChecksItsControls() throws {
        let log = try makeLog()
        let model = MLP(sizes: [4, 3])
        // The suspect's own null: no controls needed.
        XCTAssertNoThrow(try log.verify(model, alpha: 0.01))
        var copy = log
        XCTAssertThrowsError(try copy.calibrate(controls: [])) { e in
            XCTAssertEqual(e as? CanaryError, .tooFewControls(method: "keyed-canary", needed: 1, got: 0))
        }
        XCTAssertThrowsError(try copy.calibrate(controls: [MLP(sizes: [5, 3])])) { e in
            guard case .modelMismatch? = e as? CanaryError else { return XCTFail("\(e)") }
        }
        let empty = try KeyedCanary(key: key, classCount: 3, featureCount: 4)
        XCTAssertThrowsError(try empty.calibrate(controls: [model])) { e in
            XCTAssertEqual(e as? CanaryError, .emptyLog(method: "keyed-canary"))
        }
    }

    // MARK: - Registry parameters

    func testBadParametersAreDefenseErrors() {
        func invalid(_ spec: String, _ parameter: String, line: UInt = #line) {
            XCTAssertThrowsError(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: spec), kind: .defense), line: line) { e in
                guard case let .invalidValue(_, _, p, _, _)? = e as? ComponentError else { return XCTFail("\(e)", line: line) }
                XCTAssertEqual(p, parameter, line: line)
            }
        }
        invalid("keyed-canary:rate=0", "rate")
        invalid("keyed-canary:rate=1", "rate")
        invalid("keyed-canary:rate=-0.1", "rate")
        invalid("keyed-canary:rate=0.000001", "rate")  // below 2^-16: marks nothing
        invalid("keyed-canary:response=soft", "response")
        invalid("keyed-canary:key=xyz", "key")
        invalid("keyed-canary:key=abc", "key")  // odd length
        invalid("keyed-canary:key=0011223344", "key")  // too short
        XCTAssertThrowsError(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: "keyed-canary:key=zz00112233445566778899aabbccddeeff"), kind: .defense)) { e in
            XCTAssertFalse("\(e)".contains("zz00112233"), "a bad key is not echoed: \(e)")
        }
        XCTAssertThrowsError(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: "keyed-canary:rat=0.1"), kind: .defense)) { e in
            guard case .unknownParameter? = e as? ComponentError else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("did you mean 'rate'"))
        }
        XCTAssertNoThrow(try ComponentRegistry.shared.resolve(DefenseSpec(parsing: "keyed-canary:rate=0.01,response=swap,key=" + String(repeating: "ab", count: 16)), kind: .defense))
        XCTAssertThrowsError(try KeyedCanary(key: key, rate: 2, classCount: 3, featureCount: 4)) { e in
            XCTAssertTrue(e is DefenseError)
        }
        XCTAssertThrowsError(try KeyedCanary(key: [1, 2, 3], classCount: 3, featureCount: 4)) { e in
            XCTAssertTrue(e is DefenseError)
        }
    }

    func testRegistryBuildsTheSameCanaryFromTheSameSeed() throws {
        let world = CanaryWorld.shared
        let spec = try DefenseSpec(parsing: "keyed-canary:rate=0.05")
        let a = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(spec, context: world.context) as? KeyedCanary)
        let b = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(spec, context: world.context) as? KeyedCanary)
        XCTAssertEqual(a.rate, 0.05)
        XCTAssertEqual(a.response, .oneHot)
        XCTAssertEqual(a.log.keyID, b.log.keyID)
        let explicit = try XCTUnwrap(try ComponentRegistry.shared.makeDefense(
            DefenseSpec(parsing: "keyed-canary:key=" + String(repeating: "ab", count: 16)), context: world.context) as? KeyedCanary)
        XCTAssertNotEqual(explicit.log.keyID, a.log.keyID)
        XCTAssertEqual(explicit.rate, 0.005)
    }

    // MARK: - Ownership on digits

    /// Distils label-only students from a canary-carrying oracle and checks
    /// the binomial test: controls are not flagged, thieves are.
    func testDistilledStudentIsFlaggedAndIndependentControlsAreNot() throws {
        let world = CanaryWorld.shared
        var lines: [String] = []
        for rate in [0.05, 0.01] {
            let canary = try KeyedCanary(key: KeyedCanary.defaultKey(seed: 0), rate: rate, classCount: world.teacher.classCount,
                                         featureCount: world.teacher.inputSize)
            let (inputs, responses) = try world.steal(with: [canary])
            let labelOnly = try world.distill(inputs, responses, soft: false)
            let soft = try world.distill(inputs, responses, soft: true)
            let report = try OwnershipTrial.run(canary: canary, suspects: ["label-only": labelOnly, "soft": soft],
                                                controls: world.controls, alpha: 0.01)
            let cal = try XCTUnwrap(canary.log.calibration)
            lines.append("rate \(rate): \(canary.log.count) canaries in \(inputs.rows) queries; p0 = \(cal.nullRate) (controls agreed \(cal.agreements)/\(cal.trials)); "
                + "label-only m = \(report.suspects["label-only"]!.matches!) p = \(report.suspects["label-only"]!.pValue!); "
                + "soft m = \(report.suspects["soft"]!.matches!) p = \(report.suspects["soft"]!.pValue!); "
                + "control p-values \(report.controls.map { $0.pValue! }); FPR \(report.falsePositiveRate)")
            XCTAssertEqual(report.falsePositiveRate, 0)
            XCTAssertTrue(report.controls.allSatisfy { $0.pValue! > 0.01 })
            XCTAssertEqual(report.controls.count, 6)
            if rate == 0.05 {
                XCTAssertGreaterThanOrEqual(canary.log.count, 10)
                XCTAssertLessThan(report.suspects["label-only"]!.pValue!, 1e-6)
                XCTAssertLessThan(report.suspects["soft"]!.pValue!, 1e-6)
                XCTAssertTrue(report.suspects["label-only"]!.flagged)
            }
            // The teacher itself never answers with canary labels (they are wrong by construction).
            XCTAssertEqual(try canary.log.matches(world.teacher), 0)
        }
        print("keyed-canary on digits:\n  " + lines.joined(separator: "\n  "))
    }
}

extension KeyedCanary {
    func isMarked(_ x: [Float]) -> Bool { x.withUnsafeBufferPointer { isMarked($0.baseAddress!) } }
}
