import Foundation

extension ExperimentSettings {
    /// The setting's names in messages: the YAML key and the `train` flag.
    static let teacherFileKey = "teacher.file (--teacher)"

    /// Checks `teacher.file` before anything is loaded: a non-empty path to an
    /// existing file that is not a folder. Its contents are checked when the
    /// run reads it (`LoadedTeacher`), with the data at hand.
    /// - Throws: `ExperimentError.invalid` naming the path and the fix.
    func checkTeacherFile() throws {
        guard let path = teacher.file else { return }
        try Self.checkTeacherPath(path)
    }

    /// - Throws: `ExperimentError.invalid` when `path` is empty, missing or a folder.
    static func checkTeacherPath(_ path: String) throws {
        guard !path.isEmpty else {
            throw ExperimentError.invalid("\(teacherFileKey) is empty; give the path of a teacher's .safetensors file (e.g. runs/RUN/teacher.safetensors), or leave it out (null) to train the teacher")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            let relative = path.hasPrefix("/") ? "" : " (a relative path is read from the current directory, \(FileManager.default.currentDirectoryPath))"
            throw ExperimentError.invalid("\(teacherFileKey) \(ExperimentError.quote(path)): no such file\(relative); check the path, e.g. runs/RUN/teacher.safetensors of an earlier run")
        }
        guard !isFolder.boolValue else {
            throw ExperimentError.invalid("\(teacherFileKey) \(ExperimentError.quote(path)) is a folder, not a model file; give the .safetensors file inside it, e.g. \(ExperimentError.quote((path as NSString).appendingPathComponent("teacher.safetensors")))")
        }
    }
}
