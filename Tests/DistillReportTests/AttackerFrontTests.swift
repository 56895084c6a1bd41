import XCTest
import DistillReport

/// With several attackers, each has its own Pareto front over the defenses it faced.
final class AttackerFrontTests: XCTestCase {

    func testAPointDominatedOnlyByAnotherAttackersPointStaysOnItsOwnFront() throws {
        let report = ReportFixtures.adaptive
        let setting = { (i: Int) in report.rows[i].setting }
        let fronts = report.paretoFronts()
        XCTAssertEqual(fronts.map(\.attacker), ["attack.strategy=random", "attack.strategy=jacobian", "attack.strategy=ood:source=noise"])
        // Soft students, (utility lost, impact): random none (0, 0), reverse sigmoid (0.01, 0.30), noise (0.055, 0.27);
        // jacobian none (0, 0), reverse sigmoid (0.03, 0.12), noise (0.055, 0.20); ood none, RS (0.01, 0.25), noise (0.055, 0.05).
        XCTAssertEqual(fronts[0].rows.map(setting), ["none, attack.strategy=random", "reverse-sigmoid:beta=1,gamma=0.2, attack.strategy=random"])
        XCTAssertEqual(fronts[1].rows.map(setting), ["none, attack.strategy=jacobian", "reverse-sigmoid:beta=1,gamma=0.2, attack.strategy=jacobian",
                                                     "gaussian-noise:sigma=0.3, attack.strategy=jacobian"])
        XCTAssertEqual(fronts[2].rows.map(setting), ["none, attack.strategy=ood:source=noise", "reverse-sigmoid:beta=1,gamma=0.2, attack.strategy=ood:source=noise"])
        // Jacobian's reverse sigmoid is dominated by random's (0.01 ≤ 0.03, 0.30 ≥ 0.12), so one front across
        // attackers would drop it: the per-attacker front keeps it.
        let jacobianRS = try XCTUnwrap(report.rows.firstIndex { $0.setting == "reverse-sigmoid:beta=1,gamma=0.2, attack.strategy=jacobian" })
        let all = report.rows.map { (cost: $0.metrics[ReportMetric.benignAccuracyLoss]!.mean, benefit: $0.metrics[ReportMetric.defensiveImpactSoft]!.mean) }
        XCTAssertFalse(ParetoFront.indices(of: all).contains(jacobianRS), "the fixture must have a point dominated across attackers")
        XCTAssertTrue(fronts[1].rows.contains(jacobianRS))
        // The plot rings it, in the jacobian panel, and the table marks it.
        let svg = report.svg(.attackerTradeoff)
        let ringed = Set(captures("data-setting=\"([^\"]*)\" data-series=\"defensive_impact_soft\" data-pareto=\"true\"", in: svg))
        XCTAssertEqual(ringed, Set(fronts.flatMap(\.rows).map(setting)))
        XCTAssertEqual(captures("class=\"(pareto-front)\" data-series=\"defensive_impact_soft\"", in: svg).count, 3, "one staircase per attacker")
        let html = report.html()
        let badged = captures("<tr class=\"result-row pareto\" data-setting=\"([^\"]*)\"", in: html)
        XCTAssertTrue(badged.contains("reverse-sigmoid:beta=1,gamma=0.2, attack.strategy=jacobian"), "\(badged)")
        XCTAssertFalse(badged.contains("gaussian-noise:sigma=0.3, attack.strategy=random"))
    }

    func testAttackerIsTheSweptAttackSettingsButTheBudget() {
        var row = ReportRow(setting: "x", defense: "mad", budget: 400, seeds: 1)
        XCTAssertEqual(Report.attacker(of: row), "")
        row.parameters = ["attack.counters": "[argmax]", "attack.budget": "400", "attack.strategy": "jacobian", "epsilon": "0.1"]
        XCTAssertEqual(Report.attacker(of: row), "attack.counters=[argmax], attack.strategy=jacobian")
    }

    /// Panels share their scales, so one attacker's points are comparable with another's at a glance.
    func testPanelsShareTheirScales() {
        let svg = ReportFixtures.adaptive.svg(.attackerTradeoff)
        let yTicks = captures("<text x=\"[^\"]*\" y=\"[^\"]*\" text-anchor=\"end\">([^<]*)</text>", in: svg)
        XCTAssertFalse(yTicks.isEmpty)
        // Three panels with the same tick labels each.
        XCTAssertEqual(yTicks.count % 3, 0)
        let perPanel = yTicks.count / 3
        XCTAssertEqual(Array(yTicks[0..<perPanel]), Array(yTicks[perPanel..<(2 * perPanel)]))
        XCTAssertEqual(Array(yTicks[0..<perPanel]), Array(yTicks[(2 * perPanel)...]))
    }
}
