import XCTest
import Foundation

/// Runs the built `distill-lab` binary (as swift-argument-parser's own
/// end-to-end tests do) and captures its output.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum DistillLabBinary {
    /// The folder holding the test bundle and the built products.
    static var productsDirectory: URL {
        Bundle.main.bundleURL
    }

    static var url: URL { productsDirectory.appendingPathComponent("distill-lab") }

    @discardableResult
    static func run(_ arguments: [String], environment extra: [String: String] = [:],
                    currentDirectory: URL? = nil) throws -> CommandResult {
        try runProgram(url.path, arguments, environment: extra, currentDirectory: currentDirectory)
    }

    /// Runs `program` (e.g. `unshare`, wrapping the binary) and captures its output.
    static func runProgram(_ program: String, _ arguments: [String], environment extra: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        process.environment = env
        if let cwd = currentDirectory { process.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
