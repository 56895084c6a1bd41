import ArgumentParser
import Foundation
import DistillSweep
import DistillReport

extension DistillLabCommand {
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a sweep folder's finished points (any shard) into results tables and SQLite.",
            discussion: """
            Writes DIR/results.csv, DIR/results.md, DIR/results.json (one row per setting: mean ± std over \
            seeds) and DIR/results.sqlite (tables runs, epochs and settings), replacing earlier \
            collections, and prints the Markdown table. Missing and doubled points are reported on \
            standard error; --require-complete then exits with status 1.

            A folder whose results.json or settings.json is damaged (truncated, not a run's JSON) is \
            reported on standard error, one line with its path and reason, and skipped; the other points \
            are still collected and the exit status is 0. The exit status is 1 only when folders were \
            skipped and no point at all could be collected.
            """)

        @Argument(help: "The sweep folder (--output of `distill-lab sweep`).")
        var folder: String
        @Flag(help: "Exit with status 1 if a point is missing or doubled.")
        var requireComplete = false
        @Option(help: "The report's title (default: from the sweep file's name).")
        var title: String?

        func run() throws {
            let url = URL(fileURLWithPath: folder)
            let (collection, report) = try collectSweep(url, title: title)
            print(report.markdownTable(), terminator: "")
            printError("wrote results.csv, results.md, results.json and results.sqlite in \(folder)")
            if requireComplete && !collection.isComplete {
                throw CommandError("the sweep is incomplete (\(collection.missing.count) missing, \(collection.doubled.count) doubled); rerun `distill-lab sweep` on \(folder) to finish it")
            }
        }
    }

    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a sweep's self-contained HTML report (and Markdown, CSV, JSON, SVG plots).",
            discussion: """
            Collects DIR as `distill-lab collect` does (refreshing DIR/results.*), then writes \
            report.html (no network: inline CSS and SVG), report.md, report.csv, report.json and one \
            .svg per plot into DIR/report/ (or --output), replacing an earlier report.
            Damaged folders are reported and skipped as by `collect` (exit status 1 only when nothing \
            could be collected).
            """)

        @Argument(help: "The sweep folder.")
        var folder: String
        @Option(help: "Where to write the report (default: DIR/report).")
        var output: String?
        @Option(help: "The report's title.")
        var title: String?

        func run() throws {
            let url = URL(fileURLWithPath: folder)
            let (_, report) = try collectSweep(url, title: title)
            let target = output.map { URL(fileURLWithPath: $0) } ?? url.appendingPathComponent("report")
            let files = try report.writeAll(to: target, overwrite: true)
            print(target.appendingPathComponent("report.html").path)
            printError("wrote \(files.count) files in \(target.path)")
        }
    }
}

/// Reads every finished point of the sweep in `folder`, prints its status and
/// refreshes `folder/results.*` (CSV, Markdown, JSON, SQLite).
func collectSweep(_ folder: URL, title: String?) throws -> (SweepCollection, Report) {
    let collection: SweepCollection
    do { collection = try SweepCollection.read(folder) } catch let e as SweepError { throw CommandError(e.description) }
    printError(collection.statusText)
    // Skipped folders are only a failure when they leave nothing to collect.
    if collection.runs.isEmpty && !collection.damaged.isEmpty {
        throw CommandError("nothing to collect in \(folder.path): all \(collection.damaged.count) folder(s) with results are damaged (listed above); move them away and rerun the sweep")
    }
    let report = collection.report(title: title)
    try collection.writeResults(into: folder, report: report)
    return (collection, report)
}
