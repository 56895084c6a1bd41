import Foundation

/// Whole-file writes that readers, crashes and concurrent writers never see
/// half done: the bytes go to a hidden temporary file in the destination's
/// folder, are flushed to disk, and the file is moved into place in one step —
/// rename(2) when replacing is wanted, link(2) when it is not (link fails if the
/// destination exists, so even a file that appears meanwhile is never replaced).
public enum AtomicFile {
    /// Why a write failed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The destination exists and overwriting was not asked for.
        case exists(path: String)
        /// The file system refused; `operation` says what was being done.
        case io(path: String, operation: String, detail: String)

        public var description: String {
            switch self {
            case let .exists(path): return "\(path) already exists and is not replaced; choose another path"
            case let .io(path, operation, detail): return "cannot write \(path) (\(operation)): \(detail)"
            }
        }
    }

    /// A hidden name beside `url`, unique to this process and call.
    public static func temporaryURL(beside url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial")
    }

    /// Writes `data` to `url` atomically.
    /// - Parameter overwrite: replace an existing file; when false an existing
    ///   destination is never touched.
    /// - Throws: `Failure.exists`, or `Failure.io` naming the step (a missing
    ///   folder or a directory in the way is said so).
    public static func write(_ data: Data, to url: URL, overwrite: Bool) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw Failure.io(path: path, operation: "writing", detail: "the path is a directory; give a file path") }
            if !overwrite { throw Failure.exists(path: path) }
        }
        let temporary = temporaryURL(beside: url)
        try writeFully(data, to: temporary.path, destination: path)
        try install(temporary, at: url, overwrite: overwrite)
    }

    /// Moves a finished temporary file into place (rename or no-clobber link)
    /// and removes the temporary name, whatever happens.
    /// - Throws: `Failure.exists` or `Failure.io`.
    public static func install(_ temporary: URL, at url: URL, overwrite: Bool) throws {
        let path = url.path
        defer { _ = unlink(temporary.path) }  // after link or rename this only drops the temporary name
        if overwrite {
            guard rename(temporary.path, path) == 0 else {
                throw Failure.io(path: path, operation: "renaming the temporary file into place", detail: describe(errno))
            }
            return
        }
        if link(temporary.path, path) == 0 { return }
        let code = errno
        if code == EEXIST { throw Failure.exists(path: path) }
        // A file system without hard links: fall back to check-then-rename.
        guard [EPERM, ENOTSUP, EOPNOTSUPP, EXDEV, EMLINK].contains(code) else {
            throw Failure.io(path: path, operation: "moving the temporary file into place", detail: describe(code))
        }
        if FileManager.default.fileExists(atPath: path) { throw Failure.exists(path: path) }
        guard rename(temporary.path, path) == 0 else {
            throw Failure.io(path: path, operation: "renaming the temporary file into place", detail: describe(errno))
        }
    }

    /// Creates `path` exclusively, writes all of `data` and fsyncs; removes it on failure.
    static func writeFully(_ data: Data, to path: String, destination: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            let folder = (destination as NSString).deletingLastPathComponent
            let hint = code == ENOENT ? " (the folder \(folder.isEmpty ? "." : folder) does not exist; create it first)"
                : code == EACCES ? " (no permission to write in \(folder.isEmpty ? "." : folder))" : ""
            throw Failure.io(path: destination, operation: "creating a temporary file", detail: describe(code) + hint)
        }
        var failure: Failure?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: destination, operation: "writing", detail: describe(errno))
                    return
                }
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .io(path: destination, operation: "flushing to disk", detail: describe(errno)) }
        if close(fd) != 0, failure == nil { failure = .io(path: destination, operation: "closing", detail: describe(errno)) }
        if let failure {
            _ = unlink(path)
            throw failure
        }
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
