import DistillCore
import Foundation

extension Dataset {
    /// The largest integer label the CSV loader accepts; a bigger one almost
    /// always means the wrong column was chosen as the label.
    public static let maxIntegerLabel = 9_999

    /// Loads a comma-separated file (plain or gzip, detected by content).
    ///
    /// Format: the first non-blank line is a header of column names; every
    /// other non-blank line has one field per header column. The column named
    /// `labelColumn` holds the class; every other column is a numeric feature
    /// (anything `strtof` reads that is finite). Fields are trimmed of spaces
    /// and tabs; `\r\n` line ends and a UTF-8 byte-order mark are accepted;
    /// blank lines are skipped. Quoting is NOT supported: a `"` anywhere is an
    /// error (`quotedField`), so a quoted comma can never silently shift columns.
    ///
    /// Class rule: when every label is an integer literal, the label is used
    /// as the class index as-is and the classes are "0"…"K-1" with K = largest
    /// label + 1 (labels must be in 0...`maxIntegerLabel`). Otherwise the
    /// classes are the distinct label strings sorted in Unicode order, and
    /// each label is its index in that list.
    ///
    /// - Parameters:
    ///   - labelColumn: header name of the label column.
    ///   - featureScale: every feature is multiplied by this (e.g. 1/16 for
    ///     the digits' 0…16 pixels); must be finite and non-zero.
    ///   - name: dataset name; defaults to the file name.
    ///   - imageShape: optional image layout; must match the feature count.
    /// - Throws: `fileNotFound`, `unreadableFile`, `corruptGzip`, `emptyFile`,
    ///   `missingLabelColumn`, `noFeatureColumns`, `quotedField`, `raggedRow`,
    ///   `nonNumeric`, `emptyLabel`, `labelOutOfRange`, `invalidOption`,
    ///   `invalidDataset`. Errors name the file and the 1-based line.
    /// - Complexity: O(file size).
    public static func loadCSV(_ path: String, labelColumn: String = "label", featureScale: Float = 1,
                               name: String? = nil, imageShape: ImageShape? = nil) throws -> Dataset {
        guard featureScale.isFinite, featureScale != 0 else {
            throw DatasetError.invalidOption(reason: "feature scale \(featureScale) must be finite and non-zero")
        }
        let bytes = try DataFile.read(path)
        let table = try CSVTable.parse(bytes, path: path, labelColumn: labelColumn, featureScale: featureScale)
        let (labels, classNames) = try table.classLabels(path: path, labelColumn: labelColumn)
        let datasetName = name ?? URL(fileURLWithPath: path).lastPathComponent
        let features = Matrix(rows: labels.count, cols: table.featureNames.count, values: table.values)
        return try Dataset(name: datasetName, features: features, labels: labels,
                           classNames: classNames, imageShape: imageShape)
    }
}

/// A parsed CSV: features row-major, label strings with their line numbers.
struct CSVTable {
    var featureNames: [String] = []
    var values: [Float] = []
    var labelStrings: [String] = []
    var labelLines: [Int] = []

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let newline = UInt8(ascii: "\n")

    static func parse(_ bytes: [UInt8], path: String, labelColumn: String, featureScale: Float) throws -> CSVTable {
        try bytes.withUnsafeBufferPointer { buf in
            var table = CSVTable()
            var pos = 0
            // Skip a UTF-8 byte-order mark (spreadsheet exports add one).
            if buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF { pos = 3 }
            var lineNumber = 0
            var header: [String]? = nil
            var labelIndex = 0
            var fields: [Range<Int>] = []
            while pos < buf.count {
                lineNumber += 1
                let end = DataFile.index(of: newline, in: buf, from: pos, to: buf.count)
                let next = end + 1
                var lineEnd = end
                if lineEnd > pos && buf[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                defer { pos = next }
                // Split on commas, trimming blanks, and refuse quotes.
                fields.removeAll(keepingCapacity: true)
                var fieldStart = pos
                var blank = true
                for i in pos...lineEnd {
                    if i == lineEnd || buf[i] == comma {
                        fields.append(trim(buf, fieldStart..<i))
                        fieldStart = i + 1
                    } else if buf[i] == quote {
                        throw DatasetError.quotedField(path: path, line: lineNumber)
                    } else if buf[i] == 0 && header == nil {
                        // No CSV header holds a NUL; stop here instead of parsing megabytes of binary data.
                        throw DatasetError.binaryFile(path: path, offset: i - pos)
                    } else if !isBlank(buf[i]) {
                        blank = false
                    }
                }
                if blank && fields.count == 1 { continue }

                guard let names = header else {
                    let names = fields.map { string(buf, $0) }
                    guard let li = names.firstIndex(of: labelColumn) else {
                        throw DatasetError.missingLabelColumn(path: path, column: labelColumn, available: names)
                    }
                    // A second column of the same name would silently become a feature.
                    guard names.lastIndex(of: labelColumn) == li else {
                        throw DatasetError.duplicateLabelColumn(path: path, column: labelColumn, count: names.filter { $0 == labelColumn }.count)
                    }
                    guard names.count > 1 else { throw DatasetError.noFeatureColumns(path: path) }
                    header = names
                    labelIndex = li
                    table.featureNames = names.enumerated().filter { $0.offset != li }.map(\.element)
                    // Reserve from a rough row estimate: this line's length.
                    let estimatedRows = buf.count / max(1, next - pos)
                    table.values.reserveCapacity(estimatedRows * table.featureNames.count)
                    continue
                }
                guard fields.count == names.count else {
                    throw DatasetError.raggedRow(path: path, line: lineNumber, expected: names.count, found: fields.count)
                }
                for (column, range) in fields.enumerated() {
                    if column == labelIndex {
                        if range.isEmpty {
                            throw DatasetError.emptyLabel(path: path, line: lineNumber, column: labelColumn)
                        }
                        table.labelStrings.append(string(buf, range))
                        table.labelLines.append(lineNumber)
                    } else {
                        guard let v = parseFloat(buf, range) else {
                            throw DatasetError.nonNumeric(path: path, line: lineNumber, column: names[column],
                                                          value: string(buf, range))
                        }
                        table.values.append(v * featureScale)
                    }
                }
            }
            if header == nil { throw DatasetError.emptyFile(path: path, detail: "the file is empty (no header row)") }
            if table.labelStrings.isEmpty { throw DatasetError.emptyFile(path: path, detail: "the file has a header but no data rows") }
            return table
        }
    }

    /// Turns label strings into class indices by the rule documented on
    /// `Dataset.loadCSV`.
    func classLabels(path: String, labelColumn: String) throws -> ([Int32], [String]) {
        var ints: [Int] = []
        ints.reserveCapacity(labelStrings.count)
        var allIntegers = true
        for s in labelStrings {
            guard let v = Int(s) else { allIntegers = false; break }
            ints.append(v)
        }
        if allIntegers {
            for (i, v) in ints.enumerated() where v < 0 || v > Dataset.maxIntegerLabel {
                throw DatasetError.labelOutOfRange(path: path, location: "line \(labelLines[i]) (column \(QuotedInput.quote(labelColumn, delimiter: "\"")))",
                                                   label: labelStrings[i], classCount: Dataset.maxIntegerLabel + 1)
            }
            let k = (ints.max() ?? 0) + 1
            return (ints.map { Int32($0) }, (0..<k).map(String.init))
        }
        let names = Array(Set(labelStrings)).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, Int32($0.offset)) })
        return (labelStrings.map { index[$0]! }, names)
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }

    private static func trim(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi && isBlank(buf[lo]) { lo += 1 }
        while hi > lo && isBlank(buf[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    private static func string(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
    }

    /// A finite Float from the field, or nil. Fields are copied to a
    /// NUL-terminated scratch buffer for `strtof`; the whole field must parse.
    private static func parseFloat(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Float? {
        let n = r.count
        guard n > 0, n < 128 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { tmp -> Float? in
            let base = tmp.baseAddress!
            for i in 0..<n { base[i] = CChar(bitPattern: buf[r.lowerBound + i]) }
            base[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtof(base, &end)
            guard end == base + n, v.isFinite else { return nil }
            return v
        }
    }
}
