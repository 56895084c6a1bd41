import XCTest
import DistillLab
import DistillSweep
import DistillCore

/// Running sweeps in-process: shared teachers and baselines, resume, locks.
final class SweepRunnerTests: SweepTestCase {

    /// An output that cannot be created is one sentence, not Foundation's NSCocoaErrorDomain dump.
    func testUncreatableOutputIsOneSentenceNotAnNSErrorDump() throws {
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        var folders = [file.appendingPathComponent("sweep")]
        if getuid() != 0 {
            // Root ignores folder permissions; others also get the read-only case.
            let locked = root.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
            addTeardownBlock { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
            folders.append(locked.appendingPathComponent("sweep"))
        }
        for folder in folders {
            XCTAssertThrowsError(try SweepRunner(definition: definition(), folder: folder)) { e in
                let text = "\(e)"
                XCTAssertTrue(e is SweepError, text)
                XCTAssertTrue(text.hasPrefix("cannot create the output folder \(folder.path): "), text)
                XCTAssertFalse(text.contains("NSCocoaErrorDomain") || text.contains("NSUnderlyingError"), text)
            }
        }
    }

    /// Every point of a sweep over a 48 KB gzip of 50 MB of NUL bytes fails at once with the
    /// loader's short reason (each point took 47-100 s and printed megabytes).
    func testABinaryDataSourceFailsEveryPointFastAndShort() throws {
        let gz = root.appendingPathComponent("zeros.csv.gz")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "head -c 50000000 /dev/zero | gzip -c > '\(gz.path)'"]
        try gzip.run(); gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw XCTSkip("no gzip to make the test file") }
        let start = Date()
        let runner = try SweepRunner(definition: try definition(SweepTestCase.tinyBase, arguments: ["data.source=\(gz.path)", "seeds=0,1"]),
                                     folder: root.appendingPathComponent("out"))
        let summary = try runner.run()
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "two points, debug build")
        XCTAssertEqual(summary.failed, ["seed=0", "seed=1"])
        for (name, reason) in summary.failureReasons {
            XCTAssertTrue(reason.hasPrefix("\(gz.path): binary data, not CSV"), "\(name): \(reason.prefix(300))")
            XCTAssertLessThan(reason.utf8.count, 1_000, name)
        }
    }

    func testTwoDefensesTimesTwoSeedsTrainTwoTeachersAndTwoBaselinesWithIndependentResults() throws {
        let out = root.appendingPathComponent("out")
        let runner = try SweepRunner(definition: try definition(), folder: out)
        let summary = try runner.run()
        XCTAssertEqual(summary.ran.count, 4)
        XCTAssertEqual(runner.cache.teacherStores, 2, "one teacher per seed")
        XCTAssertEqual(runner.cache.teacherHits, 2, "the second defense reuses it")
        XCTAssertEqual(runner.cache.baselineStores, 2, "one undefended baseline per seed")
        XCTAssertEqual(runner.cache.baselineHits, 2)

        for point in runner.manifest.points {
            let swept = try JSONDecoder().decode(ExperimentResult.self, from: Data(contentsOf: runner.runFolder(point).appendingPathComponent("results.json")))
            let alone = try Experiment(settings: point.settings).run()
            XCTAssertEqual(swept.teacher.testAccuracy, alone.teacher.testAccuracy, point.name)
            XCTAssertEqual(swept.students.map(\.testAccuracy), alone.students.map(\.testAccuracy), point.name)
            XCTAssertEqual(swept.students.map(\.fidelity), alone.students.map(\.fidelity), point.name)
            XCTAssertEqual(swept.undefendedBaseline?.map(\.testAccuracy), alone.undefendedBaseline?.map(\.testAccuracy), point.name)
            XCTAssertEqual(swept.defensiveImpact, alone.defensiveImpact, point.name)
            XCTAssertEqual(swept.defense?.benignUtility, alone.defense?.benignUtility, point.name)
            XCTAssertNotNil(swept.undefendedBaseline)
        }
        // A reused stage still writes its epochs: every run logs teacher, students and baseline students.
        for point in runner.manifest.points {
            let lines = try String(contentsOf: runner.runFolder(point).appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 2 + 3 * 2 + 3 * 2, point.name)
        }
    }

    func testInterruptedPointWithStaleLockIsMovedAsideAndRerunClean() throws {
        let out = root.appendingPathComponent("out")
        let d = try definition(SweepTestCase.tinyBase + "seeds: [0, 1]\n")
        let runner = try SweepRunner(definition: d, folder: out)
        let victim = runner.manifest.points[0]
        // What a kill leaves: a folder without results.json, with partial files, and a lock of a dead process.
        let partial = runner.runFolder(victim)
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try "{\"model\":\"teacher\",\"partial\":true}\n".write(to: partial.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        let stale = LockOwner(pid: try deadPID(), host: LockOwner.current().host, started: "2025-01-01T00:00:00Z")
        let lock = runner.locks.lockFile(victim.name)
        try JSONEncoder().encode(stale).write(to: lock)

        var events: [String] = []
        let summary = try runner.run { e in
            switch e {
            case .removedStaleLock(let p, let owner): events.append("stale \(p.name) \(owner.pid)")
            case .movedAside(let p, _): events.append("moved \(p.name)")
            default: break
            }
        }
        XCTAssertEqual(summary.ran, runner.manifest.points.map(\.name))
        XCTAssertEqual(summary.movedAside, [victim.name])
        XCTAssertEqual(events, ["stale \(victim.name) \(stale.pid)", "moved \(victim.name)"])
        // The rerun folder holds exactly one attempt's files; the partial one is kept beside it.
        let expected: Set<String> = ["config.yaml", "settings.json", "metrics.jsonl", "results.json", "teacher.safetensors",
                                     "student-soft.safetensors", "student-label.safetensors", "student-reference.safetensors"]
        XCTAssertEqual(try files(in: partial), expected)
        let metrics = try String(contentsOf: partial.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertFalse(metrics.contains("partial"))
        XCTAssertEqual(metrics.split(separator: "\n").count, 2 + 3 * 2)
        let aside = try files(in: out).filter { $0.hasPrefix(victim.name + ".incomplete-") }
        XCTAssertEqual(aside.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock.path), "the lock is released")
        let collection = try SweepCollection.read(out)
        XCTAssertTrue(collection.isComplete, collection.statusText)
        XCTAssertEqual(collection.runs.map(\.folder), runner.manifest.points.map(\.name))
    }

    /// One folder never mixes BLAS kernels or thread counts (results depend on
    /// both); a manifest from before the kernel was recorded still resumes.
    func testAFolderRefusesAnotherBLASKernelOrThreadCount() throws {
        let out = root.appendingPathComponent("out")
        let text = SweepTestCase.tinyBase + "seeds: [0]\n"
        let first = try SweepRunner(definition: try definition(text), folder: out)
        XCTAssertEqual(first.manifest.blasCore, BLAS.coreName)
        XCTAssertNoThrow(try SweepRunner(definition: try definition(text), folder: out))
        XCTAssertThrowsError(try SweepRunner(definition: try definition(text, arguments: ["threads=2"]), folder: out)) {
            XCTAssertTrue("\($0)".contains("1 BLAS thread") && "\($0)".contains("--threads 1"), "\($0)")
        }
        let url = out.appendingPathComponent(SweepManifest.fileName)
        var manifest = try SweepManifest.read(from: out)
        manifest.blasCore = BLAS.coreName == "Sandybridge" ? "Zen" : "Sandybridge"
        try JSONCoding.pretty(manifest).write(to: url)
        XCTAssertThrowsError(try SweepRunner(definition: try definition(text), folder: out)) {
            XCTAssertTrue("\($0)".contains("\(manifest.blasCore!) kernels") && "\($0)".contains("DISTILL_LAB_BLAS=pinned"), "\($0)")
        }
        manifest.blasCore = nil
        try JSONCoding.pretty(manifest).write(to: url)
        XCTAssertNoThrow(try SweepRunner(definition: try definition(text), folder: out))
    }

    /// A sweep grows: more values and seeds run only the new points; the
    /// finished one is not rerun (its results byte for byte), its teacher
    /// comes from the cache; the older definition is then a part of the
    /// folder's sweep; changing a finished point's settings is refused.
    func testASweepGrowsWithMoreSeedsAndValuesWithoutRerunningFinishedPoints() throws {
        let out = root.appendingPathComponent("out")
        let small = SweepTestCase.tinyBase + "sweep:\n  defense.responses: [[rounding:decimals=1]]\nseeds: [0]\n"
        let first = try SweepRunner(definition: try definition(small), folder: out)
        XCTAssertEqual(first.installation, .created)
        XCTAssertEqual(try first.run().ran.count, 1)
        let finished = first.manifest.points[0]
        let resultsFile = first.runFolder(finished).appendingPathComponent(RunFiles.results)
        let before = try Data(contentsOf: resultsFile)

        let grown = try SweepRunner(definition: try definition(SweepTestCase.twoByTwo), folder: out)
        XCTAssertEqual(grown.installation, .grown(added: 3))
        XCTAssertTrue(grown.manifest.points.contains { $0.name == finished.name }, "the finished point keeps its name")
        let summary = try grown.run()
        XCTAssertEqual(summary.alreadyFinished, [finished.name])
        XCTAssertEqual(summary.ran.count, 3)
        XCTAssertEqual(try Data(contentsOf: resultsFile), before, "a finished point is not rerun")
        XCTAssertEqual(grown.cache.teacherHits, 2, "seed 0's teacher comes from the first sweep's cache")
        let manifest = try SweepManifest.read(from: out)
        XCTAssertEqual(manifest.points.count, 4)
        XCTAssertEqual(manifest.growths?.map { [$0.pointsBefore, $0.pointsAfter] }, [[1, 4]])
        XCTAssertTrue(try SweepCollection.read(out).isComplete)

        // The first definition is now a part of the folder's sweep: nothing to run, the manifest stays.
        let part = try SweepRunner(definition: try definition(small), folder: out)
        XCTAssertEqual(part.installation, .part(of: 4))
        XCTAssertEqual(try part.run().alreadyFinished, [finished.name])
        XCTAssertEqual(try SweepManifest.read(from: out).points.count, 4)
        XCTAssertEqual(try SweepRunner(definition: try definition(SweepTestCase.twoByTwo), folder: out).installation, .same)

        // Other settings for finished points is another sweep, not a growth.
        let changed = SweepTestCase.twoByTwo.replacingOccurrences(of: "controls: 4", with: "controls: 5")
        XCTAssertThrowsError(try SweepRunner(definition: try definition(changed), folder: out)) {
            XCTAssertTrue("\($0)".contains("holds a different sweep") && "\($0)".contains("evaluation.controls is 5 here but 4 there"), "\($0)")
        }
        XCTAssertEqual(try SweepManifest.read(from: out).points.count, 4, "a refused sweep writes nothing")
    }

    func testALiveLockIsRespectedAndAnotherSweepIsRefused() throws {
        let out = root.appendingPathComponent("out")
        let runner = try SweepRunner(definition: try definition(SweepTestCase.tinyBase + "seeds: [0, 1]\n"), folder: out)
        let held = runner.manifest.points[1]
        // This process is alive: its lock marks a point another sweep is running.
        try JSONEncoder().encode(LockOwner(pid: getpid(), host: LockOwner.current().host, started: "now"))
            .write(to: runner.locks.lockFile(held.name))
        let summary = try runner.run()
        XCTAssertEqual(summary.ran, [runner.manifest.points[0].name])
        XCTAssertEqual(summary.busy, [held.name])
        XCTAssertFalse(FileManager.default.fileExists(atPath: runner.runFolder(held).path), "a busy point is not touched")
        let collection = try SweepCollection.read(out)
        XCTAssertEqual(collection.missing, [held.name])
        XCTAssertFalse(collection.isComplete)

        // A different sweep on the same folder is refused, naming the fix.
        XCTAssertThrowsError(try SweepRunner(definition: try definition(SweepTestCase.tinyBase + "seeds: [0, 2]\n"), folder: out)) { error in
            XCTAssertTrue("\(error)".contains("holds a different sweep") && "\(error)".contains("use another --output folder"), "\(error)")
        }
    }

    func testShardsRunDisjointSlicesAndCollectMergesThem() throws {
        let out = root.appendingPathComponent("out")
        let d = try definition()
        var ranPerShard: [[String]] = []
        for k in 0..<3 {
            let runner = try SweepRunner(definition: d, folder: out, shard: try Shard(index: k, count: 3))
            ranPerShard.append(try runner.run().ran)
            if k == 0 {
                let partial = try SweepCollection.read(out)
                XCTAssertEqual(partial.runs.count, 2)
                XCTAssertEqual(partial.missing.count, 2)
            }
        }
        let all = try d.points().map(\.name)
        XCTAssertEqual(ranPerShard.flatMap { $0 }.sorted(), all.sorted(), "the shards' union is the sweep")
        XCTAssertEqual(Set(ranPerShard.flatMap { $0 }).count, all.count, "no point ran twice")
        XCTAssertEqual(ranPerShard.map(\.count), [2, 1, 1])

        let collection = try SweepCollection.read(out)
        XCTAssertTrue(collection.isComplete, collection.statusText)
        let rows = collection.reportRows()
        XCTAssertEqual(rows.map(\.setting), ["rounding:decimals=1", "reverse-sigmoid:beta=0.7"])
        XCTAssertEqual(rows.map(\.seeds), [2, 2])
        XCTAssertEqual(rows.map(\.defense), ["rounding", "reverse-sigmoid"])
        // mean and sample std over the two seeds, from the runs' own numbers.
        let soft = collection.runs.filter { $0.point.setting == collection.runs[0].point.setting }
            .map { $0.result.student("student-soft")!.testAccuracy }
        let summary = rows[0].metrics["soft_student_accuracy"]!
        XCTAssertEqual(summary.mean, (soft[0] + soft[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(summary.std, abs(soft[0] - soft[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(summary.n, 2)

        // A copy of a finished run is a doubled point.
        let first = collection.runs[0].folder
        try FileManager.default.copyItem(at: out.appendingPathComponent(first), to: out.appendingPathComponent("copy-of-first"))
        let doubled = try SweepCollection.read(out)
        XCTAssertEqual(doubled.doubled, [first: ["copy-of-first", first]])
        XCTAssertFalse(doubled.isComplete)
        XCTAssertEqual(doubled.runs.count, 4, "the point's own folder is the one collected")
    }
}
