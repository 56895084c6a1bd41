import Foundation

/// A row-major Float32 matrix that owns one 64-byte-aligned heap buffer.
///
/// A reference type on purpose: layers, optimizers and the trainer share and
/// reuse buffers sized once, so the training loop allocates nothing per step.
/// Use `copy()` for an independent copy.
public final class Matrix {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the row stride; rows are contiguous).
    public let cols: Int
    /// The `rows * cols` elements, row after row.
    public let storage: UnsafeMutablePointer<Float>

    /// Number of elements, `rows * cols`.
    @inlinable public var count: Int { rows * cols }

    /// A zero-filled `rows × cols` matrix.
    /// - Precondition: `rows >= 0`, `cols >= 0`.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        let bytes = max(rows * cols, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, 64, bytes)
        precondition(status == 0 && raw != nil, "Out of memory allocating a \(rows)×\(cols) matrix")
        storage = raw!.bindMemory(to: Float.self, capacity: max(rows * cols, 1))
        storage.initialize(repeating: 0, count: max(rows * cols, 1))
    }

    /// A matrix holding `values` row by row.
    /// - Precondition: `values.count == rows * cols`.
    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "Expected \(rows * cols) values for a \(rows)×\(cols) matrix, got \(values.count)")
        self.init(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.update(from: base, count: values.count) }
        }
    }

    /// A matrix from nested rows; all rows must have the same length.
    public convenience init(_ rowsOfValues: [[Float]]) {
        let cols = rowsOfValues.first?.count ?? 0
        precondition(rowsOfValues.allSatisfy { $0.count == cols }, "Ragged rows")
        self.init(rows: rowsOfValues.count, cols: cols, values: rowsOfValues.flatMap { $0 })
    }

    deinit { free(storage) }

    /// Element at (`row`, `col`). Bounds are checked.
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "Index (\(row), \(col)) out of bounds for \(rows)×\(cols)")
            return storage[row * cols + col]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "Index (\(row), \(col)) out of bounds for \(rows)×\(cols)")
            storage[row * cols + col] = newValue
        }
    }

    /// Pointer to the first element of `row`.
    @inlinable public func row(_ row: Int) -> UnsafeMutablePointer<Float> {
        storage + row * cols
    }

    /// The elements as an array (row-major).
    public var values: [Float] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// The elements of one row as an array.
    public func rowValues(_ r: Int) -> [Float] { Array(UnsafeBufferPointer(start: row(r), count: cols)) }

    /// An independent copy.
    public func copy() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        m.storage.update(from: storage, count: count)
        return m
    }

    /// Copies all elements from `other`, which must have the same shape.
    public func assign(from other: Matrix) {
        precondition(other.rows == rows && other.cols == cols, "Shape mismatch: \(rows)×\(cols) ← \(other.rows)×\(other.cols)")
        storage.update(from: other.storage, count: count)
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { storage.update(repeating: value, count: count) }

    /// A new matrix made of the given rows of this one, in that order. O(k·cols).
    public func gatherRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        let m = Matrix(rows: indices.count, cols: cols)
        for (i, r) in indices.enumerated() {
            precondition(r >= 0 && r < rows, "Row \(r) out of bounds for \(rows) rows")
            (m.storage + i * cols).update(from: row(r), count: cols)
        }
        return m
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = (0..<min(rows, 6)).map { r in
            (0..<min(cols, 8)).map { String(format: "%9.4f", storage[r * cols + $0]) }.joined(separator: " ")
        }
        return "Matrix(\(rows)×\(cols))\n" + shown.joined(separator: "\n")
    }
}
