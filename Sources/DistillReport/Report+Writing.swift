import Foundation

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
    /// Nothing is written if any target exists and `overwrite` is false.
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
        outputs += ReportPlot.allCases.map {
            (directory.appendingPathComponent($0.rawValue + ".svg"), Data(svg($0, standalone: true).utf8))
        }
        if !overwrite, let taken = outputs.first(where: { FileManager.default.fileExists(atPath: $0.0.path) }) {
            throw ReportError.outputExists(taken.0.path)
        }
        for (url, data) in outputs { try ReportFile.write(data, to: url, overwrite: overwrite) }
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
        let path = url.path
        if !overwrite && FileManager.default.fileExists(atPath: path) { throw ReportError.outputExists(path) }
        let folder = url.deletingLastPathComponent()
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw ReportError.cannotWrite(path, String(cString: strerror(errno))) }
        defer { unlink(temp.path) }  // after a successful link or rename this removes only the temp name
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno)); break
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure { throw ReportError.cannotWrite(path, failure) }
        if overwrite {
            guard rename(temp.path, path) == 0 else { throw ReportError.cannotWrite(path, String(cString: strerror(errno))) }
        } else {
            guard link(temp.path, path) == 0 else {
                if errno == EEXIST { throw ReportError.outputExists(path) }
                throw ReportError.cannotWrite(path, String(cString: strerror(errno)))
            }
        }
    }
}
