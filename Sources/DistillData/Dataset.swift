import DistillCore

/// Height and width of an image whose pixels are stored row-major in a feature row.
public struct ImageShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let height: Int
    public let width: Int
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
    /// `height * width`, the number of features an image of this shape has.
    public var pixelCount: Int { height * width }
    public var description: String { "\(height)×\(width)" }
}

/// A labelled classification dataset: an N×D Float32 feature matrix and N labels.
///
/// Invariants (checked by `init`): `labels.count == features.rows`, every
/// label is in `0..<classNames.count`, and `imageShape`, when set, has
/// `height * width == features.cols`.
///
/// `features` is a `Matrix`, a reference type: copies of a `Dataset` share it.
/// `subset(_:)` makes a fresh matrix.
public struct Dataset {
    /// Human-readable name, e.g. "digits" or "fashion-mnist/train".
    public let name: String
    /// One row per example.
    public let features: Matrix
    /// Class index of each row, in `0..<classCount`.
    public let labels: [Int32]
    /// Name of each class, indexed by label.
    public let classNames: [String]
    /// Image layout of a feature row, when the features are pixels.
    public let imageShape: ImageShape?

    /// Number of examples (rows).
    public var count: Int { features.rows }
    /// Number of features (columns).
    public var featureCount: Int { features.cols }
    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// A dataset after checking the invariants.
    /// - Throws: `DatasetError.invalidDataset` when a label is out of range,
    ///   the counts disagree, there are no classes, or the image shape does not
    ///   match the feature count.
    /// - Complexity: O(N) for the label check.
    public init(name: String, features: Matrix, labels: [Int32], classNames: [String],
                imageShape: ImageShape? = nil) throws {
        guard !classNames.isEmpty else {
            throw DatasetError.invalidDataset(name: name, reason: "it has no classes")
        }
        guard labels.count == features.rows else {
            throw DatasetError.invalidDataset(
                name: name, reason: "\(features.rows) feature rows but \(labels.count) labels")
        }
        if let shape = imageShape, shape.height <= 0 || shape.width <= 0 || shape.pixelCount != features.cols {
            throw DatasetError.invalidDataset(
                name: name, reason: "image shape \(shape) does not match \(features.cols) features")
        }
        let k = Int32(clamping: classNames.count)
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= k }) {
            throw DatasetError.invalidDataset(
                name: name, reason: "label \(labels[bad]) of row \(bad) is outside 0..<\(k)")
        }
        self.init(unchecked: name, features: features, labels: labels,
                  classNames: classNames, imageShape: imageShape)
    }

    /// For callers that have already established the invariants.
    init(unchecked name: String, features: Matrix, labels: [Int32], classNames: [String],
         imageShape: ImageShape?) {
        self.name = name
        self.features = features
        self.labels = labels
        self.classNames = classNames
        self.imageShape = imageShape
    }

    /// The rows at `indices`, in that order (repeats allowed), as a new
    /// dataset with its own feature matrix.
    /// - Precondition: every index is in `0..<count` (traps otherwise: an
    ///   out-of-range index is a programming error, not bad input).
    /// - Complexity: O(k · featureCount) for k indices.
    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        let n = count
        for i in indices { precondition(i >= 0 && i < n, "subset index \(i) out of range 0..<\(n) in \(self.name)") }
        let rows = features.gatherRows(indices)
        let subLabels = labels.withUnsafeBufferPointer { src in indices.map { src[$0] } }
        return Dataset(unchecked: name ?? self.name, features: rows, labels: subLabels,
                       classNames: classNames, imageShape: imageShape)
    }

    /// Number of examples of each class, indexed by label. O(N).
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// Row indices grouped by class, each group in ascending order. O(N).
    public func indicesByClass() -> [[Int]] {
        var groups = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { groups[Int(l)].append(i) }
        return groups
    }
}

extension Dataset: CustomStringConvertible {
    public var description: String {
        let shape = imageShape.map { ", images \($0)" } ?? ""
        return "\(name): \(count) examples × \(featureCount) features, \(classCount) classes\(shape)"
    }
}
