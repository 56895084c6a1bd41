import XCTest
import DistillCore
import DistillNN
import DistillLab

/// Opt-in measurement on Fashion-MNIST with the default recipe (20,000
/// queries): set DISTILL_LAB_CANARY_FASHION=1. Minutes of training, so it is
/// skipped in ordinary test runs; it prints the numbers the canaries report.
final class CanaryFashionMeasurementTests: XCTestCase {
    func testCanariesOnFashionMNIST() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["DISTILL_LAB_CANARY_FASHION"] == "1",
                          "set DISTILL_LAB_CANARY_FASHION=1 to run the Fashion-MNIST canary measurement")
        let world = try CanaryWorld(source: "fashion-mnist", controlCount: 4)
        let keyed = try KeyedCanary(key: KeyedCanary.defaultKey(seed: 0), rate: 0.005, classCount: 10,
                                    featureCount: world.teacher.inputSize)
        let (inputs, responses) = try world.steal(with: [keyed], budget: 20_000)
        let keyedReport = try OwnershipTrial.run(
            canary: keyed,
            suspects: ["label-only": try world.distill(inputs, responses, soft: false),
                       "soft": try world.distill(inputs, responses, soft: true)],
            controls: world.controls, alpha: 0.01)
        print("fashion keyed-canary r=0.005: \(keyed.log.count) canaries; calibration \(keyed.log.calibration!); "
              + keyedReport.suspects.sorted { $0.key < $1.key }.map { "\($0.key) m=\($0.value.matches!)/\($0.value.trials!) p=\($0.value.pValue!)" }.joined(separator: "; ")
              + "; held-out control p \(keyedReport.controls.map { $0.pValue! }); FPR \(keyedReport.falsePositiveRate)")
        XCTAssertEqual(keyedReport.falsePositiveRate, 0)

        let signal = try PeriodicSignal(context: world.context)
        let stolen = try world.steal(with: [signal], budget: 20_000)
        let signalReport = try OwnershipTrial.run(
            canary: signal,
            suspects: ["label-only": try world.distill(stolen.inputs, stolen.responses, soft: false),
                       "soft": try world.distill(stolen.inputs, stolen.responses, soft: true)],
            controls: world.controls, alpha: 0.01)
        print("fashion periodic-signal f=16 eps=0.2: threshold \(signalReport.suspects["soft"]!.threshold!); "
              + signalReport.suspects.sorted { $0.key < $1.key }.map { "\($0.key) SNR=\($0.value.statistic) p=\($0.value.pValue!)" }.joined(separator: "; ")
              + "; held-out control SNR \(signalReport.controls.map(\.statistic)); FPR \(signalReport.falsePositiveRate)")
    }
}
