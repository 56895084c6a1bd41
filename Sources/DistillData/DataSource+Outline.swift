import Foundation

extension DataSource {
    /// What a recipe needs to know before the data is loaded.
    public struct Outline: Sendable, Equatable {
        /// Examples that get split (all of them, or the training part when there is an official test set).
        public var splitExamples: Int
        public var hasOfficialTest: Bool
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
                return Outline(splitExamples: count,
                               hasOfficialTest: Self.findIDX(in: path, prefix: "t10k", kind: "labels", rank: 1) != nil)
            }
        case let .csv(path, _, _):
            return Self.remembered(path) {
                guard let bytes = try? DataFile.read(path) else { return nil }
                // The loader's rule: a line counts unless it is blank (spaces, tabs, \r only, no comma).
                var lines = 0, content = false
                for b in bytes {
                    if b == 0x0A { if content { lines += 1 }; content = false }
                    else if b != 0x20 && b != 0x09 && b != 0x0D { content = true }
                }
                if content { lines += 1 }
                return lines > 1 ? Outline(splitExamples: lines - 1, hasOfficialTest: false) : nil
            }
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
