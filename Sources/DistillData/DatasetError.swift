import Foundation
import DistillCore

/// Every failure the data layer reports.
///
/// Each message names the file (or source), what is wrong, and how to fix it,
/// so a CLI can print `error.description` as-is. The loaders never trap on bad
/// input; anything malformed ends up here.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, a directory, I/O error).
    case unreadableFile(path: String, reason: String)
    /// The file starts with the gzip magic bytes but does not decompress.
    case corruptGzip(path: String, detail: String)
    /// An IDX file whose magic number is not the one expected.
    case badMagic(path: String, expected: UInt32, found: UInt32)
    /// An IDX header whose dimensions are unusable (zero, or too large to address).
    case badHeader(path: String, detail: String)
    /// An IDX file holding fewer bytes than its header declares.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// An IDX file holding more bytes than its header declares.
    case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
    /// An IDX images file and labels file with different item counts.
    case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
    /// A label outside the allowed range; `location` is e.g. "item 17" or "line 4".
    case labelOutOfRange(path: String, location: String, label: String, classCount: Int)
    /// A file with no usable content.
    case emptyFile(path: String, detail: String)
    /// An IDX file whose header declares zero items (no example to train or test on).
    case noExamples(path: String)
    /// A file given as CSV whose first line holds a NUL byte: binary data, not text.
    case binaryFile(path: String, offset: Int)
    /// A CSV row with the wrong number of fields.
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    /// A CSV feature field that is not a finite number.
    case nonNumeric(path: String, line: Int, column: String, value: String)
    /// A CSV field containing a double quote (quoting is not supported).
    case quotedField(path: String, line: Int)
    /// A CSV row whose label field is empty.
    case emptyLabel(path: String, line: Int, column: String)
    /// The CSV header lacks the requested label column.
    case missingLabelColumn(path: String, column: String, available: [String])
    /// The CSV has a label column but no feature columns.
    case noFeatureColumns(path: String)
    /// The CSV header names the label column more than once.
    case duplicateLabelColumn(path: String, column: String, count: Int)
    /// A dataset whose parts disagree (label count, label range, image shape).
    case invalidDataset(name: String, reason: String)
    /// A test set that cannot be paired with its training set.
    case incompatibleTestSet(train: String, test: String, reason: String)
    /// A data-source string that is neither a known name nor a usable path.
    case unknownSource(name: String, valid: [String])
    /// A path to a file of a kind the loaders do not read.
    case unsupportedFile(path: String)
    /// A folder lacking the IDX files a source needs.
    case idxFilesMissing(directory: String, missing: [String])
    /// The shipped `Data/` folder could not be found.
    case dataDirectoryNotFound(searched: [String])
    /// Fashion-MNIST is not installed where it was looked for.
    case fashionMNISTNotInstalled(directory: String)
    /// A loader option out of range (e.g. a non-finite feature scale).
    case invalidOption(reason: String)
    /// Split fractions or sizes that are invalid or do not fit the data.
    case invalidSplit(reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): file not found. Check the path (relative paths are resolved from the current directory)."
        case let .unreadableFile(path, reason):
            return "\(path): cannot read the file (\(reason)). Check that it is a regular file you have permission to read."
        case let .corruptGzip(path, detail):
            return "\(path): corrupt gzip data (\(detail)). The file is damaged or incomplete; re-download or re-create it (`gzip -t \(path)` checks a gzip file)."
        case let .badMagic(path, expected, found):
            var hint = ""
            if expected == IDX.imagesMagic && found == IDX.labelsMagic {
                hint = " This is an IDX labels file; were the images and labels paths swapped?"
            } else if expected == IDX.labelsMagic && found == IDX.imagesMagic {
                hint = " This is an IDX images file; were the images and labels paths swapped?"
            }
            return "\(path): not an IDX \(expected == IDX.imagesMagic ? "images" : "labels") file: magic number is \(hex(found)), expected \(hex(expected)).\(hint) Pass an MNIST-format (IDX, u8) file, plain or gzip-compressed."
        case let .duplicateLabelColumn(path, column, count):
            return "\(path): the header has \(count) columns named \(QuotedInput.quote(column)); exactly one may hold the label (the others would silently become features). Rename or drop the extra columns, or pass --label-column for another column."
        case let .badHeader(path, detail):
            return "\(path): unusable IDX header (\(detail)). The file is damaged or not an MNIST-format file; re-download it."
        case let .truncated(path, expected, actual):
            return "\(path): truncated: the header declares \(expected) bytes but the (decompressed) file holds only \(actual). Re-download or re-extract the file."
        case let .trailingBytes(path, expected, actual):
            return "\(path): \(actual - expected) unexpected bytes after the \(expected) the header declares. The header count is probably wrong; re-download the file."
        case let .countMismatch(imagesPath, imageCount, labelsPath, labelCount):
            return "\(imagesPath) holds \(imageCount) images but \(labelsPath) holds \(labelCount) labels. Pair the images file with its own labels file (train-… with train-…, t10k-… with t10k-…)."
        case let .labelOutOfRange(path, location, label, classCount):
            return "\(path): label \(QuotedInput.bounded(label)) at \(location) is outside 0..<\(classCount). Fix the label, or use a source whose class list covers it."
        case let .emptyFile(path, detail):
            return "\(path): \(detail). Pass a file with a header row and at least one data row."
        case let .noExamples(path):
            return "\(path): the IDX header declares 0 examples, so this split would be empty; pass files that hold at least one example (or, for a t10k- pair, remove it so the test split is carved from the training data)."
        case let .binaryFile(path, offset):
            return "\(path): binary data, not CSV (a NUL byte at byte \(offset) of the first line, after any gzip decompression). Pass a comma-separated text file (plain or gzip) with a header row."
        case let .raggedRow(path, line, expected, found):
            return "\(path):\(line): row has \(found) fields but the header has \(expected). Every row needs one value per header column (no trailing commas)."
        case let .nonNumeric(path, line, column, value):
            return "\(path):\(line): column \(QuotedInput.quote(column, delimiter: "\"")) holds \(QuotedInput.quote(value, delimiter: "\"")), which is not a finite number. Feature columns must be numeric; choose the right label column with the label-column option, or clean the file."
        case let .quotedField(path, line):
            return "\(path):\(line): quoted fields are not supported (found a '\"'). Export the CSV without quotes: plain comma-separated numbers, labels without commas."
        case let .emptyLabel(path, line, column):
            return "\(path):\(line): the label column \(QuotedInput.quote(column, delimiter: "\"")) is empty. Give every row a label, or drop the row."
        case let .missingLabelColumn(path, column, available):
            // At most 12 names of at most 32 characters: a binary or one-line file keeps this short.
            let names = available.prefix(12).map { QuotedInput.bounded($0, limit: 32) }
            let shown = available.count > 12 ? names.joined(separator: ", ") + ", … (\(available.count) columns)" : names.joined(separator: ", ")
            return "\(path): no label column named \(QuotedInput.quote(column, delimiter: "\"")). Available columns: \(shown). Pass the right name with the label-column option."
        case let .noFeatureColumns(path):
            return "\(path): the only column is the label column. Add numeric feature columns."
        case let .invalidDataset(name, reason):
            return "dataset \(name): \(reason)."
        case let .incompatibleTestSet(train, test, reason):
            return "test set \(test) does not match training set \(train): \(reason). Use the test files that belong to this training set."
        case let .unknownSource(name, valid):
            return "unknown data source \(QuotedInput.quote(name, delimiter: "\"")). Valid sources: \(valid.joined(separator: ", "))."
        case let .unsupportedFile(path):
            return "\(path): unsupported file type. Pass a .csv or .csv.gz file, or a folder holding IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz])."
        case let .idxFilesMissing(directory, missing):
            return "\(directory): missing IDX file(s) \(missing.joined(separator: ", ")) (plain or .gz). Put the MNIST-format files in this folder, named as listed."
        case let .dataDirectoryNotFound(searched):
            return "cannot find the shipped Data/ folder (with digits.csv.gz). Searched: \(searched.joined(separator: ", ")). Run from the repository checkout or set DISTILL_LAB_DATA to its Data folder."
        case let .fashionMNISTNotInstalled(directory):
            return "Fashion-MNIST not found in \(directory). Install it with `apt-get install dataset-fashion-mnist` (or the project's `bash .ci/install-deps`), or set FASHION_MNIST_DIR to a folder holding train-images-idx3-ubyte.gz and the other three files."
        case let .invalidOption(reason):
            return "invalid option: \(reason)."
        case let .invalidSplit(reason):
            return "invalid data split: \(reason)."
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}

extension DatasetError: LocalizedError {
    /// The same text as `description`, so `localizedDescription` is useful too.
    public var errorDescription: String? { description }
}
