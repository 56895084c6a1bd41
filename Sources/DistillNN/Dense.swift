import DistillCore

/// Where one dense layer's weights and bias live inside the MLP's flat
/// parameter (and gradient) buffer. Weights are stored `[inputs × outputs]`
/// row-major so the forward pass is one `X · W` sgemm with no transpose.
public struct DenseLayout: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    /// Offset of `W` (inputs·outputs values) in the flat buffer.
    public let weightOffset: Int
    /// Offset of `b` (outputs values) in the flat buffer.
    public let biasOffset: Int
    public var parameterCount: Int { inputs * outputs + outputs }
}

/// A dense (fully connected) layer `Y = X · W + b`, forward and backward side
/// by side. Stateless: parameters, gradients and activations are explicit
/// buffers owned by the caller.
public enum Dense {
    /// Forward: `y[B×out] = x[B×in] · W[in×out] + b`.
    /// - Complexity: 2·B·in·out flops in one sgemm.
    @inlinable
    public static func forward(x: UnsafePointer<Float>, batch: Int, layout l: DenseLayout,
                               parameters p: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        Kernels.broadcastRows(p + l.biasOffset, into: y, rows: batch, cols: l.outputs)
        BLAS.gemm(.none, .none, m: batch, n: l.outputs, k: l.inputs,
                  a: x, lda: l.inputs, b: p + l.weightOffset, ldb: l.outputs,
                  beta: 1, c: y, ldc: l.outputs)
    }

    /// Backward: given `dy = ∂L/∂y`, writes `dW = xᵀ·dy`, `db = dyᵀ·1` into
    /// the gradient buffer (overwriting) and, if `dx` is non-nil, `dx = dy·Wᵀ`.
    /// - Parameter ones: at least `batch` ones (column sums as one sgemv).
    @inlinable
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, batch: Int,
                                layout l: DenseLayout, parameters p: UnsafePointer<Float>,
                                gradients g: UnsafeMutablePointer<Float>,
                                dx: UnsafeMutablePointer<Float>?, ones: UnsafePointer<Float>) {
        BLAS.gemm(.transpose, .none, m: l.inputs, n: l.outputs, k: batch,
                  a: x, lda: l.inputs, b: dy, ldb: l.outputs,
                  beta: 0, c: g + l.weightOffset, ldc: l.outputs)
        BLAS.gemv(.transpose, rows: batch, cols: l.outputs, a: dy, lda: l.outputs,
                  x: ones, beta: 0, y: g + l.biasOffset)
        if let dx {
            BLAS.gemm(.none, .transpose, m: batch, n: l.inputs, k: l.outputs,
                      a: dy, lda: l.outputs, b: p + l.weightOffset, ldb: l.outputs,
                      beta: 0, c: dx, ldc: l.inputs)
        }
    }
}
