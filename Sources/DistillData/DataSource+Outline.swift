import Foundation

extension DataSource {
    /// What a recipe needs to know before the data is loaded.
    public struct Outline: Sendable, Equatable {
        /// Examples that get split (all of them, or the training part when there is an official test set).
        public var splitExamples: Int
        public var hasOfficialTest: Bool
    }

    /// Whether the source brings its own test set (Fashion-MNIST's, an IDX folder's t10k-
    /// pair), so that data.testFraction is ignored; no data is read.
    public var hasOfficialTest: Bool {
        switch self {
        case .digits, .csv: return false
        case .fashionMNIST: return true
        case let .idxDirectory(path): return Self.findIDX(in: path, prefix: "t10k", kind: "labels", rank: 1) != nil
        }
    }

    nonisolated(unsafe) private static var outlines: [String: Outline] = [:]
    private static let outlineLock = NSLock()

    /// A cheap look at the source: an IDX folder's label file, a CSV file's
    /// non-blank lines (less the header). Nil when the source cannot be read:
    /// loading it says why. Remembered per path (a sweep asks once per point).
    public func outline() -> Outline? {
        switch self {
        case .digits: return Outline(splitExamples: 1_797, hasOfficialTest: false)
        case .fashionMNIST: return Outline(splitExamples: 60_000, hasOfficialTest: true)
        case let .idxDirectory(path):
            return Self.remembered(path) {
                guard let labels = Self.findIDX(in: path, prefix: "train", kind: "labels", rank: 1),
                      let count = try? IDX.readLabels(labels).count else { return nil }
                return Outline(splitExamples: count, hasOfficialTest: hasOfficialTest)
            }
        case let .csv(path, _, _):
            return Self.remembered(path) {
                guard let bytes = try? DataFile.read(path) else { return nil }
                return Self.csvOutline(bytes)
            }
        }
    }

    /// A CSV file's data lines by the loader's rule (a line counts unless it is blank: spaces,
    /// tabs, \r only, no comma), less the header; nil for fewer than one data line, or when the
    /// first line holds a NUL byte: binary data the loader refuses, not worth counting through
    /// (a 48 KB gzip of 50 MB of zeros took seconds per sweep point).
    static func csvOutline(_ bytes: [UInt8]) -> Outline? {
        bytes.withUnsafeBufferPointer { buf -> Outline? in
            let firstLine = DataFile.index(of: 0x0A, in: buf, from: 0, to: buf.count)
            if DataFile.index(of: 0, in: buf, from: 0, to: firstLine) < firstLine { return nil }
            var lines = 0, content = false
            for b in buf {
                if b == 0x0A { if content { lines += 1 }; content = false }
                else if b != 0x20 && b != 0x09 && b != 0x0D { content = true }
            }
            if content { lines += 1 }
            return lines > 1 ? Outline(splitExamples: lines - 1, hasOfficialTest: false) : nil
        }
    }

    private static func remembered(_ key: String, _ make: () -> Outline?) -> Outline? {
        outlineLock.lock(); defer { outlineLock.unlock() }
        if let o = outlines[key] { return o }
        let o = make()
        if let o { outlines[key] = o }
        return o
    }
}
