import DistillCore
import Foundation

extension GPT {
    /// The parameters under GPT-2's tensor names in HF layout (Conv1D weights [in × out]).
    public func namedTensors() -> [String: SafeTensor] {
        let (V, T, C, L) = (config.vocabularySize, config.context, config.channels, config.layers)
        func slice(_ i: Int, _ l: Int, _ shape: [Int]) -> SafeTensor {
            let n = shape.reduce(1, *)
            return SafeTensor(shape: shape, values: Array(UnsafeBufferPointer(start: p(i) + l * n, count: n)))
        }
        var t: [String: SafeTensor] = ["wte.weight": slice(0, 0, [V, C]), "wpe.weight": slice(1, 0, [T, C]),
                                       "ln_f.weight": slice(14, 0, [C]), "ln_f.bias": slice(15, 0, [C])]
        for l in 0..<L {
            let h = "h.\(l)."
            t[h + "ln_1.weight"] = slice(2, l, [C]); t[h + "ln_1.bias"] = slice(3, l, [C])
            t[h + "attn.c_attn.weight"] = slice(4, l, [C, 3 * C]); t[h + "attn.c_attn.bias"] = slice(5, l, [3 * C])
            t[h + "attn.c_proj.weight"] = slice(6, l, [C, C]); t[h + "attn.c_proj.bias"] = slice(7, l, [C])
            t[h + "ln_2.weight"] = slice(8, l, [C]); t[h + "ln_2.bias"] = slice(9, l, [C])
            t[h + "mlp.c_fc.weight"] = slice(10, l, [C, 4 * C]); t[h + "mlp.c_fc.bias"] = slice(11, l, [4 * C])
            t[h + "mlp.c_proj.weight"] = slice(12, l, [4 * C, C]); t[h + "mlp.c_proj.bias"] = slice(13, l, [C])
        }
        return t
    }

    /// Saves the model as safetensors (GPT-2 names, config in `__metadata__`), atomically.
    public func save(to url: URL, overwrite: Bool = false) throws {
        try SafeTensors.write(namedTensors(), metadata: config.metadata, to: url, overwrite: overwrite)
    }

    /// Loads a model saved by ``save(to:)`` (or any GPT-2-named file with the config metadata).
    /// - Throws: ``SafeTensorsError`` for a corrupt file, ``GPTError/checkpoint(path:detail:)`` for missing,
    ///   extra or mis-shaped tensors or missing config.
    public static func load(from url: URL) throws -> GPT {
        let (tensors, metadata) = try SafeTensors.read(from: url)
        let config = try GPTConfig(metadata: metadata, source: url.path)
        var rng = RandomStream(seed: 0, label: "unused")
        let model = GPT(config: config, rng: &rng)
        let expected = model.namedTensors()
        for name in tensors.keys.sorted() where expected[name] == nil {
            throw GPTError.checkpoint(path: url.path, detail: "unexpected tensor \"\(name)\"; the file does not match a GPT of \(config)")
        }
        let (C, L) = (config.channels, config.layers)
        func put(_ name: String, _ i: Int, _ l: Int) throws {
            guard let t = tensors[name] else {
                throw GPTError.checkpoint(path: url.path, detail: "tensor \"\(name)\" is missing; the file is incomplete")
            }
            let want = expected[name]!.shape
            guard t.shape == want else {
                throw GPTError.checkpoint(path: url.path, detail: "tensor \"\(name)\" has shape \(t.shape), expected \(want) for \(config)")
            }
            let n = t.values.count
            t.values.withUnsafeBufferPointer { (model.p(i) + l * n).update(from: $0.baseAddress!, count: n) }
        }
        try put("wte.weight", 0, 0); try put("wpe.weight", 1, 0); try put("ln_f.weight", 14, 0); try put("ln_f.bias", 15, 0)
        for l in 0..<L {
            let h = "h.\(l)."
            try put(h + "ln_1.weight", 2, l); try put(h + "ln_1.bias", 3, l)
            try put(h + "attn.c_attn.weight", 4, l); try put(h + "attn.c_attn.bias", 5, l)
            try put(h + "attn.c_proj.weight", 6, l); try put(h + "attn.c_proj.bias", 7, l)
            try put(h + "ln_2.weight", 8, l); try put(h + "ln_2.bias", 9, l)
            try put(h + "mlp.c_fc.weight", 10, l); try put(h + "mlp.c_fc.bias", 11, l)
            try put(h + "mlp.c_proj.weight", 12, l); try put(h + "mlp.c_proj.bias", 13, l)
        }
        _ = C
        return model
    }
}
