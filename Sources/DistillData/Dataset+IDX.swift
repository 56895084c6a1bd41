import DistillCore

/// The IDX (MNIST) file format: a big-endian header then unsigned bytes.
///
/// Images: magic `0x00000803`, then count, rows, cols (u32 each), then
/// count·rows·cols pixels. Labels: magic `0x00000801`, then count, then count
/// labels. Either file may be gzip-compressed (detected by content).
public enum IDX {
    /// Magic number of a u8 rank-3 (images) file.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of a u8 rank-1 (labels) file.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Decoded images: one row per image, pixels scaled to [0, 1] (byte / 255).
    public struct Images {
        public let pixels: Matrix
        public let shape: ImageShape
    }

    /// Reads an images file (plain or gzip).
    /// - Throws: `fileNotFound`, `unreadableFile`, `corruptGzip`, `badMagic`,
    ///   `badHeader`, `truncated`, `trailingBytes`.
    /// - Complexity: O(file size); one pass converts bytes to floats.
    public static func readImages(_ path: String) throws -> Images {
        let bytes = try DataFile.read(path)
        let dims = try header(bytes, path: path, magic: imagesMagic, rank: 3)
        let (n, rows, cols) = (dims[0], dims[1], dims[2])
        guard rows > 0, cols > 0 else {
            throw DatasetError.badHeader(path: path, detail: "image size \(rows)×\(cols)")
        }
        let (pixelsPerImage, o1) = rows.multipliedReportingOverflow(by: cols)
        let (total, o2) = n.multipliedReportingOverflow(by: pixelsPerImage)
        guard !o1, !o2, total <= Int.max - 16 else {
            throw DatasetError.badHeader(path: path, detail: "\(n) images of \(rows)×\(cols) is too large")
        }
        try checkSize(bytes.count, declared: 16 + total, path: path)
        let matrix = Matrix(rows: n, cols: pixelsPerImage)
        let dst = matrix.storage
        bytes.withUnsafeBufferPointer { src in
            let p = src.baseAddress! + 16
            let scale: Float = 1.0 / 255.0
            for i in 0..<total { dst[i] = Float(p[i]) * scale }
        }
        return Images(pixels: matrix, shape: ImageShape(height: rows, width: cols))
    }

    /// Reads a labels file (plain or gzip) as raw bytes, one per item.
    /// - Throws: as `readImages`.
    public static func readLabels(_ path: String) throws -> [UInt8] {
        let bytes = try DataFile.read(path)
        let n = try header(bytes, path: path, magic: labelsMagic, rank: 1)[0]
        try checkSize(bytes.count, declared: 8 + n, path: path)
        return Array(bytes[8...])
    }

    /// Parses the magic number and `rank` dimensions.
    private static func header(_ bytes: [UInt8], path: String, magic: UInt32, rank: Int) throws -> [Int] {
        let headerSize = 4 + 4 * rank
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        guard bytes.count >= 4 else {
            if bytes.isEmpty { throw DatasetError.emptyFile(path: path, detail: "the file is empty") }
            throw DatasetError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        let found = u32(0)
        guard found == magic else { throw DatasetError.badMagic(path: path, expected: magic, found: found) }
        guard bytes.count >= headerSize else {
            throw DatasetError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        return (0..<rank).map { Int(u32(4 + 4 * $0)) }
    }

    private static func checkSize(_ actual: Int, declared: Int, path: String) throws {
        if actual < declared { throw DatasetError.truncated(path: path, expectedBytes: declared, actualBytes: actual) }
        if actual > declared { throw DatasetError.trailingBytes(path: path, expectedBytes: declared, actualBytes: actual) }
    }
}

extension Dataset {
    /// Loads an IDX images/labels pair (MNIST format, each plain or gzip).
    ///
    /// - Parameters:
    ///   - classNames: the classes, indexed by label; labels must lie in
    ///     `0..<classNames.count`. When nil, the classes are "0"…"K-1" with
    ///     K = largest label + 1.
    /// - Throws: the `IDX.readImages` errors, `countMismatch` when the files
    ///   hold different numbers of items, `labelOutOfRange`.
    /// - Complexity: O(file sizes).
    public static func loadIDX(images imagesPath: String, labels labelsPath: String,
                               name: String, classNames: [String]? = nil) throws -> Dataset {
        let images = try IDX.readImages(imagesPath)
        let raw = try IDX.readLabels(labelsPath)
        guard raw.count == images.pixels.rows else {
            throw DatasetError.countMismatch(imagesPath: imagesPath, imageCount: images.pixels.rows,
                                             labelsPath: labelsPath, labelCount: raw.count)
        }
        // An empty split would only fail later, as a trap in the metrics.
        guard !raw.isEmpty else { throw DatasetError.noExamples(path: imagesPath) }
        let names = classNames ?? (0...Int(raw.max() ?? 0)).map(String.init)
        if let bad = raw.firstIndex(where: { Int($0) >= names.count }) {
            throw DatasetError.labelOutOfRange(path: labelsPath, location: "item \(bad)",
                                               label: String(raw[bad]), classCount: names.count)
        }
        return try Dataset(name: name, features: images.pixels, labels: raw.map { Int32($0) },
                           classNames: names, imageShape: images.shape)
    }
}
