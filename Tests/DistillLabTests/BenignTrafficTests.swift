import XCTest
import DistillCore
import DistillLab

/// A detector that records every input each client sent (registered once).
final class RecordingDetector: ExtractionDetector {
    nonisolated(unsafe) static var sent: [String: [[Float]]] = [:]
    let name = "test-recording"
    static let component = Component<ExtractionDetector>(ComponentDescriptor(
        kind: .detector, name: "test-recording", summary: "records the queries of every client", parameters: [],
        reference: "BenignTrafficTests")) { _ in RecordingDetector() }
    static let registered: Void = { try! ComponentRegistry.shared.register(component) }()

    func observe(client: String, queries: Matrix, responses: Matrix) {
        for r in 0..<queries.rows { Self.sent[client, default: []].append(queries.rowValues(r)) }
    }
    func report(for client: String) -> DetectionReport? { nil }
    var reports: [DetectionReport] { [] }
}

final class BenignTrafficTests: XCTestCase {
    /// Benign clients send natural inputs of their own: no input twice, none
    /// from the attacker's pool, and as many as asked while the data allows.
    func testBenignClientsSendDisjointNaturalInputsOutsideTheAttackersPool() throws {
        _ = RecordingDetector.registered
        var s = ExperimentSettings.defaults(for: "digits")
        s.teacher.training.epochs = 1
        s.student.training.epochs = 1
        s.attack.budget = 100
        s.evaluation.detector = ComponentSpec(name: "test-recording")
        s.evaluation.benignClients = 3
        s.evaluation.benignQueries = 400
        RecordingDetector.sent = [:]
        _ = try Experiment(settings: s).run()
        let benign = (1...3).map { RecordingDetector.sent["benign-\($0)"] ?? [] }
        XCTAssertEqual(benign.map(\.count), [400, 400, 400], "digits has 1,797 rows, 1,197 outside a pool of 600")
        let all = benign.flatMap { $0 }
        XCTAssertEqual(Set(all).count, all.count, "no input is sent twice (digits has no duplicate rows)")
        let attacker = Set(RecordingDetector.sent["attacker"] ?? [])
        XCTAssertFalse(attacker.isEmpty)
        XCTAssertTrue(attacker.isDisjoint(with: all), "benign inputs never come from the attacker's pool")

        // More clients than the data can serve 400 each: equal disjoint slices.
        s.evaluation.benignClients = 5
        RecordingDetector.sent = [:]
        _ = try Experiment(settings: s).run()
        let five = (1...5).map { RecordingDetector.sent["benign-\($0)"]?.count ?? 0 }
        XCTAssertEqual(Set(five).count, 1)
        XCTAssertLessThan(five[0], 400)
        XCTAssertGreaterThan(five[0], 200)
    }
}
