import Foundation
import DistillCore
import DistillStats

/// PRADA (Juuti et al. 2019, "PRADA: Protecting against DNN Model Stealing
/// Attacks"): flags a client whose stream of minimum query distances stops
/// looking normally distributed, the signature of synthetic extraction
/// queries (Jacobian augmentation: small perturbations of a few seeds).
/// Natural queries evade it (Atli et al. 2020), and so, measured on the 8×8
/// digits, do uniform-noise queries (their minimum distances are near-normal,
/// W ≈ 0.99); see PradaDetectorTests.
///
/// Per client, and per predicted class c (argmax of the oracle's response),
/// it keeps a growing set G_c of queries, the distances D_{G_c} at which they
/// were added, and a threshold T_c. For each query x of class c, in stream
/// order (this follows the authors' reference implementation, SSG Aalto's
/// `GrowingDistanceAgent.single_query`):
///
/// 1. If G_c is empty: G_c = {x}, D_{G_c} = [0], T_c = 0; no distance is recorded.
/// 2. Else d = min_{g ∈ G_c} ‖x − g‖₂ is recorded (client-wide list D, tagged
///    with c). If d > T_c: x joins G_c, d joins D_{G_c}, and
///    T_c = max(T_c, mean(D_{G_c}) − std(D_{G_c})) with the population std,
///    over the distances *of the kept queries* (the seeded 0 included), not
///    over every distance recorded for c.
/// 3. On the client's 1st, (testEvery+1)-th, … query (the reference tests when
///    `queries_processed % 10 == 0` before counting the query), the test
///    sample is every recorded distance of a class with at least
///    `minimumClassDistances` (10) distances, limited to the most recent
///    `window` (5000, Shapiro–Wilk's calibrated range), minus outliers: only
///    `|d − mean| < outlierSigmas · std` (3, population std, strict) stay.
///    If more than `minimumDistances` (100) remain, W = Shapiro–Wilk(sample)
///    and W < `delta` raises the alarm.
///
/// Queries with non-finite features are counted but record no distance and
/// never join a set (see `process`).
///
/// The reference re-evaluates its alarm at every test (it can switch back
/// off); here the first alarm is latched and reported as `queriesUntilFlag`,
/// while `lastW` keeps the latest statistic. A sample with zero spread
/// (every distance equal) loses every point to the strict outlier rule and is
/// not tested, as in the reference.
///
/// Efficiency: each G_c is one contiguous row-major Float buffer grown by
/// doubling, with cached squared norms. Queries are handled in chunks of
/// `chunkSize`: one `gemm` per class and chunk finds every query's nearest
/// member of the set as it stood at the chunk's start (‖g‖² − 2·x·g), then the
/// winner's distance is recomputed exactly (in Double; the expanded form can
/// only mis-rank members whose distances agree to Float rounding) and members added
/// within the chunk are compared directly, which keeps the stream-order
/// semantics. Cost per query: O(|G_c| · D) flops in BLAS plus O(D) per
/// same-chunk addition of its class; a test costs O(n log n) plus n normal
/// quantiles for n ≤ window. Measured worst case (uniform noise, nearly every
/// query kept): 20,000 queries of 784 features in 2.6 s on 2 cores, 1.4 s of it
/// distances.
///
/// - Precondition: every batch has as many response rows as query rows and a
///   client's queries always have the same width (the oracle guarantees both).
public final class PradaDetector: QueryMonitor {
    public let settings: Settings
    /// Queries per gemm pass. Larger chunks read each G_c less often; same-chunk
    /// additions are compared directly, which costs O(D) each.
    public static let chunkSize = 512

    private var clients: [String: ClientState] = [:]
    // Scratch reused across batches (no per-query allocation).
    private var predicted: [Int] = []
    private var nearest: [Int] = []
    private var gathered: [Float] = []
    private var dots: [Float] = []
    private var sample: [Double] = []

    /// - Throws: `DetectorError.invalidSetting` for an impossible setting.
    public init(settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
    }

    // MARK: Observing

    public func observe(client: String, queries: Matrix, responses: Matrix) {
        precondition(queries.rows == responses.rows, "PRADA: \(queries.rows) queries but \(responses.rows) responses")
        guard queries.rows > 0, responses.cols > 0 else { return }
        let state: ClientState
        if let s = clients[client] { state = s } else { state = ClientState(dimension: queries.cols); clients[client] = state }
        precondition(queries.cols == state.dimension,
                     "PRADA: client '\(client)' sent \(queries.cols)-feature queries after \(state.dimension)-feature ones")
        state.ensureClasses(responses.cols)

        if predicted.count < queries.rows {
            predicted = Array(repeating: 0, count: queries.rows)
            nearest = Array(repeating: -1, count: queries.rows)
        }
        for r in 0..<queries.rows { predicted[r] = Kernels.argmax(responses.row(r), count: responses.cols) }

        var start = 0
        while start < queries.rows {
            let end = min(start + Self.chunkSize, queries.rows)
            process(rows: start..<end, queries: queries, state: state)
            start = end
        }
    }

    /// Handles one chunk in stream order.
    private func process(rows: Range<Int>, queries: Matrix, state: ClientState) {
        let dim = state.dimension
        // Set sizes at the chunk's start: members below this index were searched by gemm.
        var startCount = [Int](repeating: 0, count: state.sets.count)
        var rowsByClass = [[Int]](repeating: [], count: state.sets.count)
        for r in rows {
            rowsByClass[predicted[r]].append(r)
            nearest[r] = -1
        }
        for c in 0..<state.sets.count where !rowsByClass[c].isEmpty {
            let set = state.sets[c]
            startCount[c] = set.count
            if set.count > 0 { searchNearest(rowsByClass[c], queries: queries, set: set, dim: dim) }
        }

        for r in rows {
            let c = predicted[r]
            let set = state.sets[c]
            let x = queries.row(r)
            let ordinal = state.queriesSeen
            if !Kernels.allFinite(x, count: dim) {
                // A query with NaN/∞ features is counted but neither recorded nor kept: one NaN in
                // D or G_c would poison every later test, an easy way to switch PRADA off.
            } else if set.count == 0 {
                set.append(x, ordinal: ordinal)
                set.keptDistances = [0]
                set.threshold = 0
            } else {
                var d = Double.infinity
                if nearest[r] >= 0 { d = exactDistance(x, set.row(nearest[r]), dim) }
                for m in startCount[c]..<set.count { d = min(d, exactDistance(x, set.row(m), dim)) }
                state.record(d, predictedClass: c)
                if d > set.threshold {
                    set.append(x, ordinal: ordinal)
                    set.keptDistances.append(d)
                    set.threshold = max(set.threshold, meanMinusStd(set.keptDistances))
                }
            }
            state.queriesSeen += 1
            if ordinal % settings.testEvery == 0 { test(state) }
        }
    }

    /// For each listed query, the index of the (approximately) nearest set
    /// member: one gemm gives x·g, and argmin ‖g‖² − 2·x·g skips ‖x‖².
    private func searchNearest(_ rows: [Int], queries: Matrix, set: GrowingSet, dim: Int) {
        let b = rows.count, m = set.count
        if gathered.count < b * dim { gathered = Array(repeating: 0, count: b * dim) }
        if dots.count < b * m { dots = Array(repeating: 0, count: max(b * m, dots.count * 2)) }
        gathered.withUnsafeMutableBufferPointer { g in
            for (i, r) in rows.enumerated() { (g.baseAddress! + i * dim).update(from: queries.row(r), count: dim) }
            dots.withUnsafeMutableBufferPointer { out in
                BLAS.gemm(.none, .transpose, m: b, n: m, k: dim,
                          a: g.baseAddress!, lda: dim, b: set.storage, ldb: dim,
                          c: out.baseAddress!, ldc: m)
                for (i, r) in rows.enumerated() {
                    let row = out.baseAddress! + i * m
                    var best = 0
                    var bestValue = Float.infinity
                    for j in 0..<m {
                        let v = set.squaredNorms[j] - 2 * row[j]
                        if v < bestValue { bestValue = v; best = j }
                    }
                    nearest[r] = best
                }
            }
        }
    }

    // MARK: The normality test

    private func test(_ state: ClientState) {
        sample.removeAll(keepingCapacity: true)
        var i = state.distances.count - 1
        while i >= 0 && sample.count < settings.window {
            if state.classDistanceCounts[state.distanceClasses[i]] >= settings.minimumClassDistances {
                sample.append(state.distances[i])
            }
            i -= 1
        }
        guard sample.count > settings.minimumDistances else { return }
        let n = Double(sample.count)
        let mean = sample.reduce(0, +) / n
        let std = (sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let limit = settings.outlierSigmas * std
        var kept = 0
        for j in sample.indices where abs(sample[j] - mean) < limit { sample[kept] = sample[j]; kept += 1 }
        sample.removeLast(sample.count - kept)
        guard sample.count > settings.minimumDistances,
              let (w, _) = try? ShapiroWilk.test(sample) else { return }
        state.lastW = w
        state.testsRun += 1
        if w < settings.delta && state.flaggedAt == nil { state.flaggedAt = state.queriesSeen }
    }

    // MARK: Reports and inspection

    /// The report for one client, or nil if it never queried.
    public func report(for client: String) -> DetectionReport? {
        guard let s = clients[client] else { return nil }
        return DetectionReport(client: client, queriesSeen: s.queriesSeen, flagged: s.flaggedAt != nil,
                               queriesUntilFlag: s.flaggedAt, lastW: s.lastW, distancesRecorded: s.distances.count)
    }

    /// Every client's report, by client name.
    public var reports: [DetectionReport] { clients.keys.sorted().compactMap { report(for: $0) } }

    /// The minimum distances recorded for `client`, in stream order.
    public func distances(for client: String) -> [Double] { clients[client]?.distances ?? [] }

    /// Which of the client's queries (0-based positions in its stream) were kept in G_c.
    public func growingSet(for client: String, predictedClass c: Int) -> [Int] {
        guard let s = clients[client], c >= 0, c < s.sets.count else { return [] }
        return s.sets[c].ordinals
    }

    /// The current threshold T_c, or nil if class c has no growing set yet.
    public func threshold(for client: String, predictedClass c: Int) -> Double? {
        guard let s = clients[client], c >= 0, c < s.sets.count, s.sets[c].count > 0 else { return nil }
        return s.sets[c].threshold
    }

    /// Shapiro–Wilk tests actually run for `client` (those with enough distances).
    public func testsRun(for client: String) -> Int { clients[client]?.testsRun ?? 0 }
}

// MARK: - State

/// One client's detector state.
private final class ClientState {
    let dimension: Int
    var sets: [GrowingSet] = []
    var distances: [Double] = []
    var distanceClasses: [Int] = []
    var classDistanceCounts: [Int] = []
    var queriesSeen = 0
    var testsRun = 0
    var flaggedAt: Int?
    var lastW: Double?

    init(dimension: Int) { self.dimension = dimension }

    func ensureClasses(_ k: Int) {
        while sets.count < k { sets.append(GrowingSet(dimension: dimension)) }
        while classDistanceCounts.count < k { classDistanceCounts.append(0) }
    }

    func record(_ d: Double, predictedClass c: Int) {
        distances.append(d)
        distanceClasses.append(c)
        classDistanceCounts[c] += 1
    }
}

/// G_c: kept queries in one contiguous row-major buffer (amortised doubling),
/// their squared norms, stream positions and the distances they were added at.
private final class GrowingSet {
    let dimension: Int
    private(set) var storage: UnsafeMutablePointer<Float>
    private var capacity: Int
    private(set) var count = 0
    private(set) var squaredNorms: [Float] = []
    private(set) var ordinals: [Int] = []
    var keptDistances: [Double] = []
    var threshold = 0.0

    init(dimension: Int) {
        self.dimension = dimension
        capacity = 16
        storage = .allocate(capacity: capacity * max(dimension, 1))
    }

    deinit { storage.deallocate() }

    func row(_ i: Int) -> UnsafePointer<Float> { UnsafePointer(storage + i * dimension) }

    func append(_ x: UnsafePointer<Float>, ordinal: Int) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Float>.allocate(capacity: 2 * capacity * max(dimension, 1))
            grown.update(from: storage, count: count * dimension)
            storage.deallocate()
            storage = grown
            capacity *= 2
        }
        (storage + count * dimension).update(from: x, count: dimension)
        squaredNorms.append(dimension > 0 ? BLAS.dot(count: dimension, x, x) : 0)
        ordinals.append(ordinal)
        count += 1
    }
}

/// ‖x − g‖₂ accumulated in Double (exact enough for near-duplicates, where
/// the expanded gemm form cancels).
@inline(__always)
private func exactDistance(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n {
        let d = Double(x[i]) - Double(g[i])
        s += d * d
    }
    return s.squareRoot()
}

/// mean − population std, PRADA's threshold candidate.
private func meanMinusStd(_ v: [Double]) -> Double {
    let n = Double(v.count)
    let mean = v.reduce(0, +) / n
    let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    return mean - variance.squareRoot()
}
