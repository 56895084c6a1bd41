import Foundation

// safetensors reading: framing, a small strict JSON parser (it keeps key order and
// duplicates, which JSONSerialization hides), validation, and dtype conversion.

extension SafeTensors {
    /// Reads a safetensors file.
    ///
    /// The file is memory-mapped when possible. See ``decode(_:)`` for what is accepted.
    /// - Returns: the tensors by name, converted to `Float`, and the `__metadata__` strings.
    /// - Throws: ``SafeTensorsError/io(path:operation:detail:)`` if the file cannot be read,
    ///   else the ``SafeTensorsError`` describing the first problem found in it.
    public static func read(from url: URL) throws -> (tensors: [String: SafeTensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path)
                ? "\(error.localizedDescription) Check the file's permissions."
                : "no such file. Check the path."
            throw SafeTensorsError.io(path: url.path, operation: "reading", detail: reason)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes safetensors bytes.
    ///
    /// Accepts the dtypes `F32`, `F64`, `F16` and `BF16` (converted to `Float`; `F64`
    /// rounds). Validation is strict and never traps: the header must be UTF-8 JSON, an
    /// object with unique names, each entry with a known `dtype`, a `shape` of
    /// non-negative integers and `data_offsets` `[begin, end]` within the buffer whose
    /// span equals element count × dtype size; the tensors must cover the data buffer
    /// exactly (no overlap, hole or trailing byte); `__metadata__`, if present, must map
    /// strings to strings. Unknown keys inside an entry are ignored, as the reference
    /// implementation does.
    /// - Returns: the tensors by name and the `__metadata__` strings (empty if absent).
    /// - Throws: ``SafeTensorsError`` describing the first problem found.
    public static func decode(_ data: Data) throws -> (tensors: [String: SafeTensor], metadata: [String: String]) {
        try decode(data, source: "<data>")
    }

    /// A tensor entry of the header after validation.
    private struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// Decodes safetensors bytes read from `source` (a path, named in errors); see ``decode(_:)``.
    public static func decode(_ data: Data, source: String) throws -> (tensors: [String: SafeTensor], metadata: [String: String]) {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try decode(raw, source: source)
        }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, source: String) throws -> (tensors: [String: SafeTensor], metadata: [String: String]) {
        guard raw.count >= 8 else {
            throw SafeTensorsError.fileTooShort(source: source, byteCount: raw.count)
        }
        let headerLength = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw SafeTensorsError.headerTooLarge(source: source, headerLength: headerLength, limit: maximumHeaderLength)
        }
        guard headerLength <= UInt64(raw.count - 8) else {
            throw SafeTensorsError.headerLengthExceedsFile(source: source, headerLength: headerLength, bytesAfterPrefix: raw.count - 8)
        }
        let n = Int(headerLength)
        let headerBytes = UnsafeRawBufferPointer(rebasing: raw[8 ..< 8 + n])
        let buffer = UnsafeRawBufferPointer(rebasing: raw[(8 + n)...])
        let (entries, metadata) = try parseHeader(headerBytes, bufferLength: buffer.count, source: source)

        var tensors: [String: SafeTensor] = [:]
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[entry.begin ..< entry.end])
            tensors[entry.name] = SafeTensor(shape: entry.shape, values: convert(bytes, dtype: entry.dtype))
        }
        return (tensors, metadata)
    }

    /// The header's entries and metadata, validated against a data buffer of
    /// `bufferLength` bytes (names, dtypes, shapes, offsets, exact coverage).
    private static func parseHeader(_ headerBytes: UnsafeRawBufferPointer, bufferLength: Int,
                                    source: String) throws -> (entries: [Entry], metadata: [String: String]) {
        // UTF-8 first, so the JSON parser can slice strings out of valid bytes.
        let invalidUTF8 = transcode(headerBytes.makeIterator(), from: UTF8.self, to: UTF32.self,
                                    stoppingOnError: true, into: { _ in })
        guard !invalidUTF8 else { throw SafeTensorsError.headerNotUTF8(source: source) }

        var parser = JSONParser(bytes: headerBytes)
        let root: JSON
        do {
            root = try parser.parseDocument()
        } catch let error as JSONParser.Failure {
            throw SafeTensorsError.headerNotJSON(source: source, detail: error.message)
        }
        guard case .object(let members) = root else {
            throw SafeTensorsError.headerNotObject(source: source, found: root.kindName)
        }

        var seen = Set<String>()
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            guard seen.insert(name).inserted else {
                throw SafeTensorsError.duplicateTensorName(source: source, tensor: name)
            }
            if name == "__metadata__" {
                metadata = try parseMetadata(value, source: source)
            } else {
                entries.append(try parseEntry(name: name, value: value, bufferLength: bufferLength, source: source))
            }
        }
        try checkCoverage(entries, bufferLength: bufferLength, source: source)
        return (entries, metadata)
    }

    /// A tensor as the header describes it, before its data is read.
    public struct TensorInfo: Equatable, Sendable {
        public var dtype: DType
        public var shape: [Int]
    }

    /// Reads and validates only the header of a safetensors file: every check
    /// of ``decode(_:)`` except the conversion of the data, against the file's
    /// size. Cheap for any file size, so a caller can refuse a model by its
    /// shapes before reading gigabytes.
    /// - Returns: each tensor's dtype and shape by name, and the `__metadata__` strings.
    /// - Throws: ``SafeTensorsError/io(path:operation:detail:)`` if the file cannot be
    ///   opened or read, else the ``SafeTensorsError`` describing the first problem.
    public static func readHeader(from url: URL) throws -> (tensors: [String: TensorInfo], metadata: [String: String]) {
        let source = url.path
        func ioError(_ error: Error) -> SafeTensorsError {
            let reason = FileManager.default.fileExists(atPath: url.path)
                ? "\(error.localizedDescription) Check the file's permissions."
                : "no such file. Check the path."
            return SafeTensorsError.io(path: url.path, operation: "reading", detail: reason)
        }
        let handle: FileHandle
        let fileSize: Int
        do {
            handle = try FileHandle(forReadingFrom: url)
            fileSize = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
        } catch { throw ioError(error) }
        defer { try? handle.close() }
        let prefix: Data
        do { prefix = try handle.read(upToCount: 8) ?? Data() } catch { throw ioError(error) }
        guard prefix.count == 8 else { throw SafeTensorsError.fileTooShort(source: source, byteCount: fileSize) }
        let headerLength = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw SafeTensorsError.headerTooLarge(source: source, headerLength: headerLength, limit: maximumHeaderLength)
        }
        guard headerLength <= UInt64(fileSize - 8) else {
            throw SafeTensorsError.headerLengthExceedsFile(source: source, headerLength: headerLength, bytesAfterPrefix: fileSize - 8)
        }
        let n = Int(headerLength)
        let header: Data
        do { header = try handle.read(upToCount: n) ?? Data() } catch { throw ioError(error) }
        // The file shrank while being read: the header claims more than is there.
        guard header.count == n else {
            throw SafeTensorsError.headerLengthExceedsFile(source: source, headerLength: headerLength, bytesAfterPrefix: header.count)
        }
        let (entries, metadata) = try header.withUnsafeBytes { bytes in
            try parseHeader(bytes, bufferLength: fileSize - 8 - n, source: source)
        }
        var tensors: [String: TensorInfo] = [:]
        for entry in entries { tensors[entry.name] = TensorInfo(dtype: entry.dtype, shape: entry.shape) }
        return (tensors, metadata)
    }

    private static func parseMetadata(_ value: JSON, source: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw SafeTensorsError.invalidMetadata(source: source, key: nil, detail: "is \(value.kindName), not an object")
        }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let string) = item else {
                throw SafeTensorsError.invalidMetadata(source: source, key: key, detail: "is \(item.kindName), not a string")
            }
            guard metadata.updateValue(string, forKey: key) == nil else {
                throw SafeTensorsError.invalidMetadata(source: source, key: key, detail: "appears more than once")
            }
        }
        return metadata
    }

    private static func parseEntry(name: String, value: JSON, bufferLength: Int, source: String) throws -> Entry {
        guard case .object(let members) = value else {
            throw SafeTensorsError.invalidValue(source: source, tensor: name, key: "(entry)",
                                                detail: "is \(value.kindName); it must be an object with \"dtype\", \"shape\" and \"data_offsets\"")
        }
        func field(_ key: String) throws -> JSON {
            let matches = members.filter { $0.key == key }
            guard let first = matches.first else {
                throw SafeTensorsError.missingKey(source: source, tensor: name, key: key)
            }
            guard matches.count == 1 else {
                throw SafeTensorsError.invalidValue(source: source, tensor: name, key: key, detail: "appears more than once")
            }
            return first.value
        }
        func integers(_ key: String, _ json: JSON) throws -> [Int] {
            guard case .array(let items) = json else {
                throw SafeTensorsError.invalidValue(source: source, tensor: name, key: key, detail: "is \(json.kindName), not an array of integers")
            }
            return try items.map { item in
                guard case .number(let text) = item else {
                    throw SafeTensorsError.invalidValue(source: source, tensor: name, key: key,
                                                        detail: "contains \(item.kindName); it must hold integers")
                }
                guard let int = Int(text) else {
                    throw SafeTensorsError.invalidValue(source: source, tensor: name, key: key,
                                                        detail: "contains \(text), not an integer within Int's range")
                }
                return int
            }
        }

        let dtypeJSON = try field("dtype")
        let shapeJSON = try field("shape")
        let offsetsJSON = try field("data_offsets")

        guard case .string(let dtypeName) = dtypeJSON else {
            throw SafeTensorsError.invalidValue(source: source, tensor: name, key: "dtype", detail: "is \(dtypeJSON.kindName), not a string such as \"F32\"")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(source: source, tensor: name, dtype: dtypeName)
        }
        guard dtype.isReadable else {
            throw SafeTensorsError.unsupportedDType(source: source, tensor: name, dtype: dtypeName)
        }

        let shape = try integers("shape", shapeJSON)
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsError.negativeDimension(source: source, tensor: name, shape: shape)
        }
        guard let count = elementCount(of: shape) else {
            throw SafeTensorsError.shapeTooLarge(source: source, tensor: name, shape: shape)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw SafeTensorsError.shapeTooLarge(source: source, tensor: name, shape: shape)
        }

        let offsets = try integers("data_offsets", offsetsJSON)
        guard offsets.count == 2 else {
            throw SafeTensorsError.invalidValue(source: source, tensor: name, key: "data_offsets",
                                                detail: "has \(offsets.count) element(s); it must be [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, end >= 0 else {
            throw SafeTensorsError.invalidValue(source: source, tensor: name, key: "data_offsets",
                                                detail: "is [\(begin), \(end)]; offsets must be >= 0")
        }
        guard begin <= end else {
            throw SafeTensorsError.reversedOffsets(source: source, tensor: name, begin: begin, end: end)
        }
        guard end <= bufferLength else {
            throw SafeTensorsError.offsetsOutOfBounds(source: source, tensor: name, begin: begin, end: end, bufferLength: bufferLength)
        }
        guard end - begin == byteCount else {
            throw SafeTensorsError.byteCountMismatch(source: source, tensor: name, dtype: dtypeName, shape: shape,
                                                     expected: byteCount, actual: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The tensors, sorted by offsets, must tile `0 ..< bufferLength` exactly.
    private static func checkCoverage(_ entries: [Entry], bufferLength: Int, source: String) throws {
        let sorted = entries.sorted {
            ($0.begin, $0.end) != ($1.begin, $1.end)
                ? ($0.begin, $0.end) < ($1.begin, $1.end)
                : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
        var covered = 0
        var previous: Entry?
        for entry in sorted {
            if entry.begin < covered {
                throw SafeTensorsError.overlappingTensors(source: source, first: previous?.name ?? "", second: entry.name)
            }
            if entry.begin > covered {
                throw SafeTensorsError.gapInData(source: source, after: previous?.name, before: entry.name,
                                                 begin: covered, end: entry.begin)
            }
            covered = entry.end
            previous = entry
        }
        if covered < bufferLength {
            throw SafeTensorsError.gapInData(source: source, after: previous?.name, before: nil,
                                             begin: covered, end: bufferLength)
        }
    }

    /// Little-endian elements of `dtype` → `Float`.
    private static func convert(_ bytes: UnsafeRawBufferPointer, dtype: DType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                #if _endian(little)
                if count > 0, let from = bytes.baseAddress, let to = out.baseAddress {
                    UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: 4 * count)
                }
                #else
                for i in 0 ..< count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
            case .f64:
                for i in 0 ..< count {
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            case .f16:
                for i in 0 ..< count {
                    out[i] = halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0 ..< count {
                    out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                }
            default:
                preconditionFailure("unreadable dtype \(dtype) passed validation")
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 bits → Float, exactly (every half is representable).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 0x1F:
            // Infinity or NaN (payload kept in the top mantissa bits).
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }

    // MARK: - JSON

    /// A parsed JSON value. Objects keep their members in order, duplicates included;
    /// numbers keep their text so integers are read exactly.
    indirect enum JSON {
        case object([(key: String, value: JSON)])
        case array([JSON])
        case string(String)
        case number(String)
        case bool(Bool)
        case null

        var kindName: String {
            switch self {
            case .object: return "an object"
            case .array: return "an array"
            case .string: return "a string"
            case .number: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            }
        }
    }

    /// A strict RFC 8259 parser over valid UTF-8 bytes, with a nesting limit so that
    /// hostile input cannot exhaust the stack.
    struct JSONParser {
        struct Failure: Error { var message: String }

        static let maximumDepth = 64
        let bytes: UnsafeRawBufferPointer
        var position = 0
        var depth = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func parseDocument() throws -> JSON {
            skipWhitespace()
            let value = try parseValue()
            skipWhitespace()
            guard position == bytes.count else { throw fail("unexpected \(describeCurrent()) after the top-level value") }
            return value
        }

        private func fail(_ message: String) -> Failure {
            Failure(message: "\(message) at byte \(position) of the header")
        }

        private func describeCurrent() -> String {
            guard position < bytes.count else { return "end of header" }
            let byte = bytes[position]
            return (0x21 ... 0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        }

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws {
            guard position < bytes.count, bytes[position] == byte else { throw fail("expected \(what), found \(describeCurrent())") }
            position += 1
        }

        private mutating func parseValue() throws -> JSON {
            guard position < bytes.count else { throw fail("unexpected end of header") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject()
            case UInt8(ascii: "["): return try parseArray()
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return .number(try parseNumber())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw fail("unexpected \(describeCurrent())")
            }
        }

        private mutating func literal(_ word: String) throws {
            for byte in word.utf8 {
                guard position < bytes.count, bytes[position] == byte else { throw fail("invalid literal (expected '\(word)')") }
                position += 1
            }
        }

        private mutating func enter() throws {
            depth += 1
            guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth) levels") }
        }

        private mutating func parseObject() throws -> JSON {
            try enter()
            defer { depth -= 1 }
            position += 1 // {
            var members: [(key: String, value: JSON)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key, found \(describeCurrent())")
                }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                members.append((key, try parseValue()))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return .object(members)
            }
        }

        private mutating func parseArray() throws -> JSON {
            try enter()
            defer { depth -= 1 }
            position += 1 // [
            var items: [JSON] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try parseValue())
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return .array(items)
            }
        }

        private mutating func parseNumber() throws -> String {
            let start = position
            func digits() -> Int {
                let from = position
                while position < bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
                return position - from
            }
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(bytes[position]) else {
                throw fail("invalid number")
            }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                _ = digits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw fail("invalid number (no digits after '.')") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw fail("invalid number (no digits in exponent)") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
        }

        private mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0 ..< 4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        private mutating func parseString() throws -> String {
            position += 1 // opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = position
            func flushRun() {
                if runStart < position {
                    scalars.append(contentsOf: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[runStart ..< position]), as: UTF8.self).unicodeScalars)
                }
            }
            while true {
                guard position < bytes.count else { throw fail("unterminated string") }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    flushRun()
                    position += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw fail("unescaped control character in string") }
                if byte != UInt8(ascii: "\\") { position += 1; continue }
                flushRun()
                position += 1
                guard position < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800 ..< 0xDC00).contains(code) {
                        guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00 ..< 0xE000).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("unpaired surrogate in \\u escape") }
                    scalars.append(scalar)
                default:
                    position -= 1
                    throw fail("invalid escape \\\(describeCurrent())")
                }
                runStart = position
            }
        }
    }
}
