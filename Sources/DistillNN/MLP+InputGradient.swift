import DistillCore

/// Gradients with respect to the model's *inputs* (not its parameters), for
/// attacks that move queries along the model's gradient (Papernot et al.'s
/// Jacobian-based dataset augmentation, adversarial examples).
///
/// `backward` deliberately skips the first layer's ∂L/∂x (training never needs
/// it); this is a separate pass that propagates only input gradients and
/// leaves `gradients` (the parameter gradients) untouched.
extension MLP {
    /// ∂L/∂input for `batch` rows, given ∂L/∂logits in `activations.logitsGradient`.
    ///
    /// Must follow `forward` on the same input and batch (the ReLU masks are
    /// read from `activations.outputs`). Overwrites the hidden layers'
    /// `activations.gradients` as scratch; never writes `gradients`.
    /// - Parameters:
    ///   - dx: receives `batch × inputSize` values (row stride `inputSize`).
    /// - Precondition: `batch <= activations.capacity`.
    /// - Complexity: 2·batch·Σ(in·out) flops, one sgemm per layer (`dy · Wᵀ`).
    public func inputGradient(batch: Int, activations a: MLPActivations, into dx: UnsafeMutablePointer<Float>) {
        precondition(batch <= a.capacity, "batch \(batch) exceeds activation capacity \(a.capacity)")
        let p = UnsafePointer(parameters.storage)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let l = layers[i]
            let target = i == 0 ? dx : a.gradients[i - 1].storage
            BLAS.gemm(.none, .transpose, m: batch, n: l.inputs, k: l.outputs,
                      a: a.gradients[i].storage, lda: l.outputs, b: p + l.weightOffset, ldb: l.outputs,
                      beta: 0, c: target, ldc: l.inputs)
            // Hidden outputs are post-ReLU: the gradient passes only where they are positive.
            if i > 0 { Kernels.reluBackward(output: a.outputs[i - 1].storage, gradient: target, count: batch * l.inputs) }
        }
    }

    /// ∂(Σ_j g_ij · z_ij)/∂x_i for every row i: the input gradient of a scalar
    /// whose gradient with respect to the logits z is `logitsGradient` (N × classes).
    ///
    /// Because the pass is linear in `logitsGradient`, a one-hot row e_c gives
    /// ∇ₓ z_c (the Jacobian row of class c) and `softmax(z) − e_y` gives the
    /// input gradient of the cross-entropy.
    /// - Precondition: `features.cols == inputSize`, `logitsGradient` is `features.rows × classCount`.
    /// - Complexity: one forward and one input-backward pass per chunk of `chunk` rows.
    public func inputGradients(_ features: Matrix, logitsGradient: Matrix, chunk: Int = 256) -> Matrix {
        precondition(features.cols == inputSize, "inputs have \(features.cols) features, model expects \(inputSize)")
        precondition(logitsGradient.rows == features.rows && logitsGradient.cols == classCount,
                     "logits gradient is \(logitsGradient.rows)×\(logitsGradient.cols), expected \(features.rows)×\(classCount)")
        let out = Matrix(rows: features.rows, cols: inputSize)
        guard features.rows > 0 else { return out }
        let acts = MLPActivations(for: self, capacity: max(1, min(chunk, features.rows)))
        var start = 0
        while start < features.rows {
            let rows = min(acts.capacity, features.rows - start)
            forward(features.row(start), batch: rows, activations: acts)
            acts.logitsGradient.storage.update(from: logitsGradient.row(start), count: rows * classCount)
            inputGradient(batch: rows, activations: acts, into: out.row(start))
            start += rows
        }
        return out
    }

    /// ∇ₓ z_c(x) for every row, where c = `classes[row]` and z the logits:
    /// the Jacobian row Papernot et al. (2017) step along.
    /// - Precondition: one class per row, each in `0..<classCount`.
    public func logitGradients(_ features: Matrix, classes: [Int32], chunk: Int = 256) -> Matrix {
        precondition(classes.count == features.rows, "\(features.rows) rows but \(classes.count) classes")
        let g = Matrix(rows: features.rows, cols: classCount)
        for (r, c) in classes.enumerated() {
            precondition(c >= 0 && Int(c) < classCount, "class \(c) is outside 0..<\(classCount)")
            g[r, Int(c)] = 1
        }
        return inputGradients(features, logitsGradient: g, chunk: chunk)
    }
}
