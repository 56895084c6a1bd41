import Foundation

extension DataSource {
    /// Loads the source: the training data and, when the source has one, its
    /// official test set.
    /// - Parameter environment: consulted for `DISTILL_LAB_DATA` and `FASHION_MNIST_DIR`.
    /// - Throws: any `DatasetError` from locating or reading the files.
    public func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (train: Dataset, test: Dataset?) {
        switch self {
        case .digits:
            let dir = try DataDirectory.locate(environment: environment)
            let train = try Dataset.loadCSV((dir as NSString).appendingPathComponent(DataDirectory.markerFile),
                                            labelColumn: "label", featureScale: rawValueScale, name: "digits",
                                            imageShape: ImageShape(height: 8, width: 8))
            return (train, nil)
        case .fashionMNIST:
            let dir = environment[DataSource.fashionMNISTEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
                ?? DataSource.debianFashionMNISTDirectory
            let needed = [("train", "images", 3), ("train", "labels", 1), ("t10k", "images", 3), ("t10k", "labels", 1)]
            guard needed.allSatisfy({ DataSource.findIDX(in: dir, prefix: $0.0, kind: $0.1, rank: $0.2) != nil }) else {
                throw DatasetError.fashionMNISTNotInstalled(directory: dir)
            }
            return try DataSource.loadIDXDirectory(dir, name: "fashion-mnist",
                                                   classNames: DataSource.fashionMNISTClassNames, requireTest: true)
        case let .idxDirectory(path):
            return try DataSource.loadIDXDirectory(path, name: name, classNames: nil, requireTest: false)
        case let .csv(path, column, scale):
            return (try Dataset.loadCSV(path, labelColumn: column, featureScale: scale), nil)
        }
    }

    /// What `load` multiplies the file's values by: a CSV's `featureScale`, 1/16 for the
    /// digits (pixels 0…16), 1/255 for IDX bytes (`Dataset.loadIDX`).
    public var rawValueScale: Float {
        switch self {
        case .digits: return 1.0 / 16.0
        case .fashionMNIST, .idxDirectory: return 1.0 / 255.0
        case let .csv(_, _, scale): return scale
        }
    }

    /// The path of `<prefix>-<kind>-idx<rank>-ubyte`, plain or `.gz`, if present.
    static func findIDX(in dir: String, prefix: String, kind: String, rank: Int) -> String? {
        let base = (dir as NSString).appendingPathComponent("\(prefix)-\(kind)-idx\(rank)-ubyte")
        return [base, base + ".gz"].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Loads the train pair and the optional t10k pair of an IDX folder. When
    /// `classNames` is nil, both sets share classes "0"…"K-1" with K = 1 + the
    /// largest label in either set.
    static func loadIDXDirectory(_ dir: String, name: String, classNames: [String]?,
                                 requireTest: Bool) throws -> (train: Dataset, test: Dataset?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else {
            throw DatasetError.fileNotFound(path: dir)
        }
        guard isDirectory.boolValue else { throw DatasetError.unsupportedFile(path: dir) }
        let trainImages = findIDX(in: dir, prefix: "train", kind: "images", rank: 3)
        let trainLabels = findIDX(in: dir, prefix: "train", kind: "labels", rank: 1)
        let testImages = findIDX(in: dir, prefix: "t10k", kind: "images", rank: 3)
        let testLabels = findIDX(in: dir, prefix: "t10k", kind: "labels", rank: 1)
        var missing: [String] = []
        if trainImages == nil { missing.append("train-images-idx3-ubyte") }
        if trainLabels == nil { missing.append("train-labels-idx1-ubyte") }
        // A lone half of the test pair is a mistake, not "no test set".
        if requireTest || (testImages == nil) != (testLabels == nil) {
            if testImages == nil { missing.append("t10k-images-idx3-ubyte") }
            if testLabels == nil { missing.append("t10k-labels-idx1-ubyte") }
        }
        guard missing.isEmpty, let trainImages, let trainLabels else {
            throw DatasetError.idxFilesMissing(directory: dir, missing: missing)
        }
        var names = classNames
        if names == nil {
            // Read labels first (small) to agree on one class list for both sets.
            var maxLabel = try IDX.readLabels(trainLabels).max() ?? 0
            if let testLabels { maxLabel = max(maxLabel, try IDX.readLabels(testLabels).max() ?? 0) }
            names = (0...Int(maxLabel)).map(String.init)
        }
        let train = try Dataset.loadIDX(images: trainImages, labels: trainLabels, name: "\(name)/train", classNames: names)
        guard let testImages, let testLabels else { return (train, nil) }
        let test = try Dataset.loadIDX(images: testImages, labels: testLabels, name: "\(name)/test", classNames: names)
        guard test.imageShape == train.imageShape else {
            throw DatasetError.incompatibleTestSet(
                train: trainImages, test: testImages,
                reason: "image shape \(test.imageShape.map { "\($0)" } ?? "?") differs from \(train.imageShape.map { "\($0)" } ?? "?")")
        }
        return (train, test)
    }
}
