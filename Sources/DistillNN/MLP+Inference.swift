import Foundation
import DistillCore

extension MLP {
    /// Logits for every row of `features`, computed in chunks of `chunk` rows.
    /// - Complexity: one forward pass per chunk; allocates the result and one chunk's activations.
    public func logits(_ features: Matrix, chunk: Int = 1024) -> Matrix {
        precondition(features.cols == inputSize, "inputs have \(features.cols) features, model expects \(inputSize)")
        let out = Matrix(rows: features.rows, cols: classCount)
        let acts = MLPActivations(for: self, capacity: max(1, min(chunk, features.rows)))
        var start = 0
        while start < features.rows {
            let rows = min(acts.capacity, features.rows - start)
            let z = forward(features.row(start), batch: rows, activations: acts)
            out.row(start).update(from: z, count: rows * classCount)
            start += rows
        }
        return out
    }

    /// Softmax probabilities for every row of `features`.
    public func probabilities(_ features: Matrix, chunk: Int = 1024) -> Matrix {
        let z = logits(features, chunk: chunk)
        Kernels.softmaxRows(z.storage, z.storage, rows: z.rows, cols: z.cols)
        return z
    }

    /// Top-1 class of every row.
    public func predictions(_ features: Matrix) -> [Int32] {
        logits(features).argmaxRows()
    }

    /// Mean cross-entropy and accuracy on labelled data, using `activations` as scratch.
    public func evaluate(_ features: Matrix, labels: [Int32], activations a: MLPActivations) -> (loss: Double, accuracy: Double) {
        let k = classCount
        var loss = 0.0, correct = 0
        var start = 0
        labels.withUnsafeBufferPointer { y in
            while start < features.rows {
                let rows = min(a.capacity, features.rows - start)
                let z = forward(features.row(start), batch: rows, activations: a)
                for i in 0..<rows where Kernels.argmax(z + i * k, count: k) == Int(y[start + i]) { correct += 1 }
                loss += Losses.crossEntropy(logits: z, labels: y.baseAddress! + start, rows: rows, classes: k,
                                            gradient: a.logitsGradient.storage, scale: 0)
                start += rows
            }
        }
        return (loss / Double(max(features.rows, 1)), Double(correct) / Double(max(features.rows, 1)))
    }
}
