import Foundation
import DistillLab

/// Reads an experiment or sweep file as text, so a binary or mis-encoded file is named
/// as such (Foundation only says "The file isn't in the correct format").
public enum YAMLFileText {
    /// Why a file could not be read as text.
    public enum Failure: Error, Equatable, Sendable {
        /// The file system refused (`reason` is one short phrase, e.g. "No such file or directory").
        case unreadable(reason: String)
        /// A NUL byte: a binary file, not text.
        case binary(offset: Int)
        /// A byte sequence that is not UTF-8.
        case notUTF8(byte: UInt8, offset: Int)

        /// What is wrong, for a file described as `what` ("experiment file", "sweep file").
        public func problem(_ what: String) -> String {
            switch self {
            case let .unreadable(reason): return "cannot read the \(what) (\(reason))"
            case let .binary(offset): return "the \(what) is binary, not text (a NUL byte at byte offset \(offset))"
            case let .notUTF8(byte, offset):
                return "the \(what) is not UTF-8 text (invalid byte 0x\(String(byte, radix: 16, uppercase: true)) at byte offset \(offset))"
            }
        }

        /// How to fix it.
        public var fix: String {
            switch self {
            case .unreadable: return "check the path"
            case .binary, .notUTF8: return "a YAML file is UTF-8 text; check that this is the right file, or re-save it as UTF-8"
            }
        }
    }

    /// The file's UTF-8 text.
    /// - Throws: `Failure` when the file cannot be read, is binary (holds a NUL byte) or is not UTF-8.
    public static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure.unreadable(reason: ExperimentError.reason(error))
        }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case let .valid(scalar):
                // YAML allows no NUL; one means a binary file, not text with a typo.
                if scalar.count == 1 && scalar.first == 0 { throw Failure.binary(offset: offset) }
                offset += scalar.count
            case .error:
                throw Failure.notUTF8(byte: data[data.startIndex + offset], offset: offset)
            case .emptyInput:
                return String(decoding: data, as: UTF8.self)
            }
        }
    }
}
