import ArgumentParser
import Foundation
import DistillSweep
import DistillReport
import DistillLab

extension DistillLabCommand {
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a sweep folder's finished points (any shard), or plain train runs, into results tables and SQLite.",
            discussion: """
            Writes DIR/results.csv, DIR/results.md, DIR/results.json (one row per setting: mean ± std over \
            seeds) and DIR/results.sqlite (tables runs, epochs and settings), replacing earlier \
            collections, and prints the Markdown table. Missing and doubled points are reported on \
            standard error; --require-complete then exits with status 1.

            DIR may also be the --output folder of plain `distill-lab train` runs (no sweep.json): each \
            sub-folder with results.json and settings.json is a run, the settings that differ between the \
            runs (e.g. defense) become the table's setting columns, and runs differing only in their seed \
            share a row. Unfinished runs (no results.json) are listed, one line each, and skipped. A single \
            run folder is collected alone, into RUN/collection/ (its own results.json is never replaced).

            A folder whose results.json or settings.json is damaged (truncated, not a run's JSON) is \
            reported on standard error, one line with its path and reason, and skipped; the other points \
            are still collected and the exit status is 0. The exit status is 1 only when folders were \
            skipped and no point at all could be collected.
            """)

        @Argument(help: "The sweep folder (--output of `distill-lab sweep`), a folder of `train` runs (--output of `distill-lab train`) or one run folder.")
        var folder: String
        @Flag(help: "Exit with status 1 if a point is missing or doubled.")
        var requireComplete = false
        @Option(help: "The report's title (default: from the sweep file's name, or the run folder's).")
        var title: String?

        func run() throws {
            let url = URL(fileURLWithPath: folder)
            let (collection, report) = try collectSweep(url, title: title)
            print(report.markdownTable(), terminator: "")
            printError("wrote results.csv, results.md, results.json and results.sqlite in \((collection.resultsFolder ?? url).path)")
            if requireComplete && !collection.isComplete {
                if collection.kind != .sweep {
                    throw CommandError("\(collection.doubled.count) run(s) are doubled (the same settings and seed in several folders; listed above); move the copies away from \(folder)")
                }
                throw CommandError("the sweep is incomplete (\(collection.missing.count) missing, \(collection.doubled.count) doubled); rerun `distill-lab sweep` on \(folder) to finish it")
            }
        }
    }

    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a sweep's (or train runs') self-contained HTML report (and Markdown, CSV, JSON, SVG plots).",
            discussion: """
            Collects DIR as `distill-lab collect` does (refreshing DIR/results.*), then writes \
            report.html (no network: inline CSS and SVG), report.md, report.csv, report.json and one \
            .svg per plot into DIR/report/ (or --output), replacing an earlier report. DIR may be a sweep \
            folder, a folder of plain `distill-lab train` runs or one run folder, as for `collect`.
            Damaged folders are reported and skipped as by `collect` (exit status 1 only when nothing \
            could be collected).
            """)

        @Argument(help: "The sweep folder, a folder of `train` runs or one run folder.")
        var folder: String
        @Option(help: "Where to write the report (default: DIR/report).")
        var output: String?
        @Option(help: "The report's title.")
        var title: String?

        func run() throws {
            let url = URL(fileURLWithPath: folder)
            let (_, report) = try collectSweep(url, title: title)
            let target = output.map { URL(fileURLWithPath: $0) } ?? url.appendingPathComponent("report")
            // One sentence for a file in the way or a read-only place (was Foundation's "NSCocoaErrorDomain error 512").
            do { try RunDirectory.createFolder(target) } catch let e as ExperimentError { throw CommandError(e.description) }
            let files = try report.writeAll(to: target, overwrite: true)
            print(target.appendingPathComponent("report.html").path)
            printError("wrote \(files.count) files in \(target.path)")
        }
    }
}

/// Reads every finished point of the sweep (or every finished train run) in
/// `folder`, prints its status and refreshes the collection's results.*
/// (CSV, Markdown, JSON, SQLite): `folder/results.*`, or
/// `RUN/collection/results.*` for a single run folder.
func collectSweep(_ folder: URL, title: String?) throws -> (SweepCollection, Report) {
    let collection: SweepCollection
    do { collection = try SweepCollection.read(folder) } catch let e as SweepError { throw CommandError(e.description) }
    printError(collection.statusText)
    // Skipped folders are only a failure when they leave nothing to collect.
    if collection.runs.isEmpty && !(collection.damaged.isEmpty && collection.unfinished.isEmpty) {
        let skipped = collection.damaged.count + collection.unfinished.count
        let what = collection.unfinished.isEmpty ? "damaged" : collection.damaged.isEmpty ? "unfinished" : "damaged or unfinished"
        let fix = collection.kind == .sweep ? "move them away and rerun the sweep" : "let the runs finish, or move them away and rerun them"
        throw CommandError("nothing to collect in \(folder.path): all \(skipped) run folder(s) are \(what) (listed above); \(fix)")
    }
    let report = collection.report(title: title)
    let target = collection.resultsFolder ?? folder
    do { try RunDirectory.createFolder(target) } catch let e as ExperimentError { throw CommandError(e.description) }
    try collection.writeResults(into: target, report: report)
    return (collection, report)
}
