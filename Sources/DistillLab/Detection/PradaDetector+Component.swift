import Foundation
import DistillStats

/// A monitor that watches every client's query stream and may flag it
/// (`evaluation.detector`, `--detector`). Each run builds its own instance.
public protocol ExtractionDetector: QueryMonitor {
    var name: String { get }
    /// What the detector concluded about `client` (nil if it sent nothing).
    func report(for client: String) -> DetectionReport?
    /// Every client seen, in a stable order.
    var reports: [DetectionReport] { get }
}

extension PradaDetector: ExtractionDetector {
    public var name: String { "prada" }

    public static let deltaParameter = Parameter<Double>("delta", default: 0.9, "alarm when Shapiro–Wilk W < delta (tune per data set; PRADA used 0.87–0.96)",
                                                  range: .open(0, 1))
    public static let minimumDistancesParameter = Parameter<Int>("minimum-distances", default: 100,
                                                          "a test needs more than this many distances after outlier removal (< window)",
                                                          range: .atLeast(Double(ShapiroWilk.minimumCount)))
    public static let testEveryParameter = Parameter<Int>("test-every", default: 10, "test on the 1st, (n+1)-th, (2n+1)-th, … query", range: .atLeast(1))
    public static let minimumClassDistancesParameter = Parameter<Int>("minimum-class-distances", default: 10,
                                                               "a class's distances enter the test once it has this many", range: .atLeast(1))
    public static let outlierSigmasParameter = Parameter<Double>("outlier-sigmas", default: 3, "drop distances this many σ from the mean before testing",
                                                          range: .positive)
    public static let windowParameter = Parameter<Int>("window", default: ShapiroWilk.maximumCount, "test at most this many most recent distances",
                                                range: .closed(Double(ShapiroWilk.minimumCount), Double(ShapiroWilk.maximumCount)))

    /// The one declaration of PRADA's parameters; `Settings()` takes its defaults from here.
    public static let component = Component<ExtractionDetector>(ComponentDescriptor(
        kind: .detector, name: "prada",
        summary: "flags a client whose minimum query distances stop looking normal (Shapiro–Wilk W < delta)",
        parameters: [deltaParameter.declaration, minimumDistancesParameter.declaration, testEveryParameter.declaration,
                     minimumClassDistancesParameter.declaration, outlierSigmasParameter.declaration, windowParameter.declaration],
        reference: "Juuti et al. 2019, PRADA: Protecting against DNN Model Stealing Attacks")) { p in
        try PradaDetector(settings: Settings(
            delta: p[deltaParameter], minimumDistances: p[minimumDistancesParameter], testEvery: p[testEveryParameter],
            minimumClassDistances: p[minimumClassDistancesParameter], outlierSigmas: p[outlierSigmasParameter], window: p[windowParameter]))
    }
}

extension PradaDetector.Settings {
    /// The same settings as a registry spec (how settings files written before
    /// detectors were components are read).
    public var spec: ComponentSpec {
        ComponentSpec(name: "prada", parameters: [
            "delta": "\(delta)", "minimum-distances": "\(minimumDistances)", "test-every": "\(testEvery)",
            "minimum-class-distances": "\(minimumClassDistances)", "outlier-sigmas": "\(outlierSigmas)", "window": "\(window)",
        ])
    }
}
