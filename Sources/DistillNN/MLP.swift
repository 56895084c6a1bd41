import DistillCore

/// How initial weights are drawn (biases start at zero).
public enum WeightInitialization: String, Codable, Sendable, CaseIterable {
    /// He/Kaiming normal, std = √(2 / fan_in): for layers followed by ReLU.
    case he
    /// Xavier/Glorot uniform, limit = √(6 / (fan_in + fan_out)).
    case xavier
}

/// A multilayer perceptron: dense layers with ReLU between them, logits out.
///
/// All parameters live in one flat buffer (and all gradients in another of the
/// same layout), so optimizers update one vector and checkpoints are views.
public final class MLP {
    /// Layer widths, input first, classes last (e.g. `[784, 512, 256, 10]`).
    public let sizes: [Int]
    /// One layout per dense layer.
    public let layers: [DenseLayout]
    /// All weights and biases, layer by layer (`W` then `b`).
    public let parameters: Matrix
    /// Gradients, same layout as `parameters`; overwritten by `backward`.
    public let gradients: Matrix

    public var inputSize: Int { sizes[0] }
    public var classCount: Int { sizes[sizes.count - 1] }
    public var parameterCount: Int { parameters.count }
    /// The architecture as text, e.g. "784-512-256-10".
    public var architecture: String { sizes.map(String.init).joined(separator: "-") }

    /// An MLP with zeroed parameters.
    /// - Precondition: at least two sizes, all positive.
    public init(sizes: [Int]) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "MLP sizes must be ≥ 2 positive widths, got \(sizes)")
        self.sizes = sizes
        var offset = 0
        var layouts: [DenseLayout] = []
        for i in 0..<(sizes.count - 1) {
            let (n, m) = (sizes[i], sizes[i + 1])
            layouts.append(DenseLayout(inputs: n, outputs: m, weightOffset: offset, biasOffset: offset + n * m))
            offset += n * m + m
        }
        layers = layouts
        parameters = Matrix(rows: 1, cols: offset)
        gradients = Matrix(rows: 1, cols: offset)
    }

    /// An MLP initialised from `rng` (deterministic for a given stream).
    public convenience init(sizes: [Int], initialization: WeightInitialization = .he, rng: inout RandomStream) {
        self.init(sizes: sizes)
        reinitialize(initialization, rng: &rng)
    }

    /// Draws fresh weights; biases are set to zero.
    public func reinitialize(_ initialization: WeightInitialization, rng: inout RandomStream) {
        let p = parameters.storage
        for l in layers {
            let w = p + l.weightOffset
            let n = l.inputs * l.outputs
            switch initialization {
            case .he:
                let std = (2.0 / Double(l.inputs)).squareRoot()
                for i in 0..<n { w[i] = Float(rng.normal() * std) }
            case .xavier:
                let limit = (6.0 / Double(l.inputs + l.outputs)).squareRoot()
                for i in 0..<n { w[i] = Float((rng.uniform() * 2 - 1) * limit) }
            }
            (p + l.biasOffset).update(repeating: 0, count: l.outputs)
        }
    }

    /// Offsets ranges of weight matrices (decayed) in the flat buffer; biases are not decayed.
    public var weightRanges: [Range<Int>] {
        layers.map { $0.weightOffset..<($0.weightOffset + $0.inputs * $0.outputs) }
    }

    /// An independent copy (parameters only; gradients start at zero).
    public func copy() -> MLP {
        let m = MLP(sizes: sizes)
        m.parameters.assign(from: parameters)
        return m
    }
}

/// Activation buffers for batches of up to `capacity` rows: one output and one
/// gradient buffer per layer, sized once (llm.c style) so a training step
/// allocates nothing.
public final class MLPActivations {
    public let capacity: Int
    /// `outputs[l]` is layer l's output (post-ReLU for hidden layers, logits last).
    public let outputs: [Matrix]
    /// `gradients[l]` is ∂L/∂outputs[l] (for hidden layers, pre-ReLU after backward).
    public let gradients: [Matrix]
    /// `capacity` ones, for bias gradients as one sgemv.
    public let ones: Matrix

    public init(for model: MLP, capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        outputs = model.layers.map { Matrix(rows: capacity, cols: $0.outputs) }
        gradients = model.layers.map { Matrix(rows: capacity, cols: $0.outputs) }
        ones = Matrix(rows: 1, cols: capacity)
        ones.fill(1)
    }

    /// The logits buffer (last layer's output).
    public var logits: Matrix { outputs[outputs.count - 1] }
    /// Where a loss writes ∂L/∂logits before `backward`.
    public var logitsGradient: Matrix { gradients[gradients.count - 1] }
}

extension MLP {
    /// Forward pass over `batch` rows of `input` (row stride `inputSize`).
    /// Returns the logits (`batch × classCount`, row stride `classCount`) in `activations`.
    /// - Precondition: `batch <= activations.capacity`.
    /// - Complexity: 2·batch·Σ(in·out) flops, all in sgemm.
    @discardableResult
    public func forward(_ input: UnsafePointer<Float>, batch: Int, activations a: MLPActivations) -> UnsafeMutablePointer<Float> {
        precondition(batch <= a.capacity, "batch \(batch) exceeds activation capacity \(a.capacity)")
        var x = input
        for (i, l) in layers.enumerated() {
            let y = a.outputs[i].storage
            Dense.forward(x: x, batch: batch, layout: l, parameters: parameters.storage, y: y)
            if i < layers.count - 1 { Kernels.reluForward(y, count: batch * l.outputs) }
            x = UnsafePointer(y)
        }
        return a.logits.storage
    }

    /// Backward pass: reads ∂L/∂logits from `activations.logitsGradient` and
    /// overwrites `gradients`. Must follow `forward` on the same input and batch.
    public func backward(_ input: UnsafePointer<Float>, batch: Int, activations a: MLPActivations) {
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let l = layers[i]
            let x = i == 0 ? input : UnsafePointer(a.outputs[i - 1].storage)
            let dx = i == 0 ? nil : a.gradients[i - 1].storage
            Dense.backward(x: x, dy: a.gradients[i].storage, batch: batch, layout: l,
                           parameters: parameters.storage, gradients: gradients.storage,
                           dx: dx, ones: a.ones.storage)
            if let dx { Kernels.reluBackward(output: a.outputs[i - 1].storage, gradient: dx, count: batch * l.inputs) }
        }
    }
}
