import Foundation

// safetensors I/O: the shared types (tensor, dtype, errors).
// Reading lives in SafeTensors+Reading.swift, writing in SafeTensors+Writing.swift.
//
// File layout (https://github.com/huggingface/safetensors):
//
//     [8 bytes]  N, the header length, UInt64 little-endian
//     [N bytes]  UTF-8 JSON object, padded with trailing spaces (0x20)
//     [rest]     the data buffer: every tensor's bytes, little-endian, C (row-major) order
//
// Header: {"__metadata__": {"key": "value", ...},                 (optional, strings only)
//          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// `data_offsets` are byte offsets into the data buffer (end exclusive). The tensors must
// cover the buffer exactly: no overlaps, no holes, no trailing bytes.

/// One dense tensor as stored in a safetensors file: a shape and its elements in
/// C (row-major) order, as `Float`.
///
/// `values.count` must equal the product of `shape` (1 for the scalar shape `[]`,
/// 0 whenever a dimension is 0). Equality is element-wise `Float` equality, so a
/// tensor holding NaN is not equal to itself; the file round trip itself is bit-exact.
public struct SafeTensor: Equatable, Sendable {
    /// The dimensions, outermost first. `[]` is a scalar (one element).
    public var shape: [Int]
    /// The elements in C (row-major) order.
    public var values: [Float]

    /// A tensor of the given shape and elements (row-major).
    ///
    /// The pair is not validated here; ``SafeTensors/encode(_:metadata:)`` rejects a
    /// tensor whose `values.count` differs from the product of its shape.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// A 1-d tensor of shape `[values.count]`.
    public init(_ values: [Float]) {
        self.init(shape: [values.count], values: values)
    }

    /// A scalar, shape `[]`.
    public init(scalar: Float) {
        self.init(shape: [], values: [scalar])
    }

    /// The product of `shape` (1 for `[]`), or `nil` if a dimension is negative or
    /// the product overflows `Int`.
    public var elementCount: Int? {
        SafeTensors.elementCount(of: shape)
    }
}

/// Reads and writes the safetensors format.
///
/// Writing always produces `F32`; reading accepts `F32`, `F64`, `F16` and `BF16`
/// (the latter three converted to `Float`). Files written here are byte-identical
/// to those of the reference implementation (`safetensors.numpy.save_file`) for
/// the same float32 tensors and at most one metadata entry (the reference orders
/// several metadata keys arbitrarily; this writer sorts them).
public enum SafeTensors {
    /// The largest header accepted, in bytes (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// The element types of the format. Only `F32`, `F64`, `F16` and `BF16`
    /// can be read; the others are recognised so errors can name them.
    public enum DType: String, CaseIterable, Sendable {
        case bool = "BOOL"
        case u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32"
        case i64 = "I64", u64 = "U64", f64 = "F64"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
            case .i16, .u16, .f16, .bf16: return 2
            case .i32, .u32, .f32: return 4
            case .i64, .u64, .f64: return 8
            }
        }

        /// Whether ``SafeTensors/decode(_:)`` converts this type to `Float`.
        public var isReadable: Bool {
            switch self {
            case .f32, .f64, .f16, .bf16: return true
            default: return false
            }
        }

        /// The dtypes ``SafeTensors/decode(_:)`` accepts.
        public static let readable: [DType] = [.f32, .f64, .f16, .bf16]
    }

    /// The product of `shape` (1 for `[]`), or `nil` for a negative dimension or overflow.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

/// Everything that can go wrong reading or writing safetensors.
///
/// Each case carries where it happened (`source`: a file path, or `"<data>"` for
/// in-memory decoding; the tensor's name where one is involved) and its
/// ``description`` says what is wrong and how to fix it.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    // MARK: Reading: framing
    /// Fewer than the 8 bytes of the header-length prefix.
    case fileTooShort(source: String, byteCount: Int)
    /// The header length exceeds ``SafeTensors/maximumHeaderLength``.
    case headerTooLarge(source: String, headerLength: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerLengthExceedsFile(source: String, headerLength: UInt64, bytesAfterPrefix: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(source: String)
    /// The header is not valid JSON; `detail` names the position and problem.
    case headerNotJSON(source: String, detail: String)
    /// The header is valid JSON but not an object.
    case headerNotObject(source: String, found: String)

    // MARK: Reading: one tensor's entry
    /// The same tensor name appears twice in the header.
    case duplicateTensorName(source: String, tensor: String)
    /// A tensor entry is not an object, or lacks `dtype`, `shape` or `data_offsets`.
    case missingKey(source: String, tensor: String, key: String)
    /// A key of a tensor entry has the wrong JSON type or form.
    case invalidValue(source: String, tensor: String, key: String, detail: String)
    /// The dtype string is not one of the format's dtypes.
    case unknownDType(source: String, tensor: String, dtype: String)
    /// A known dtype this reader does not convert to Float (e.g. I64).
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// A dimension of the shape is negative.
    case negativeDimension(source: String, tensor: String, shape: [Int])
    /// The product of the shape (times the element size) overflows.
    case shapeTooLarge(source: String, tensor: String, shape: [Int])
    /// `begin > end` in `data_offsets`.
    case reversedOffsets(source: String, tensor: String, begin: Int, end: Int)
    /// `data_offsets` point past the end of the data buffer.
    case offsetsOutOfBounds(source: String, tensor: String, begin: Int, end: Int, bufferLength: Int)
    /// `end - begin` differs from element count × dtype size.
    case byteCountMismatch(source: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)

    // MARK: Reading: the buffer as a whole
    /// Two tensors share bytes.
    case overlappingTensors(source: String, first: String, second: String)
    /// Bytes of the data buffer belong to no tensor (`after` is nil at the buffer's start).
    case gapInData(source: String, after: String?, before: String?, begin: Int, end: Int)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(source: String, key: String?, detail: String)

    // MARK: Writing
    /// The encoded header (mostly metadata and names) would exceed ``SafeTensors/maximumHeaderLength``.
    case headerTooLargeToWrite(headerLength: Int, limit: Int)
    /// A tensor's `values.count` does not match its shape, or a dimension is negative.
    case shapeMismatch(tensor: String, shape: [Int], valueCount: Int)
    /// The name `__metadata__` is reserved for the metadata block.
    case reservedTensorName(tensor: String)
    /// The destination exists and `overwrite` was false.
    case fileExists(path: String)
    /// A file-system operation failed.
    case io(path: String, operation: String, detail: String)

    public var description: String {
        switch self {
        case let .fileTooShort(source, count):
            return "\(source): not a safetensors file: it has \(count) byte(s), fewer than the 8-byte header-length prefix. Check that the file was written completely."
        case let .headerTooLarge(source, length, limit):
            return "\(source): the header claims \(length) bytes, more than the \(limit)-byte limit; the file is corrupt or not safetensors. Re-export it with safetensors."
        case let .headerLengthExceedsFile(source, length, available):
            return "\(source): the header claims \(length) bytes but only \(available) follow the 8-byte prefix; the file is truncated or not safetensors. Re-export or re-download it."
        case let .headerNotUTF8(source):
            return "\(source): the header is not valid UTF-8; the file is corrupt or not safetensors. Re-export it."
        case let .headerNotJSON(source, detail):
            return "\(source): the header is not valid JSON (\(detail)). Re-export the file with safetensors."
        case let .headerNotObject(source, found):
            return "\(source): the header must be a JSON object mapping tensor names to entries, found \(found). Re-export the file with safetensors."
        case let .duplicateTensorName(source, tensor):
            return "\(source): tensor '\(tensor)' appears more than once in the header; names must be unique. Rename or drop one of them and re-export."
        case let .missingKey(source, tensor, key):
            return "\(source): tensor '\(tensor)' has no '\(key)'; each entry needs \"dtype\", \"shape\" and \"data_offsets\". Re-export the file with safetensors."
        case let .invalidValue(source, tensor, key, detail):
            return "\(source): tensor '\(tensor)': '\(key)' \(detail). Re-export the file with safetensors."
        case let .unknownDType(source, tensor, dtype):
            return "\(source): tensor '\(tensor)' has unknown dtype '\(dtype)'; known dtypes are \(SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")). Re-export it as F32."
        case let .unsupportedDType(source, tensor, dtype):
            return "\(source): tensor '\(tensor)' has dtype \(dtype), which this reader does not convert to Float (it reads \(SafeTensors.DType.readable.map(\.rawValue).joined(separator: ", "))). Convert it to float32 before saving, e.g. tensor.float()."
        case let .negativeDimension(source, tensor, shape):
            return "\(source): tensor '\(tensor)' has a negative dimension in shape \(shape); dimensions must be >= 0. Re-export the file."
        case let .shapeTooLarge(source, tensor, shape):
            return "\(source): tensor '\(tensor)' has shape \(shape), whose size overflows; the header is corrupt. Re-export the file."
        case let .reversedOffsets(source, tensor, begin, end):
            return "\(source): tensor '\(tensor)' has data_offsets [\(begin), \(end)] with begin after end; they must be [begin, end] with begin <= end. Re-export the file."
        case let .offsetsOutOfBounds(source, tensor, begin, end, length):
            return "\(source): tensor '\(tensor)' has data_offsets [\(begin), \(end)] past the end of the \(length)-byte data buffer; the file is truncated or corrupt. Re-export or re-download it."
        case let .byteCountMismatch(source, tensor, dtype, shape, expected, actual):
            return "\(source): tensor '\(tensor)' is \(dtype) with shape \(shape), which needs \(expected) bytes, but its data_offsets span \(actual). Fix the shape or offsets, or re-export the file."
        case let .overlappingTensors(source, first, second):
            return "\(source): tensors '\(first)' and '\(second)' overlap in the data buffer; each byte must belong to one tensor. Re-export the file with safetensors."
        case let .gapInData(source, after, before, begin, end):
            let location: String
            switch (after, before) {
            case let (a?, b?): location = "between tensors '\(a)' and '\(b)'"
            case let (nil, b?): location = "before the first tensor '\(b)'"
            case let (a?, nil): location = "after the last tensor '\(a)'"
            case (nil, nil): location = "with no tensors in the header"
            }
            return "\(source): bytes \(begin)..<\(end) of the data buffer belong to no tensor (\(location)); tensors must cover the buffer exactly. Re-export the file with safetensors."
        case let .invalidMetadata(source, key, detail):
            let what = key.map { "'__metadata__' entry '\($0)'" } ?? "'__metadata__'"
            return "\(source): \(what) \(detail); metadata must be an object of string keys to string values. Re-export the file with string metadata."
        case let .headerTooLargeToWrite(length, limit):
            return "Cannot write: the header would be \(length) bytes, more than the \(limit)-byte limit readers accept. Shorten the metadata or the tensor names."
        case let .shapeMismatch(tensor, shape, count):
            return "Cannot write tensor '\(tensor)': shape \(shape) \(SafeTensors.elementCount(of: shape).map { "holds \($0) element(s)" } ?? "is invalid (negative or overflowing dimension)") but it has \(count) value(s). Fix the shape or the values so they agree."
        case let .reservedTensorName(tensor):
            return "Cannot write a tensor named '\(tensor)': that name is reserved for the metadata block. Rename the tensor."
        case let .fileExists(path):
            return "\(path): the file already exists and overwrite is false. Pass overwrite: true to replace it, or choose another path."
        case let .io(path, operation, detail):
            return "\(path): \(operation) failed: \(detail)."
        }
    }
}
