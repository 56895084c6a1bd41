import Foundation
import DistillData

/// A natural-text corpus for perplexity and watermark work: the Globe
/// Shakespeare texts that `.ci/install-deps` extracts into `Data/shakespeare/`.
///
/// The files are read in name order. Each file is cut into chunks of
/// `chunkLength` bytes; a chunk's split is a hash of (file name, chunk index):
/// 1 in 20 is test, 1 in 20 validation, the rest train. So the split never
/// depends on the other files or on the seed.
public struct TextCorpus: Sendable {
    /// The corpus's files (names only) in reading order, with their bytes.
    public let files: [(name: String, bytes: [UInt8])]
    public let chunkLength: Int

    /// The pinned totals of the Shakespeare corpus as install-deps extracts it
    /// (measured: 42 `*_gut.txt` files, 5,057,198 bytes, 84 distinct bytes).
    public static let shakespeareFileCount = 42
    public static let shakespeareByteCount = 5_057_198
    public static let folderName = "shakespeare"

    public enum Split: String, Sendable, CaseIterable { case train, validation, test }

    /// The corpus is missing or not the pinned one.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public var byteCount: Int { files.reduce(0) { $0 + $1.bytes.count } }
    public var distinctBytes: Int { Set(files.flatMap(\.bytes)).count }

    /// Reads every `*_gut.txt` file of `directory`.
    /// - Throws: `TextCorpus.Error` when the folder or its files are missing,
    ///   or (with `verifyPins`) their count or size differs from the pins.
    public init(directory: String, chunkLength: Int = 1024, verifyPins: Bool = true) throws {
        let fix = "run `bash .ci/install-deps` to extract it"
        guard chunkLength > 0 else { throw Error(description: "chunkLength must be positive, got \(chunkLength)") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw Error(description: "the text corpus folder \(directory) is missing; \(fix)")
        }
        let texts = names.filter { $0.hasSuffix("_gut.txt") }.sorted()
        guard !texts.isEmpty else { throw Error(description: "no *_gut.txt texts in \(directory); \(fix)") }
        var files: [(String, [UInt8])] = []
        for name in texts {
            guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) else {
                throw Error(description: "cannot read \(name) in \(directory); \(fix)")
            }
            files.append((name, [UInt8](data)))
        }
        self.files = files
        self.chunkLength = chunkLength
        if verifyPins, files.count != Self.shakespeareFileCount || byteCount != Self.shakespeareByteCount {
            throw Error(description: "the corpus in \(directory) has \(files.count) texts and \(byteCount) bytes, expected "
                        + "\(Self.shakespeareFileCount) and \(Self.shakespeareByteCount); delete the folder and \(fix)")
        }
    }

    /// The Shakespeare corpus in the repository's Data folder (found as
    /// `DataDirectory.locate` finds it).
    /// - Throws: `TextCorpus.Error` saying to run `bash .ci/install-deps` when missing.
    public static func shakespeare(chunkLength: Int = 1024,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TextCorpus {
        let data: String
        do { data = try DataDirectory.locate(environment: environment) } catch {
            throw Error(description: "the text corpus is missing (no Data folder found: \(error)); run `bash .ci/install-deps`")
        }
        return try TextCorpus(directory: (data as NSString).appendingPathComponent(folderName), chunkLength: chunkLength)
    }

    /// The split of chunk `index` of file `name`.
    public static func split(file name: String, chunk index: Int) -> Split {
        switch stableHash("\(name)#\(index)") % 20 {
        case 0: return .test
        case 1: return .validation
        default: return .train
        }
    }

    /// The chunks of `split`, in file then position order (the last chunk of a
    /// file may be shorter than `chunkLength`).
    public func chunks(_ split: Split) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        for (name, bytes) in files {
            var start = 0, index = 0
            while start < bytes.count {
                let end = min(start + chunkLength, bytes.count)
                if Self.split(file: name, chunk: index) == split { out.append(bytes[start..<end]) }
                start = end; index += 1
            }
        }
        return out
    }
}
