import Foundation
import DistillStats

/// What an extraction detector concludes about one client.
public struct DetectionReport: Codable, Sendable, Equatable {
    public var client: String
    /// Queries the client has sent so far.
    public var queriesSeen: Int
    /// Whether the detector has raised an alarm for this client (latched: it stays set).
    public var flagged: Bool
    /// The client's query count when the first alarm was raised.
    public var queriesUntilFlag: Int?
    /// Shapiro–Wilk W of the most recent test, if any test has run.
    public var lastW: Double?
    /// Minimum distances recorded (one per query except each class's first).
    public var distancesRecorded: Int

    public init(client: String, queriesSeen: Int, flagged: Bool, queriesUntilFlag: Int?, lastW: Double?,
                distancesRecorded: Int) {
        self.client = client; self.queriesSeen = queriesSeen; self.flagged = flagged
        self.queriesUntilFlag = queriesUntilFlag; self.lastW = lastW; self.distancesRecorded = distancesRecorded
    }
}

/// Errors in configuring a detector; each names the setting and the fix.
public enum DetectorError: Error, CustomStringConvertible, Equatable {
    case invalidSetting(detector: String, setting: String, value: String, expected: String)

    public var description: String {
        switch self {
        case let .invalidSetting(d, s, v, e):
            return "\(d) detector: \(s) = \(v) is invalid; expected \(e)"
        }
    }
}

extension PradaDetector {
    /// PRADA's knobs. Defaults follow the reference implementation
    /// (tests every 10 queries, more than 100 distances, classes with at
    /// least 10 distances, outliers beyond 3σ dropped) except `delta`, which
    /// must be tuned per data set so benign streams never fire (the paper
    /// tunes δ per data set too).
    public struct Settings: Codable, Sendable, Equatable {
        /// Alarm when Shapiro–Wilk W < delta. In (0, 1).
        public var delta: Double
        /// A test needs more than this many distances after outlier removal. 3 ≤ value < window.
        public var minimumDistances: Int
        /// A test runs on the client's 1st, (testEvery+1)-th, (2·testEvery+1)-th, … query. ≥ 1.
        public var testEvery: Int
        /// A class's distances enter the test only once it has this many. ≥ 1.
        public var minimumClassDistances: Int
        /// Distances farther than this many standard deviations from the mean are dropped before the test. > 0.
        public var outlierSigmas: Double
        /// At most this many most recent distances are tested (Shapiro–Wilk is calibrated up to 5000). 3 … 5000.
        public var window: Int

        /// Defaults: the component's parameter declarations (`PradaDetector.component`).
        public init(delta: Double = PradaDetector.deltaParameter.defaultValue!,
                    minimumDistances: Int = PradaDetector.minimumDistancesParameter.defaultValue!,
                    testEvery: Int = PradaDetector.testEveryParameter.defaultValue!,
                    minimumClassDistances: Int = PradaDetector.minimumClassDistancesParameter.defaultValue!,
                    outlierSigmas: Double = PradaDetector.outlierSigmasParameter.defaultValue!,
                    window: Int = PradaDetector.windowParameter.defaultValue!) {
            self.delta = delta; self.minimumDistances = minimumDistances; self.testEvery = testEvery
            self.minimumClassDistances = minimumClassDistances; self.outlierSigmas = outlierSigmas; self.window = window
        }

        /// Missing keys take their defaults, so a settings file may name only what it changes.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Settings()
            delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? d.delta
            minimumDistances = try c.decodeIfPresent(Int.self, forKey: .minimumDistances) ?? d.minimumDistances
            testEvery = try c.decodeIfPresent(Int.self, forKey: .testEvery) ?? d.testEvery
            minimumClassDistances = try c.decodeIfPresent(Int.self, forKey: .minimumClassDistances) ?? d.minimumClassDistances
            outlierSigmas = try c.decodeIfPresent(Double.self, forKey: .outlierSigmas) ?? d.outlierSigmas
            window = try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window
        }

        /// Throws `DetectorError.invalidSetting` for the first impossible value.
        public func validate() throws {
            func fail(_ s: String, _ v: CustomStringConvertible, _ e: String) -> DetectorError {
                .invalidSetting(detector: "PRADA", setting: s, value: v.description, expected: e)
            }
            guard delta > 0, delta < 1 else {
                throw fail("delta", delta, "a number in (0, 1): W is at most 1, so delta ≥ 1 flags every client (PRADA uses 0.87–0.96)")
            }
            guard (ShapiroWilk.minimumCount...ShapiroWilk.maximumCount).contains(window) else {
                throw fail("window", window, "an integer from \(ShapiroWilk.minimumCount) to \(ShapiroWilk.maximumCount) (Shapiro–Wilk's calibrated range)")
            }
            guard minimumDistances >= ShapiroWilk.minimumCount, minimumDistances < window else {
                throw fail("minimumDistances", minimumDistances,
                           "an integer from \(ShapiroWilk.minimumCount) to \(window - 1) (below the window of \(window), or no test could ever run)")
            }
            guard testEvery >= 1 else { throw fail("testEvery", testEvery, "an integer ≥ 1") }
            guard minimumClassDistances >= 1 else { throw fail("minimumClassDistances", minimumClassDistances, "an integer ≥ 1") }
            guard outlierSigmas > 0, outlierSigmas.isFinite else {
                throw fail("outlierSigmas", outlierSigmas, "a finite number > 0 (3 in PRADA)")
            }
        }
    }
}
