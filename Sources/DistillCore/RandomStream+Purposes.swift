import Foundation

/// Every random stream the lab draws from, in one list. A stream is seeded by
/// the run's seed (or, where `seededBy` says so, by one draw of a parent
/// stream) and its label; distinct labels give independent streams, so adding
/// a purpose never changes the numbers another one draws. The labels are part
/// of every published number: renaming one changes results.
public enum StreamPurpose: Hashable, Sendable {
    /// The split of the data into teacher-train, validation, attacker pool, test.
    case split
    case teacherInit, teacherShuffle
    /// The nasty teacher's own initial weights (it shuffles with `teacherShuffle`).
    case nastyTeacherInit
    /// All three students of an attack share init and batch order.
    case studentInit, studentShuffle
    /// The attack strategy's draws (which pool rows, synthetic inputs).
    case attack
    /// A strategy's substitute model (Jacobian augmentation, active learning), seeded by a draw of `attack`.
    case substituteInit, substituteShuffle
    /// The attacker's oracle's randomised defenses.
    case defense
    /// The honest users' oracle (test inputs), separate so their traffic shifts nothing the attacker sees.
    case benignUsersDefense
    /// The oracle of the detector's benign traffic, and each benign client's row picks.
    case benignTrafficDefense, benignInputs
    /// An owner-side model of a defense ("mad-surrogate", "misinformation-model"), seeded by a draw of `defense`.
    case ownerModel(String)
    /// The keyed canary's default key.
    case canary
    /// The periodic signal's secret direction.
    case periodicSignalKey
    /// Innocent control model i: its data subset, init and batch order.
    case controlData(Int), controlInit(Int), controlShuffle(Int)
    /// Example `index` of a generated task suite.
    case task(suite: String, difficulty: Int, split: String, index: Int)
    /// `distill-lab bench`'s correctness check and `defenses apply`'s placeholder teacher.
    case benchCheck, applyPlaceholderTeacher

    /// The label the stream is seeded with.
    public var label: String {
        switch self {
        case .split: return "split"
        case .teacherInit: return "teacherInit"
        case .teacherShuffle: return "teacherShuffle"
        case .nastyTeacherInit: return "nasty-teacher-init"
        case .studentInit: return "studentInit"
        case .studentShuffle: return "studentShuffle"
        case .attack: return "attack"
        case .substituteInit: return "substitute-init"
        case .substituteShuffle: return "substitute-shuffle"
        case .defense: return "defense"
        case .benignUsersDefense: return "defense-benign"
        case .benignTrafficDefense: return "defense-benign-traffic"
        case .benignInputs: return "benign-inputs"
        case let .ownerModel(name): return name
        case .canary: return "canary"
        case .periodicSignalKey: return "canary.periodic-signal"
        case let .controlData(i): return "control-\(i)-data"
        case let .controlInit(i): return "control-\(i)-init"
        case let .controlShuffle(i): return "control-\(i)-shuffle"
        case let .task(suite, difficulty, split, index): return "\(suite)/d\(difficulty)/\(split)/\(index)"
        case .benchCheck: return "bench-check"
        case .applyPlaceholderTeacher: return "apply-placeholder-teacher"
        }
    }

    /// The label with indices written as `<i>` (one name per family), as
    /// `settings.json` lists the streams a run drew from.
    public var family: String {
        switch self {
        case let .ownerModel(name): return "\(name) (from defense)"
        case .substituteInit: return "substitute-init (from attack)"
        case .substituteShuffle: return "substitute-shuffle (from attack)"
        case .controlData: return "control-<i>-data"
        case .controlInit: return "control-<i>-init"
        case .controlShuffle: return "control-<i>-shuffle"
        case let .task(suite, difficulty, split, _): return "\(suite)/d\(difficulty)/\(split)/<index>"
        default: return label
        }
    }

    /// One of each family with its meaning, for the README and tests.
    public static let catalogue: [StreamPurpose] = [
        .split, .teacherInit, .teacherShuffle, .nastyTeacherInit, .studentInit, .studentShuffle,
        .attack, .substituteInit, .substituteShuffle, .defense, .benignUsersDefense, .benignTrafficDefense,
        .benignInputs, .ownerModel("mad-surrogate"), .ownerModel("misinformation-model"), .canary,
        .periodicSignalKey, .controlData(0), .controlInit(0), .controlShuffle(0),
        .task(suite: "reasoning", difficulty: 1, split: "train", index: 0), .benchCheck, .applyPlaceholderTeacher,
    ]
}

/// Notes which stream families a piece of work drew from: a run sets one
/// with `StreamLedger.$current.withValue(ledger) { … }` and writes
/// `ledger.families` to settings.json. The order is the catalogue's, not the
/// draws', so a run whose teacher came from a cache lists the same streams.
public final class StreamLedger: @unchecked Sendable {
    @TaskLocal public static var current: StreamLedger?
    private let lock = NSLock()
    private var seen: Set<String> = []

    public init() {}

    /// Records `purpose` (also for work a cache stands in for).
    public func note(_ purpose: StreamPurpose) {
        lock.lock(); defer { lock.unlock() }
        seen.insert(purpose.family)
    }

    /// The families noted, in catalogue order (task suites by name after them).
    public var families: [String] {
        lock.lock(); defer { lock.unlock() }
        let order = StreamPurpose.catalogue.map(\.family)
        return seen.sorted { a, b in
            let i = order.firstIndex(of: a) ?? order.count, j = order.firstIndex(of: b) ?? order.count
            return i != j ? i < j : a < b
        }
    }
}
