import Foundation
import DistillCore

/// Checkpoints as `.safetensors`, loadable from PyTorch and numpy.
///
/// Tensor names and layouts (layer i counts dense layers from 0):
/// - `layers.{i}.weight`: `[outputs, inputs]` float32 — PyTorch `nn.Linear` layout
///   (the transpose of the in-memory `[inputs × outputs]` matrix);
/// - `layers.{i}.bias`: `[outputs]` float32.
/// ReLU follows every layer but the last. Metadata holds `architecture`
/// ("784-512-256-10"), `activation` ("relu") and caller-supplied keys.
extension MLP {
    /// The parameters as named tensors in the documented layout.
    public func namedTensors() -> [String: SafeTensor] {
        var out: [String: SafeTensor] = [:]
        let p = parameters.storage
        for (i, l) in layers.enumerated() {
            var w = [Float](repeating: 0, count: l.inputs * l.outputs)
            for r in 0..<l.inputs { for c in 0..<l.outputs { w[c * l.inputs + r] = p[l.weightOffset + r * l.outputs + c] } }
            out["layers.\(i).weight"] = SafeTensor(shape: [l.outputs, l.inputs], values: w)
            out["layers.\(i).bias"] = SafeTensor(shape: [l.outputs], values: Array(UnsafeBufferPointer(start: p + l.biasOffset, count: l.outputs)))
        }
        return out
    }

    /// Writes the checkpoint atomically; refuses to replace an existing file unless `overwrite`.
    public func save(to url: URL, metadata: [String: String] = [:], overwrite: Bool = false) throws {
        var meta = metadata
        meta["architecture"] = architecture
        meta["activation"] = "relu"
        try SafeTensors.write(namedTensors(), metadata: meta, to: url, overwrite: overwrite)
    }

    /// Loads a checkpoint written by `save` (or any file with the same names and shapes).
    /// - Throws: `CheckpointError` naming the missing or mis-shaped tensor.
    public static func load(from url: URL) throws -> (model: MLP, metadata: [String: String]) {
        let (tensors, meta) = try SafeTensors.read(from: url)
        var sizes: [Int] = []
        var i = 0
        while let w = tensors["layers.\(i).weight"] {
            guard w.shape.count == 2 else { throw CheckpointError.badShape(file: url.path, tensor: "layers.\(i).weight", shape: w.shape) }
            // A zero width is a valid safetensors shape but no MLP layer; refuse it here, not as a trap in MLP.init.
            guard w.shape.allSatisfy({ $0 > 0 }) else { throw CheckpointError.emptyLayer(file: url.path, tensor: "layers.\(i).weight", shape: w.shape) }
            if i == 0 { sizes.append(w.shape[1]) }
            guard w.shape[1] == sizes.last else { throw CheckpointError.badShape(file: url.path, tensor: "layers.\(i).weight", shape: w.shape) }
            sizes.append(w.shape[0])
            i += 1
        }
        guard sizes.count >= 2 else { throw CheckpointError.missing(file: url.path, tensor: "layers.0.weight") }
        let model = MLP(sizes: sizes)
        for (li, l) in model.layers.enumerated() {
            guard let b = tensors["layers.\(li).bias"] else { throw CheckpointError.missing(file: url.path, tensor: "layers.\(li).bias") }
            guard b.shape == [l.outputs] else { throw CheckpointError.badShape(file: url.path, tensor: "layers.\(li).bias", shape: b.shape) }
        }
        let expected = Set(model.layers.indices.flatMap { ["layers.\($0).weight", "layers.\($0).bias"] })
        let extra = tensors.keys.filter { !expected.contains($0) }.sorted()
        guard extra.isEmpty else { throw CheckpointError.unexpected(file: url.path, names: extra) }
        let p = model.parameters.storage
        for (li, l) in model.layers.enumerated() {
            let w = tensors["layers.\(li).weight"]!
            let b = tensors["layers.\(li).bias"]!
            for r in 0..<l.inputs { for c in 0..<l.outputs { p[l.weightOffset + r * l.outputs + c] = w.values[c * l.inputs + r] } }
            for c in 0..<l.outputs { p[l.biasOffset + c] = b.values[c] }
        }
        return (model, meta)
    }
}

/// A checkpoint that does not describe an MLP; the message names the tensor.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missing(file: String, tensor: String)
    case badShape(file: String, tensor: String, shape: [Int])
    case unexpected(file: String, names: [String])
    case emptyLayer(file: String, tensor: String, shape: [Int])

    public var description: String {
        switch self {
        case let .missing(f, t): return "\(f): tensor '\(t)' is missing; an MLP checkpoint has layers.{i}.weight [out, in] and layers.{i}.bias [out]"
        case let .badShape(f, t, s): return "\(f): tensor '\(t)' has shape \(s), which does not chain with its neighbours"
        case let .emptyLayer(f, t, s): return "\(f): tensor '\(t)' has shape \(s), a layer of zero width; every layer needs at least one input and one output, so re-export the model with positive widths"
        case let .unexpected(f, n): return "\(f): unexpected tensors \(n); an MLP checkpoint holds only layers.{i}.weight and layers.{i}.bias"
        }
    }
}
