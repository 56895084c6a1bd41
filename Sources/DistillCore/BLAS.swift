import Foundation
import COpenBLAS

/// Thin, checked wrappers over OpenBLAS (row-major, Float32).
///
/// Debian's OpenBLAS uses 32-bit integers for dimensions; every size is
/// checked to fit before the call.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transpose
        @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    @usableFromInline static func i32(_ v: Int, _ what: StaticString) -> Int32 {
        precondition(v >= 0 && v <= Int(Int32.max), "BLAS dimension \(what) = \(v) does not fit in Int32")
        return Int32(v)
    }

    /// `C = alpha · op(A) · op(B) + beta · C` where op(A) is m×k, op(B) is k×n and C is m×n.
    /// Leading dimensions are the row strides of the stored (untransposed) arrays.
    /// - Complexity: 2·m·n·k floating-point operations.
    @inlinable
    public static func gemm(_ transA: Transpose, _ transB: Transpose,
                            m: Int, n: Int, k: Int,
                            alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas,
                    i32(m, "m"), i32(n, "n"), i32(k, "k"),
                    alpha, a, i32(lda, "lda"), b, i32(ldb, "ldb"),
                    beta, c, i32(ldc, "ldc"))
    }

    /// `y = alpha · op(A) · x + beta · y` for a stored rows×cols matrix A.
    @inlinable
    public static func gemv(_ trans: Transpose, rows: Int, cols: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, beta: Float = 0,
                            y: UnsafeMutablePointer<Float>) {
        if rows == 0 || cols == 0 { return }
        cblas_sgemv(CblasRowMajor, trans.cblas, i32(rows, "rows"), i32(cols, "cols"),
                    alpha, a, i32(lda, "lda"), x, 1, beta, y, 1)
    }

    /// `y += alpha · x` over `count` elements.
    @inlinable
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(i32(count, "count"), alpha, x, 1, y, 1)
    }

    /// `x *= alpha` over `count` elements.
    @inlinable
    public static func scal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
        cblas_sscal(i32(count, "count"), alpha, x, 1)
    }

    /// Dot product of two `count`-element vectors.
    @inlinable
    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(i32(count, "count"), x, 1, y, 1)
    }

    /// Number of threads OpenBLAS uses for level-3 calls. Part of every run
    /// record: results are bit-identical only for the same thread count.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "BLAS thread count must be at least 1")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// The kernel family OpenBLAS selected at load time (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// How the kernels were chosen, for settings.json: "pinned" (`DISTILL_LAB_BLAS=pinned`,
    /// Haswell kernels on every CPU), "best" (the fastest for this CPU), or the user's own
    /// `OPENBLAS_CORETYPE=…`.
    public static var kernelMode: String {
        let env = ProcessInfo.processInfo.environment
        if env["DISTILL_LAB_BLAS"] == "pinned" { return "pinned" }
        if let core = env["OPENBLAS_CORETYPE"], env["DISTILL_LAB_BLAS_REEXEC"] == nil { return "OPENBLAS_CORETYPE=\(core)" }
        return "best"
    }

    /// OpenBLAS build configuration string.
    public static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }
}

extension Matrix {
    /// `C = alpha · op(A) · op(B) + beta · C` on whole matrices. Shapes are checked.
    public static func gemm(_ transA: BLAS.Transpose = .none, _ a: Matrix,
                            _ transB: BLAS.Transpose = .none, _ b: Matrix,
                            into c: Matrix, alpha: Float = 1, beta: Float = 0) {
        let (m, ka) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        let (kb, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
        precondition(ka == kb, "Inner dimensions differ: \(ka) vs \(kb)")
        precondition(c.rows == m && c.cols == n, "Output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        BLAS.gemm(transA, transB, m: m, n: n, k: ka, alpha: alpha,
                  a: a.storage, lda: max(a.cols, 1), b: b.storage, ldb: max(b.cols, 1),
                  beta: beta, c: c.storage, ldc: max(c.cols, 1))
    }

    /// `op(A) · op(B)` as a new matrix.
    public static func product(_ a: Matrix, _ b: Matrix,
                               transA: BLAS.Transpose = .none, transB: BLAS.Transpose = .none) -> Matrix {
        let m = transA == .none ? a.rows : a.cols
        let n = transB == .none ? b.cols : b.rows
        let c = Matrix(rows: m, cols: n)
        gemm(transA, a, transB, b, into: c)
        return c
    }
}
