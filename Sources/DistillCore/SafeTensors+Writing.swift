import Foundation

// safetensors writing: deterministic F32 encoding and an atomic, no-clobber file write.

extension SafeTensors {
    /// Encodes tensors as safetensors bytes, all as `F32`.
    ///
    /// The output is deterministic (identical inputs give identical bytes) and matches
    /// the reference implementation (`safetensors.numpy.save_file` on float32 arrays)
    /// byte for byte, except that the reference orders several metadata keys arbitrarily:
    /// - the header is compact JSON: `__metadata__` first (omitted when `metadata` is
    ///   empty) with its keys sorted by UTF-8 bytes, then the tensors sorted by name (UTF-8 byte
    ///   order), each as `{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}`;
    ///   strings are escaped as serde_json does (`\"`, `\\`, `\n`, `\t`, …, `\u00XX`
    ///   for other control characters; non-ASCII is written as UTF-8);
    /// - the header is padded with spaces so the data buffer starts at a multiple of 8;
    /// - the data buffer holds the tensors in the same order, little-endian, row-major.
    /// - Throws: ``SafeTensorsError/shapeMismatch(tensor:shape:valueCount:)`` if a tensor's
    ///   value count differs from its shape's product (or a dimension is negative),
    ///   ``SafeTensorsError/reservedTensorName(tensor:)`` for a tensor named `__metadata__`,
    ///   ``SafeTensorsError/headerTooLargeToWrite(headerLength:limit:)`` if the header
    ///   would exceed ``maximumHeaderLength``.
    public static func encode(_ tensors: [String: SafeTensor], metadata: [String: String] = [:]) throws -> Data {
        // A cheap lower bound on the header size (escaping only lengthens it).
        let textBytes = metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count } + tensors.keys.reduce(0) { $0 + $1.utf8.count }
        guard textBytes <= maximumHeaderLength else {
            throw SafeTensorsError.headerTooLargeToWrite(headerLength: textBytes, limit: maximumHeaderLength)
        }
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        var header: [UInt8] = []
        header.reserveCapacity(64 + 96 * names.count)
        header.append(UInt8(ascii: "{"))
        var first = true
        if !metadata.isEmpty {
            header.append(contentsOf: #""__metadata__":{"#.utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key]!, to: &header)
            }
            header.append(UInt8(ascii: "}"))
            first = false
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            guard name != "__metadata__" else { throw SafeTensorsError.reservedTensorName(tensor: name) }
            guard let count = tensor.elementCount, count == tensor.values.count else {
                throw SafeTensorsError.shapeMismatch(tensor: name, shape: tensor.shape, valueCount: tensor.values.count)
            }
            if !first { header.append(UInt8(ascii: ",")) }
            first = false
            appendJSONString(name, to: &header)
            header.append(contentsOf: #":{"dtype":"F32","shape":["#.utf8)
            header.append(contentsOf: tensor.shape.map(String.init).joined(separator: ",").utf8)
            let end = offset + 4 * count
            header.append(contentsOf: "],\"data_offsets\":[\(offset),\(end)]}".utf8)
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        // Pad so that 8 + header.count, the data buffer's start, is a multiple of 8.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        guard header.count <= maximumHeaderLength else {
            throw SafeTensorsError.headerTooLargeToWrite(headerLength: header.count, limit: maximumHeaderLength)
        }

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            let values = tensors[name]!.values
            #if _endian(little)
            values.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            #endif
        }
        return data
    }

    /// Writes tensors to a safetensors file atomically (see ``encode(_:metadata:)`` for
    /// the format).
    ///
    /// The bytes go to a hidden temporary file in the destination's folder, are flushed
    /// to disk, and the file is then moved into place, so readers never see a partial
    /// file and a failure leaves no temporary file behind.
    /// - Parameter overwrite: replace an existing file. When `false` (the default) an
    ///   existing destination is never touched, even if it appears while writing.
    /// - Throws: ``SafeTensorsError/fileExists(path:)`` if the destination exists and
    ///   `overwrite` is false, ``SafeTensorsError/io(path:operation:detail:)`` on a
    ///   file-system failure, or an encoding error from ``encode(_:metadata:)``.
    public static func write(_ tensors: [String: SafeTensor], metadata: [String: String] = [:],
                             to url: URL, overwrite: Bool = false) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw SafeTensorsError.io(path: path, operation: "writing", detail: "the path is a directory. Give a file path such as \(url.appendingPathComponent("model.safetensors").path)")
            }
            if !overwrite { throw SafeTensorsError.fileExists(path: path) }
        }
        let data = try encode(tensors, metadata: metadata)

        do {
            try AtomicFile.write(data, to: url, overwrite: overwrite)
        } catch let failure as AtomicFile.Failure {
            switch failure {
            case let .exists(p): throw SafeTensorsError.fileExists(path: p)
            case let .io(p, operation, detail): throw SafeTensorsError.io(path: p, operation: operation, detail: detail)
            }
        }
    }


    /// Appends `string` as a JSON string literal, escaped as serde_json does.
    private static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        defer { out.append(UInt8(ascii: "\"")) }
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: string.utf8)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00 ..< 0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
    }
}
