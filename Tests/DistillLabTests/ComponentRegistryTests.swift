import XCTest
import DistillCore
import DistillData
import DistillLab
import DistillNN

/// A defense that counts its fits and instances (registered once in the shared registry).
final class CountingDefense: ResponseDefense {
    let name = "test-counting"
    nonisolated(unsafe) static var fits = 0
    nonisolated(unsafe) static var instances = 0
    static let scaleParameter = Parameter<Double>("scale", default: 1, "multiplies nothing (a test hook)", range: .positive)
    static let component = Component<DefenseFitter>(ComponentDescriptor(
        kind: .defense, name: "test-counting", summary: "counts fits and instances",
        parameters: [scaleParameter.declaration], reference: "ComponentRegistryTests")) { _ in
        { _ in
            CountingDefense.fits += 1
            return { CountingDefense.instances += 1; return CountingDefense() }
        }
    }
    static let registered: Void = { try! ComponentRegistry.shared.register(component) }()
    func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {}
}

/// A channel that answers one-hot class 0 and counts what it is asked.
final class CountingChannel: QueryChannel {
    var batches = 0, rows = 0
    var answer: Float = 0
    let classCount = 3
    var queriesPerInput: Int { 1 }
    func query(_ batch: Matrix) throws -> Matrix {
        batches += 1; rows += batch.rows
        answer += 1
        return Matrix(rows: batch.rows, cols: classCount, values: [Float](repeating: answer, count: batch.rows * classCount))
    }
}

final class ComponentRegistryTests: XCTestCase {
    let registry = ComponentRegistry.shared

    func testResolvingWritesEveryParameterOut() throws {
        XCTAssertEqual(try registry.resolvedSpec(ComponentSpec(parsing: "reverse-sigmoid"), kind: .defense).description,
                       "reverse-sigmoid:beta=1,gamma=0.1")
        XCTAssertEqual(try registry.resolvedSpec(ComponentSpec(parsing: "rounding:decimals=3"), kind: .defense).description,
                       "rounding:decimals=3")
        // Numbers are written canonically, so "0.50" and "0.5" are one setting.
        XCTAssertEqual(try registry.resolvedSpec(ComponentSpec(parsing: "mad:epsilon=0.50"), kind: .defense).parameters["epsilon"], "0.5")
        XCTAssertEqual(try registry.resolvedSpec(ComponentSpec(parsing: "jacobian"), kind: .strategy).parameters,
                       ["seed-size": "50", "lambda": "0.1", "tau": "0", "rounds": "16"])
        // An optional parameter without default stays absent (the keyed canary's key comes from the seed).
        XCTAssertNil(try registry.resolvedSpec(ComponentSpec(parsing: "keyed-canary"), kind: .defense).parameters["key"])
        // Resolving twice changes nothing.
        let once = try registry.resolvedSpec(ComponentSpec(parsing: "adaptive-misinformation"), kind: .defense)
        XCTAssertEqual(try registry.resolvedSpec(once, kind: .defense), once)
    }

    /// The detector is a registered component: its spec resolves with every
    /// parameter, builds a fresh PRADA with those settings, and results and
    /// settings written before (a PRADA settings object) still read.
    func testDetectorsAreComponentsAndOldFilesStillRead() throws {
        // The built-ins alone: other tests register test detectors in the shared registry.
        let registry = ComponentRegistry(builtins: true)
        XCTAssertEqual(registry.names(.detector), ["prada"])
        let spec = try registry.resolvedSpec(ComponentSpec(parsing: "prada:delta=0.95"), kind: .detector)
        XCTAssertEqual(spec.parameters, ["delta": "0.95", "minimum-distances": "100", "test-every": "10",
                                         "minimum-class-distances": "10", "outlier-sigmas": "3", "window": "5000"])
        let built = try XCTUnwrap(registry.detector(spec) as? PradaDetector)
        XCTAssertEqual(built.settings, PradaDetector.Settings(delta: 0.95))
        XCTAssertFalse(try registry.detector(spec) === built)  // fresh per-client state each time
        XCTAssertThrowsError(try registry.detector(ComponentSpec(parsing: "prada:delta=1"))) {
            XCTAssertTrue("\($0)".contains("delta"), "\($0)")
        }
        XCTAssertThrowsError(try registry.detector(ComponentSpec(parsing: "prada:minimum-distances=5000"))) {
            XCTAssertTrue("\($0)".contains("minimumDistances"), "\($0)")  // the cross-parameter check
        }
        XCTAssertThrowsError(try registry.detector(ComponentSpec(parsing: "blacklight"))) {
            XCTAssertTrue("\($0)".contains("prada"), "\($0)")
        }
        // An evaluation section and a detection outcome as runs wrote them before.
        let oldEvaluation = #"{"undefendedBaseline":true,"alpha":0.01,"controls":6,"benignClients":3,"benignQueries":400,"detector":{"delta":0.93,"window":4000}}"#
        let e = try JSONDecoder().decode(EvaluationSettings.self, from: Data(oldEvaluation.utf8))
        let fromOld = try XCTUnwrap(try registry.detector(XCTUnwrap(e.detector)) as? PradaDetector)
        XCTAssertEqual(fromOld.settings, PradaDetector.Settings(delta: 0.93, window: 4000))
        let oldOutcome = #"{"settings":{"delta":0.9},"benign":[],"benignFalsePositiveRate":0}"#
        let o = try JSONDecoder().decode(DetectionOutcome.self, from: Data(oldOutcome.utf8))
        XCTAssertEqual(o.detector.name, "prada")
        let again = try JSONDecoder().decode(DetectionOutcome.self, from: JSONEncoder().encode(o))
        XCTAssertEqual(again, o)
    }

    func testErrorsNameTheKindTheParameterAndTheFix() throws {
        func error(_ text: String, _ kind: ComponentKind) -> ComponentError? {
            do { _ = try registry.resolve(ComponentSpec(parsing: text), kind: kind); return nil } catch { return error as? ComponentError }
        }
        let counterAsStrategy = try XCTUnwrap(error("argmax", .strategy))
        XCTAssertTrue(counterAsStrategy.description.contains("is a counter; pass it with --counter"), counterAsStrategy.description)
        XCTAssertTrue(try XCTUnwrap(error("jacobain", .strategy)).description.contains("did you mean 'jacobian'"))
        let choice = try XCTUnwrap(error("keyed-canary:response=one-hto", .defense))
        XCTAssertEqual(choice.parameter, "response")
        XCTAssertTrue(choice.description.contains("did you mean 'one-hot'"), choice.description)
        XCTAssertEqual(error("ensemble-filter:nope=1", .counter)?.parameter, "nope")
        // A secret is never echoed.
        let key = try XCTUnwrap(error("keyed-canary:key=secret-key-text", .defense))
        XCTAssertFalse(key.description.contains("secret-key-text"), key.description)
    }

    func testListingsComeFromTheDeclarations() throws {
        for d in registry.descriptors(.defense, .canary, .strategy, .counter) {
            XCTAssertFalse(d.summary.isEmpty, d.name)
            XCTAssertFalse(d.reference.isEmpty, d.name)
            XCTAssertEqual(Set(d.parameterNames).count, d.parameters.count, "\(d.name) declares a parameter twice")
            for p in d.parameters {
                XCTAssertFalse(p.summary.isEmpty, "\(d.name).\(p.name)")
                // Every default passes its own check (a declaration cannot contradict itself).
                if let v = p.defaultValue { XCTAssertEqual(p.check(v), v, "\(d.name).\(p.name)=\(v)") }
            }
        }
        let eps = try XCTUnwrap(registry.descriptor(.canary, named: "periodic-signal")?.parameters.first { $0.name == "epsilon" })
        XCTAssertEqual(eps.defaultValue, "0.2", "one default, declared once")
        XCTAssertEqual(registry.names(.canary), ["keyed-canary", "periodic-signal"])
    }

    /// The build-time catalogue finds every declaration: each `static let component =`
    /// in the module's files is one built-in (MAD's `components` are two), nothing
    /// missed and nothing listed twice.
    func testEveryDeclaredComponentIsABuiltin() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/DistillLab").standardizedFileURL
        let files = try XCTUnwrap(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        XCTAssertGreaterThan(files.count, 20)
        var declared = 0
        for f in files {
            declared += try String(contentsOf: f, encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("    public static let component = ") || $0.hasPrefix("    static let component = ") }.count
        }
        let builtins = ComponentRegistry(builtins: true)
        let names = builtins.names(.defense, .canary, .strategy, .counter, .detector)
        XCTAssertEqual(names.count, declared + PredictionPoisoning.components.count)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.contains("laplace-noise"), "declared in its own file only")
        XCTAssertTrue(ComponentRegistry(builtins: false).names(.defense, .canary, .strategy, .counter, .detector).isEmpty)
    }

    func testPluginsRegisterAndNamesCannotClash() throws {
        _ = CountingDefense.registered
        XCTAssertTrue(registry.names(.defense).contains("test-counting"))
        XCTAssertThrowsError(try registry.register(CountingDefense.component)) { e in
            XCTAssertEqual(e as? ComponentError, .duplicate(kind: .defense, name: "test-counting"))
        }
        // A defense may not take a canary's name either: both go in --defense.
        let clash = Component<DefenseFitter>(ComponentDescriptor(kind: .defense, name: "keyed-canary", summary: "x",
                                                                  parameters: [], reference: "x")) { _ in { _ in { CountingDefense() } } }
        XCTAssertThrowsError(try registry.register(clash))
        // A private registry starts empty unless asked for the built-ins.
        XCTAssertEqual(ComponentRegistry().names(.defense), [])
        XCTAssertEqual(ComponentRegistry(builtins: true).names(.strategy), registry.names(.strategy))
    }

    /// A plug-in's catalogue registers every lab kind and hands back the rest.
    func testACatalogueRegistersItsComponentsAndReturnsOtherKinds() throws {
        let fresh = ComponentRegistry()
        let foreign = "a chat component stand-in"
        let rest = try fresh.register(catalogue: [CountingDefense.component, BuiltinSample.strategy, foreign])
        XCTAssertEqual(fresh.names(.defense), ["test-counting"])
        XCTAssertEqual(fresh.names(.strategy), ["random"])
        XCTAssertEqual(rest as? [String], [foreign])
        XCTAssertThrowsError(try fresh.register(catalogue: [CountingDefense.component])) {
            XCTAssertEqual($0 as? ComponentError, .duplicate(kind: .defense, name: "test-counting"))
        }
    }

    /// Fitting happens once per run; each oracle (attacker, honest users, benign
    /// traffic) gets its own instance of the fitted defense.
    func testARunFitsEachDefenseOnceAndMakesOneInstancePerOracle() throws {
        _ = CountingDefense.registered
        var s = ExperimentSettings.defaults(for: "digits")
        s.teacher.training.epochs = 2
        s.student.training.epochs = 2
        s.defense.responses = [ComponentSpec(name: "test-counting", parameters: [:])]
        s.evaluation.detector = ComponentSpec(name: "prada")
        s.evaluation.benignQueries = 50
        s.evaluation.benignClients = 1
        CountingDefense.fits = 0; CountingDefense.instances = 0
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fit-once-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try RunDirectory.create(under: root, name: "run")
        _ = try Experiment(settings: s).run(directory: dir)
        XCTAssertEqual(CountingDefense.fits, 1)
        XCTAssertEqual(CountingDefense.instances, 3)
        // The resolved spec, not the one given, is what the run records.
        let config = try String(contentsOf: dir.file(RunFiles.config), encoding: .utf8)
        XCTAssertTrue(config.contains("\"scale\" : \"1\""), config)
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.file(RunFiles.settings)))
        XCTAssertEqual(record.settings.defense.responses.first?.parameters, ["scale": "1"])
    }

    /// `mad:surrogate=trained` trains its surrogate in `fit`; the instances share it.
    func testFittedModelsAreSharedByTheInstances() throws {
        let context = try PoisoningFixtures.context()
        let make = try registry.defense(ComponentSpec(parsing: "mad:surrogate=trained,surrogate-epochs=2")).fit(context)
        let a = try XCTUnwrap(try make() as? PredictionPoisoning)
        let b = try XCTUnwrap(try make() as? PredictionPoisoning)
        XCTAssertFalse(a === b, "each oracle gets its own instance")
        XCTAssertTrue(a.surrogate === b.surrogate, "the surrogate is trained once and shared")
        let am = try registry.defense(ComponentSpec(parsing: "adaptive-misinformation:epochs=2")).fit(context)
        let c = try XCTUnwrap(try am() as? AdaptiveMisinformation), d = try XCTUnwrap(try am() as? AdaptiveMisinformation)
        XCTAssertTrue(c.misinformationModel === d.misinformationModel)
    }

    /// A counter is a channel wrapper: average-repeats sends each batch r times and
    /// averages; argmax answers one-hot; the costs multiply.
    func testCountersWrapTheQueryChannel() throws {
        let inner = CountingChannel()
        let repeats = try registry.counter(ComponentSpec(parsing: "average-repeats:repeats=3")).wrap(inner)
        XCTAssertEqual(repeats.queriesPerInput, 3)
        let mean = try repeats.query(Matrix(rows: 2, cols: 4))
        XCTAssertEqual(inner.batches, 3)
        XCTAssertEqual(inner.rows, 6)
        XCTAssertEqual(mean.values, [Float](repeating: 2, count: 6), "mean of the answers 1, 2, 3")

        let argmax = try registry.counter(ComponentSpec(parsing: "argmax")).wrap(CountingChannel())
        let oneHot = try argmax.query(Matrix(rows: 1, cols: 4))
        XCTAssertEqual(oneHot.values, [1, 0, 0], "ties go to the first class")
    }

    /// A strategy whose queries are not pool rows can spend more than the pool
    /// holds (this guard used to refuse ood and jacobian runs).
    func testStrategiesNotDrawingFromThePoolMaySpendMoreThanIt() throws {
        var s = ExperimentSettings.defaults(for: "digits")
        s.teacher.training.epochs = 2
        s.student.training.epochs = 2
        s.data.teacherFraction += s.data.poolFraction - 0.05
        s.data.poolFraction = 0.05
        s.attack.budget = 300
        s.attack.strategy = try ComponentSpec(parsing: "ood:source=noise")
        let result = try Experiment(settings: s).run()
        XCTAssertLessThan(result.splits.attackerPool, 300)
        XCTAssertEqual(result.queriesUsed["attacker"], 300)
        s.attack.strategy = try ComponentSpec(parsing: "random")
        XCTAssertThrowsError(try Experiment(settings: s).run()) { e in
            XCTAssertTrue("\(e)".contains("lower the budget (attack.budget, --budget) to at most \(result.splits.attackerPool)"), "\(e)")
        }
    }
}

/// A built-in strategy reached through the public API (the catalogue's entries are `Any`).
enum BuiltinSample {
    static var strategy: Any { RandomPoolStrategy.component }
}
