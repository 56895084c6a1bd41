import Foundation

/// Finds the repository's shipped `Data/` folder (the one holding `digits.csv.gz`).
public enum DataDirectory {
    /// The file whose presence identifies the folder.
    public static let markerFile = "digits.csv.gz"
    /// Environment variable naming the Data folder explicitly.
    public static let environmentVariable = "DISTILL_LAB_DATA"

    /// The Data folder, searched in this order:
    /// 1. `$DISTILL_LAB_DATA` — when set, it must hold `digits.csv.gz`, and no
    ///    other place is tried (a wrong explicit setting should not be masked);
    /// 2. `./Data` in the current directory;
    /// 3. `Data/` in each ancestor of the running executable (`/proc/self/exe`,
    ///    so `.build/release/distill-lab` finds `<repo>/Data`);
    /// 4. `Data/` in each ancestor of this source file (`#filePath`, a
    ///    compile-time fallback that works in a development checkout).
    /// - Throws: `dataDirectoryNotFound` listing every place searched.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath,
                              executablePath: String? = DataDirectory.executablePath(),
                              sourceFile: String = DataDirectory.compiledSourcePath) throws -> String {
        if let explicit = environment[environmentVariable], !explicit.isEmpty {
            if hasMarker(explicit) { return explicit }
            throw DatasetError.dataDirectoryNotFound(searched: ["\(environmentVariable)=\(explicit) (no \(markerFile) there; fix or unset it)"])
        }
        var searched: [String] = []
        var candidates = [(currentDirectory as NSString).appendingPathComponent("Data")]
        if let exe = executablePath { candidates += ancestors(of: exe).map { ($0 as NSString).appendingPathComponent("Data") } }
        candidates += ancestors(of: sourceFile).map { ($0 as NSString).appendingPathComponent("Data") }
        for dir in candidates where !searched.contains(dir) {
            if hasMarker(dir) { return dir }
            searched.append(dir)
        }
        throw DatasetError.dataDirectoryNotFound(searched: ["$\(environmentVariable) (unset)"] + searched)
    }

    /// This file's path when the module was compiled. (A `#filePath` default
    /// argument would expand at the caller instead.)
    public static let compiledSourcePath: String = #filePath

    /// The running executable's resolved path (Linux `/proc/self/exe`), or nil.
    public static func executablePath() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    static func hasMarker(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(markerFile))
    }

    /// The folders containing `path`, innermost first, up to `/`.
    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var dir = (path as NSString).deletingLastPathComponent
        while !dir.isEmpty {
            result.append(dir)
            if dir == "/" { break }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir { break }
            dir = parent
        }
        return result
    }
}
