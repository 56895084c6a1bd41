import Foundation
import DistillCore

/// Why a report could not be written.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// The target exists and overwriting was not asked for.
    case outputExists(String)
    /// The file system refused (path, reason).
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .outputExists(let path):
            return "\(path) already exists; pass overwrite: true (--overwrite) to replace it, or choose another path"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

/// The formats a report is written in.
public enum ReportFormat: String, CaseIterable, Sendable {
    case html, markdown, csv, json

    /// The usual file extension.
    public var fileExtension: String {
        switch self {
        case .html: return "html"
        case .markdown: return "md"
        case .csv: return "csv"
        case .json: return "json"
        }
    }
}

extension Report {

    /// The report rendered in `format`.
    public func rendered(_ format: ReportFormat) throws -> Data {
        switch format {
        case .html: return Data(html().utf8)
        case .markdown: return Data(("# " + title + "\n\n" + markdownTable()).utf8)
        case .csv: return Data(csvTable().utf8)
        case .json: return try encodeJSON()
        }
    }

    /// Writes the report in `format` to `url`, atomically.
    ///
    /// - Throws: `ReportError.outputExists` if `url` exists and `overwrite` is
    ///   false; `ReportError.cannotWrite` if the folder is missing or not writable.
    public func write(_ format: ReportFormat, to url: URL, overwrite: Bool = false) throws {
        try ReportFile.write(try rendered(format), to: url, overwrite: overwrite)
    }

    /// Writes report.html, report.md, report.csv and report.json into
    /// `directory` (created if missing), plus one standalone .svg per plot.
    /// Nothing is written if any target exists and `overwrite` is false; with
    /// `overwrite`, the .svg of every `ReportPlot` this report does not draw is
    /// removed, so an earlier report's plots are not mistaken for this one's.
    ///
    /// - Returns: the files written.
    @discardableResult
    public func writeAll(to directory: URL, overwrite: Bool = false) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotWrite(directory.path, error.localizedDescription)
        }
        var outputs: [(URL, Data)] = try ReportFormat.allCases.map {
            (directory.appendingPathComponent("report." + $0.fileExtension), try rendered($0))
        }
        outputs += chosenPlots.map {
            (directory.appendingPathComponent($0.rawValue + ".svg"), Data(svg($0, standalone: true).utf8))
        }
        if !overwrite, let taken = outputs.first(where: { FileManager.default.fileExists(atPath: $0.0.path) }) {
            throw ReportError.outputExists(taken.0.path)
        }
        for (url, data) in outputs { try ReportFile.write(data, to: url, overwrite: overwrite) }
        if overwrite {
            let drawn = Set(chosenPlots)
            for plot in ReportPlot.allCases where !drawn.contains(plot) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(plot.rawValue + ".svg"))
            }
        }
        return outputs.map(\.0)
    }
}

/// Atomic file writes: the data goes to a hidden temporary file in the same
/// folder, is flushed, then moved into place in one step, so a reader (or a
/// crash) never sees half a report.
public enum ReportFile {

    /// Writes `data` to `url` atomically.
    ///
    /// Without `overwrite` the final step is link(2), which fails if the target
    /// exists — so even a file that appears concurrently is never replaced.
    /// With `overwrite` it is rename(2), which replaces the target atomically.
    ///
    /// - Throws: `ReportError.outputExists` or `ReportError.cannotWrite`.
    public static func write(_ data: Data, to url: URL, overwrite: Bool) throws {
        do {
            try AtomicFile.write(data, to: url, overwrite: overwrite)
        } catch let failure as AtomicFile.Failure {
            switch failure {
            case let .exists(path): throw ReportError.outputExists(path)
            case let .io(path, _, detail): throw ReportError.cannotWrite(path, detail)
            }
        }
    }
}
