import Foundation

/// Where a dataset comes from, parsed from a user string (a CLI argument).
public enum DataSource: Equatable, Sendable, CustomStringConvertible {
    /// The shipped UCI digits (`Data/digits.csv.gz`): 1,797 8×8 images, 10 classes, no official test set.
    case digits
    /// Fashion-MNIST from `$FASHION_MNIST_DIR` or Debian's `/usr/share/datasets/fashion-mnist`:
    /// 60,000 train + 10,000 official test 28×28 images, 10 classes.
    case fashionMNIST
    /// A folder holding `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`,
    /// optionally with the `t10k-…` test pair.
    case idxDirectory(path: String)
    /// A `.csv` / `.csv.gz` file read by `Dataset.loadCSV`.
    case csv(path: String, labelColumn: String, featureScale: Float)

    /// The built-in names `init(parsing:)` accepts.
    public static let builtInNames = ["digits", "fashion-mnist"]
    /// Environment variable overriding the Fashion-MNIST folder.
    public static let fashionMNISTEnvironmentVariable = "FASHION_MNIST_DIR"
    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let debianFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
    /// Fashion-MNIST's classes, indexed by label.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Parses a source string:
    /// - "digits", "fashion-mnist" (case-insensitive; "fashion_mnist" too);
    /// - an existing folder → `.idxDirectory`;
    /// - a path ending in `.csv` or `.csv.gz` → `.csv` (existence is checked on load);
    /// - anything else → `unknownSource` (or `unsupportedFile` for an existing
    ///   non-CSV file, `fileNotFound` for a missing path containing "/").
    /// - Parameters:
    ///   - labelColumn, featureScale: used only for CSV sources.
    public init(parsing spec: String, labelColumn: String = "label", featureScale: Float = 1) throws {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "digits": self = .digits; return
        case "fashion-mnist", "fashion_mnist", "fashionmnist": self = .fashionMNIST; return
        default: break
        }
        var isDirectory: ObjCBool = false
        let exists = !trimmed.isEmpty && FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory)
        let lower = trimmed.lowercased()
        if exists && isDirectory.boolValue {
            self = .idxDirectory(path: trimmed)
        } else if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") {
            self = .csv(path: trimmed, labelColumn: labelColumn, featureScale: featureScale)
        } else if exists {
            throw DatasetError.unsupportedFile(path: trimmed)
        } else if trimmed.contains("/") {
            throw DatasetError.fileNotFound(path: trimmed)
        } else {
            throw DatasetError.unknownSource(name: spec, valid: DataSource.validDescriptions)
        }
    }

    /// What `unknownSource` lists.
    static let validDescriptions = builtInNames + [
        "a folder of IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], optional t10k-… pair)",
        "a path to a .csv or .csv.gz file",
    ]

    /// Short name for logs and result files.
    public var name: String {
        switch self {
        case .digits: return "digits"
        case .fashionMNIST: return "fashion-mnist"
        case let .idxDirectory(path): return URL(fileURLWithPath: path).lastPathComponent
        case let .csv(path, _, _): return URL(fileURLWithPath: path).lastPathComponent
        }
    }

    public var description: String {
        switch self {
        case .digits, .fashionMNIST: return name
        case let .idxDirectory(path): return "IDX folder \(path)"
        case let .csv(path, column, scale): return "CSV \(path) (label column \"\(column)\", feature scale \(scale))"
        }
    }
}
