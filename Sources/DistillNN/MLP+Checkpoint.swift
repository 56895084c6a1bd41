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
    /// - Throws: `SafeTensorsError` for a file that is not valid safetensors,
    ///   `CheckpointError` naming the missing or mis-shaped tensor.
    public static func load(from url: URL) throws -> (model: MLP, metadata: [String: String]) {
        let (tensors, meta) = try SafeTensors.read(from: url)
        return (try model(from: tensors, source: url.path), meta)
    }

    /// Loads a checkpoint from its bytes, as `load(from:)` does; `source` (a path) is named in errors.
    public static func load(from data: Data, source: String) throws -> (model: MLP, metadata: [String: String]) {
        let (tensors, meta) = try SafeTensors.decode(data, source: source)
        return (try model(from: tensors, source: source), meta)
    }

    /// The layer widths of the checkpoint at `url`, input first, read from its
    /// header alone (no weight is read), with every check `load` makes on names
    /// and shapes; the metadata too.
    /// - Throws: `SafeTensorsError`, `CheckpointError` as `load`.
    public static func checkpointSizes(at url: URL) throws -> (sizes: [Int], metadata: [String: String]) {
        let (tensors, meta) = try SafeTensors.readHeader(from: url)
        return (try sizes(shapes: tensors.mapValues(\.shape), source: url.path), meta)
    }

    /// The widths the named shapes describe, input first.
    /// - Throws: `CheckpointError` for a missing, mis-shaped, zero-width or unexpected tensor.
    static func sizes(shapes: [String: [Int]], source: String) throws -> [Int] {
        var sizes: [Int] = []
        var i = 0
        while let w = shapes["layers.\(i).weight"] {
            guard w.count == 2 else { throw CheckpointError.badShape(file: source, tensor: "layers.\(i).weight", shape: w) }
            // A zero width is a valid safetensors shape but no MLP layer; refuse it here, not as a trap in MLP.init.
            guard w.allSatisfy({ $0 > 0 }) else { throw CheckpointError.emptyLayer(file: source, tensor: "layers.\(i).weight", shape: w) }
            if i == 0 { sizes.append(w[1]) }
            guard w[1] == sizes.last else { throw CheckpointError.badShape(file: source, tensor: "layers.\(i).weight", shape: w) }
            sizes.append(w[0])
            i += 1
        }
        guard sizes.count >= 2 else { throw CheckpointError.missing(file: source, tensor: "layers.0.weight") }
        for li in 0..<(sizes.count - 1) {
            guard let b = shapes["layers.\(li).bias"] else { throw CheckpointError.missing(file: source, tensor: "layers.\(li).bias") }
            guard b == [sizes[li + 1]] else { throw CheckpointError.badShape(file: source, tensor: "layers.\(li).bias", shape: b) }
        }
        let expected = Set((0..<(sizes.count - 1)).flatMap { ["layers.\($0).weight", "layers.\($0).bias"] })
        let extra = shapes.keys.filter { !expected.contains($0) }.sorted()
        guard extra.isEmpty else { throw CheckpointError.unexpected(file: source, names: extra) }
        return sizes
    }

    /// The MLP holding `tensors` (checked by `sizes(shapes:source:)`).
    static func model(from tensors: [String: SafeTensor], source: String) throws -> MLP {
        let model = MLP(sizes: try sizes(shapes: tensors.mapValues(\.shape), source: source))
        let p = model.parameters.storage
        for (li, l) in model.layers.enumerated() {
            let w = tensors["layers.\(li).weight"]!
            let b = tensors["layers.\(li).bias"]!
            for r in 0..<l.inputs { for c in 0..<l.outputs { p[l.weightOffset + r * l.outputs + c] = w.values[c * l.inputs + r] } }
            for c in 0..<l.outputs { p[l.biasOffset + c] = b.values[c] }
        }
        return model
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
