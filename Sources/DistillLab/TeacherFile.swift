import Foundation

/// The teacher a run loaded from a file instead of training it (`teacher.file`,
/// `--teacher`), as settings.json records it (`teacherFile`): which bytes were
/// served, so a rerun can check it serves the same model.
public struct TeacherFile: Codable, Sendable, Equatable {
    /// The path as the settings give it.
    public var path: String
    /// The same path made absolute (a relative path is read from the current directory).
    public var absolutePath: String
    /// Hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The file's size in bytes.
    public var bytes: Int
    /// The widths read from the file, input first, e.g. "64-7-10".
    public var architecture: String
    /// Its hidden widths (the architecture without its input and output), e.g. `[7]`.
    public var hidden: [Int]

    public init(path: String, absolutePath: String, sha256: String, bytes: Int, architecture: String, hidden: [Int]) {
        self.path = path; self.absolutePath = absolutePath; self.sha256 = sha256; self.bytes = bytes
        self.architecture = architecture; self.hidden = hidden
    }
}
