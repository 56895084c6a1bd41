import XCTest
import DistillLab
import DistillConfig
import DistillSweep

/// Sweep files, the command-line value lists, the product order and the run names.
final class SweepExpansionTests: SweepTestCase {

    /// A sweep file that is not UTF-8 text says so, with its path (not "The file isn't in the correct format").
    func testNonUTF8SweepFileIsNamedAsNotText() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString).yaml")
        try Data([0xFF, 0xFE, 0x00, 0x73]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try SweepDefinition.load(url.path)) {
            let text = "\($0)"
            XCTAssertTrue(text.hasPrefix(url.path + ": the sweep file is not UTF-8 text"), text)
            XCTAssertFalse(text.contains("correct format"), text)
        }
    }

    func testFileSweepIsTheProductOfValuesTimesSeedsInOrder() throws {
        let text = SweepTestCase.tinyBase + """
        sweep:
          defense.responses: [[rounding:decimals=2], []]
          attack:
            budget: [200, 300]
        seeds: [0, 5]
        """
        let points = try definition(text).points()
        XCTAssertEqual(points.count, 2 * 2 * 2)
        XCTAssertEqual(points.map(\.index), Array(0..<8))
        // First axis slowest, seeds fastest.
        XCTAssertEqual(points.map(\.name), [
            "defense.responses=rounding_decimals=2__attack.budget=200__seed=0",
            "defense.responses=rounding_decimals=2__attack.budget=200__seed=5",
            "defense.responses=rounding_decimals=2__attack.budget=300__seed=0",
            "defense.responses=rounding_decimals=2__attack.budget=300__seed=5",
            "defense.responses=none__attack.budget=200__seed=0",
            "defense.responses=none__attack.budget=200__seed=5",
            "defense.responses=none__attack.budget=300__seed=0",
            "defense.responses=none__attack.budget=300__seed=5",
        ])
        XCTAssertEqual(points.map(\.settings.attack.budget), [200, 200, 300, 300, 200, 200, 300, 300])
        XCTAssertEqual(points.map(\.settings.seed), [0, 5, 0, 5, 0, 5, 0, 5])
        XCTAssertEqual(points[0].settings.defense.responses, [DefenseSpec(name: "rounding", parameters: ["decimals": "2"])])
        XCTAssertEqual(points[4].settings.defense.responses, [])
        XCTAssertEqual(points[1].setting, "defense.responses=rounding_decimals=2__attack.budget=200")
        // The base part of the file applies to every point.
        XCTAssertTrue(points.allSatisfy { $0.settings.teacher.training.epochs == 2 && $0.settings.evaluation.controls == 4 })
        // Same definition, same expansion (stable names and order).
        XCTAssertEqual(try definition(text).points(), points)
    }

    func testSeedAsASweepAxisIsRefusedInFavourOfSeeds() throws {
        // With `seeds: [0]` the points labelled seed=1 and seed=2 all ran seed 0; collect then hit a duplicate seed column.
        let text = SweepTestCase.tinyBase + "sweep:\n  seed: [1, 2]\nseeds: [0]\n"
        XCTAssertThrowsError(try definition(text)) { e in
            XCTAssertTrue("\(e)".contains("`seed` cannot be a sweep axis; list the seeds under `seeds:` instead, e.g. `seeds: [1, 2]`"), "\(e)")
            XCTAssertTrue("\(e)".contains(".yaml:"), "names the file and line: \(e)")
        }
        // Without `seeds:` too.
        XCTAssertThrowsError(try definition(SweepTestCase.tinyBase + "sweep:\n  seed: [1, 2]\n"))
        // On the command line `seed=` is the seeds' list; given twice, one list used to replace the other silently.
        XCTAssertThrowsError(try definition(SweepTestCase.tinyBase, arguments: ["seed=1,2", "seeds=0"])) { e in
            XCTAssertEqual("\(e)", "`seeds=0`: the seeds are already given by `seed=1,2`; give them once, e.g. seeds=0,1,2")
        }
        // The supported spellings give one point per seed, each labelled and run with its own seed.
        for argument in ["seeds=1,2", "seed=1,2"] {
            let points = try definition(SweepTestCase.tinyBase, arguments: [argument]).points()
            XCTAssertEqual(points.map(\.name), ["seed=1", "seed=2"], argument)
            XCTAssertEqual(points.map(\.settings.seed), [1, 2], argument)
        }
        // The command line's list replaces the file's (the command line wins), without an error.
        XCTAssertEqual(try definition(SweepTestCase.tinyBase + "seeds: [0]\n", arguments: ["seeds=3"]).points().map(\.settings.seed), [3])
    }

    /// Arguments and values are quoted cut short: a 10,000-deep value made a 40 KB message.
    func testHugeOrDeepArgumentsGiveBoundedMessages() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let huge = String(repeating: "x", count: 100_000)
        let cases: [[String]] = [
            ["teacher.hidden=\(deep)|[3]"],                        // an axis value the settings refuse
            ["teacher.hidden=" + String(repeating: "[", count: 10_000)],  // unbalanced
            [huge + "=1|2", "attack.budget=\(huge)"],
            ["seeds=\(huge)"],
            ["attack.strategy=" + String(repeating: "a:b=1,", count: 10_000)],  // ambiguous commas
            ["k\(huge)"],                                           // no '='
        ]
        for arguments in cases {
            XCTAssertThrowsError(try SweepDefinition.make(file: nil, arguments: arguments).points(), String(arguments[0].prefix(40))) {
                XCTAssertLessThan("\($0)".utf8.count, 1_000, String("\($0)".prefix(300)))
            }
        }
    }

    func testErrorsInTheBasePartKeepTheirLineNumbers() throws {
        let text = """
        sweep:
          attack.budget: [200, 300]
        seeds: [0]
        teacher:
          training: {epoch: 3}
        """
        XCTAssertThrowsError(try definition(text).points()) { error in
            XCTAssertTrue("\(error)".contains(":5:") && "\(error)".contains("did you mean `epochs`?"), "\(error)")
        }
        XCTAssertThrowsError(try definition("sweep:\n  attack.budget: 200\n")) { error in
            XCTAssertTrue("\(error)".contains(":2: `sweep.attack.budget` must be a list of values"), "\(error)")
        }
        XCTAssertThrowsError(try definition("sweep:\n  attack.budget: [200, -1]\n").points()) { error in
            XCTAssertTrue("\(error)".contains("the value -1 of `attack.budget`") && "\(error)".contains("budget must be positive"), "\(error)")
        }
        XCTAssertThrowsError(try definition("seeds: [1, 1]\n")) { error in
            XCTAssertTrue("\(error)".contains("lists a seed twice"), "\(error)")
        }
    }

    func testCommandLineValueListsKeepCommasInsideSpecs() throws {
        func split(_ s: String) throws -> [String] { try SweepValues.split(s, argument: "k=" + s) }
        XCTAssertEqual(try split("[rounding:decimals=2]|[gaussian-noise:sigma=0.1,rounding:decimals=1]|[]"),
                       ["[rounding:decimals=2]", "[gaussian-noise:sigma=0.1,rounding:decimals=1]", "[]"])
        XCTAssertEqual(try split("200,400"), ["200", "400"])
        XCTAssertEqual(try split("[16],[32,16]"), ["[16]", "[32,16]"])
        XCTAssertEqual(try split("'jacobian:lambda=0.1,rounds=2'"), ["'jacobian:lambda=0.1,rounds=2'"])
        XCTAssertEqual(try split("{}|"), ["{}", ""])
        XCTAssertEqual(try split("random|jacobian:lambda=0.1,rounds=2"), ["random", "jacobian:lambda=0.1,rounds=2"])
        XCTAssertThrowsError(try split("random,jacobian:lambda=0.1")) { error in
            XCTAssertTrue("\(error)".contains("ambiguous") && "\(error)".contains("separate sweep values with '|'"), "\(error)")
        }
        XCTAssertThrowsError(try split("[16,32")) { XCTAssertTrue("\($0)".contains("unbalanced"), "\($0)") }
    }

    func testCommandLineAxesSeedsAndFixedOverrides() throws {
        let d = try SweepDefinition.make(file: nil, arguments: [
            "teacher.training.epochs=2", "student.training.epochs=2", "evaluation.controls=4",
            "defense.responses=[rounding:decimals=2]|[gaussian-noise:sigma=0.1,rounding:decimals=1]|[]",
            "seeds=0,1",
        ])
        let points = try d.points()
        XCTAssertEqual(points.count, 6)
        XCTAssertEqual(points.map(\.name), [
            "defense.responses=rounding_decimals=2__seed=0", "defense.responses=rounding_decimals=2__seed=1",
            "defense.responses=gaussian-noise_sigma=0.1_rounding_decimals=1__seed=0",
            "defense.responses=gaussian-noise_sigma=0.1_rounding_decimals=1__seed=1",
            "defense.responses=none__seed=0", "defense.responses=none__seed=1",
        ])
        XCTAssertEqual(points[2].settings.defense.responses.map(\.description), ["gaussian-noise:sigma=0.1", "rounding:decimals=1"])
        XCTAssertEqual(points[5].settings.teacher.training.epochs, 2)

        // The command line replaces the file's axis on a key, and a fixed value removes it.
        let replaced = try definition(arguments: ["defense.responses=[label-only]|[]"]).points()
        XCTAssertEqual(Set(replaced.map(\.setting)), ["defense.responses=label-only", "defense.responses=none"])
        let fixed = try definition(arguments: ["defense.responses=[label-only]", "seeds=3"]).points()
        XCTAssertEqual(fixed.map(\.name), ["seed=3"])
        XCTAssertEqual(fixed[0].setting, "base")
        XCTAssertEqual(fixed[0].settings.defense.responses.map(\.name), ["label-only"])
    }

    func testNamesAreFilesystemSafeUniqueAndShortened() throws {
        // Quoted and plain spellings of one defense sanitise alike: both names get a distinguishing hash.
        let same = try SweepDefinition.make(file: nil, arguments: ["defense.responses=[rounding:decimals=2]|[\"rounding:decimals=2\"]"]).points()
        XCTAssertEqual(same.count, 2)
        XCTAssertNotEqual(same[0].name, same[1].name)
        XCTAssertTrue(same.allSatisfy { $0.name.hasPrefix("defense.responses=rounding_decimals=2-") }, "\(same.map(\.name))")
        // A long pipeline is cut to 100 characters plus a hash.
        let long = "[" + (1...8).map { "gaussian-noise:sigma=0.0\($0)" }.joined(separator: ",") + "]"
        let points = try SweepDefinition.make(file: nil, arguments: ["defense.responses=\(long)|[]"]).points()
        XCTAssertEqual(points[0].setting.count, 100 + 1 + 10)
        for p in points {
            XCTAssertTrue(p.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._=+-".contains($0)) }, p.name)
            XCTAssertFalse(p.name.hasPrefix("_") || p.name.hasPrefix("."))
        }
    }
}
