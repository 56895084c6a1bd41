import Foundation
import Crypto
import DistillCore
import DistillNN

/// A teacher read from `teacher.file`: the model the run serves, and the
/// record settings.json keeps of it. Loading has three steps, so each error
/// comes as early as it can: `inspect` (the file and its header, before the
/// data is loaded), `check` (widths against the data and the settings) and
/// `load` (the weights). Every failure is an `ExperimentError` naming the file,
/// the problem and the fix; none traps.
struct LoadedTeacher {
    let file: TeacherFile
    let model: MLP

    /// A teacher file whose header passed every check that needs no data: a
    /// readable safetensors file naming an MLP of a size the run can hold.
    struct Header {
        let path: String
        let url: URL
        /// Layer widths, input first.
        let sizes: [Int]

        var hidden: [Int] { Array(sizes.dropFirst().dropLast()) }
        var architecture: String { sizes.map(String.init).joined(separator: "-") }
    }

    static func problem(_ path: String, _ text: String) -> ExperimentError {
        .invalid("\(ExperimentSettings.teacherFileKey) \(ExperimentError.quote(path)): \(text)")
    }

    /// Step 1: the file exists and is readable, its header is valid safetensors
    /// describing a ReLU MLP (`layers.{i}.weight`/`.bias`, no zero width), and
    /// the model fits `ExperimentSettings.modelMemoryLimit`. Reads only the header.
    static func inspect(_ path: String) throws -> Header {
        try ExperimentSettings.checkTeacherPath(path)
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw problem(path, "the file cannot be read (permission denied); make it readable (chmod a+r) or copy it to a readable place")
        }
        let url = URL(fileURLWithPath: path)
        let sizes: [Int], metadata: [String: String]
        do {
            (sizes, metadata) = try MLP.checkpointSizes(at: url)
        } catch let e as SafeTensorsError {
            throw ExperimentError.invalid("\(ExperimentSettings.teacherFileKey): not a usable safetensors file: \(e)")
        } catch let e as CheckpointError {
            throw ExperimentError.invalid("\(ExperimentSettings.teacherFileKey): not an MLP checkpoint of the lab's layout: \(e) (save one with MLP.save, or use runs/RUN/teacher.safetensors)")
        }
        if let activation = metadata["activation"], activation != "relu" {
            throw problem(path, "the model's activation is \(ExperimentError.quote(activation)), but the lab's MLPs have ReLU between layers; export an MLP with ReLU activations")
        }
        let header = Header(path: path, url: url, sizes: sizes)
        // An absurd layer (a width of millions) is refused before its weights are read.
        let needed = ExperimentSettings.modelBytes(hidden: header.hidden, inputs: sizes[0], classes: sizes[sizes.count - 1])
        guard let needed, needed <= ExperimentSettings.modelMemoryLimit else {
            let amount = needed.map { ExperimentSettings.memoryText(Double($0)) } ?? "more memory than can be counted"
            throw problem(path, "its layers \(ExperimentSettings.quoted(sizes)) would need \(amount) for parameters, gradients and optimizer state; the limit is \(ExperimentSettings.memoryText(Double(ExperimentSettings.modelMemoryLimit))). Use a smaller teacher")
        }
        return header
    }

    /// Step 3: reads the weights (the bytes hashed are the bytes loaded) and
    /// refuses NaN or infinite ones.
    /// - Precondition: `header` came from `inspect` (the file may still have changed since).
    static func load(_ header: Header) throws -> LoadedTeacher {
        let data: Data
        do { data = try Data(contentsOf: header.url, options: .mappedIfSafe) } catch {
            throw problem(header.path, "reading failed: \(ExperimentError.reason(error)); check the file and its permissions")
        }
        let model: MLP
        do {
            model = try MLP.load(from: data, source: header.path).model
        } catch let e as SafeTensorsError {
            throw ExperimentError.invalid("\(ExperimentSettings.teacherFileKey): not a usable safetensors file: \(e)")
        } catch let e as CheckpointError {
            throw ExperimentError.invalid("\(ExperimentSettings.teacherFileKey): not an MLP checkpoint of the lab's layout: \(e)")
        }
        guard model.sizes == header.sizes else {
            throw problem(header.path, "the file changed while it was read (\(header.architecture), then \(model.architecture)); rerun once it is written completely")
        }
        if let bad = firstNonFinite(model) {
            throw problem(header.path, "tensor '\(bad)' holds NaN or infinite values, so every answer would be NaN; the model is corrupt or diverged in training, so export a finite one")
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let absolute = header.url.standardizedFileURL.path
        let file = TeacherFile(path: header.path, absolutePath: absolute, sha256: digest, bytes: data.count,
                               architecture: model.architecture, hidden: header.hidden)
        return LoadedTeacher(file: file, model: model)
    }

    /// The name of the first tensor holding a non-finite value, in the checkpoint's naming.
    static func firstNonFinite(_ model: MLP) -> String? {
        let p = model.parameters.storage
        for (i, l) in model.layers.enumerated() {
            if (l.weightOffset..<(l.weightOffset + l.inputs * l.outputs)).contains(where: { !p[$0].isFinite }) { return "layers.\(i).weight" }
            if (l.biasOffset..<(l.biasOffset + l.outputs)).contains(where: { !p[$0].isFinite }) { return "layers.\(i).bias" }
        }
        return nil
    }
}

extension LoadedTeacher.Header {
    /// Step 2: the file's input width is the data's feature count, its output
    /// width the data's class count, and `teacher.hidden` is either the recipe's
    /// (not chosen for this run) or the file's widths: any other value
    /// contradicts the file and is an error, not silently dropped.
    /// - Parameters:
    ///   - recipeHidden: the data source's recipe widths (`ExperimentSettings.defaults(for:)`).
    func check(features: Int, classes: Int, dataName: String, hidden: [Int], recipeHidden: [Int]) throws {
        let h = self
        guard h.sizes[0] == features else {
            throw LoadedTeacher.problem(h.path, "the teacher (\(h.architecture)) takes \(h.sizes[0]) inputs, but \(dataName) has \(features) features; use a teacher trained on this data (input width \(features)), or the data it was trained on")
        }
        guard h.sizes[h.sizes.count - 1] == classes else {
            throw LoadedTeacher.problem(h.path, "the teacher (\(h.architecture)) has \(h.sizes[h.sizes.count - 1]) outputs, but \(dataName) has \(classes) classes; use a teacher with \(classes) outputs, or the data it was trained on")
        }
        guard hidden == h.hidden || hidden == recipeHidden else {
            throw LoadedTeacher.problem(h.path, "teacher.hidden (--teacher-hidden) = \(ExperimentSettings.quoted(hidden)) contradicts the file, whose hidden widths are \(ExperimentSettings.quoted(h.hidden)) (\(h.architecture)); a loaded teacher's widths come from its file, so remove teacher.hidden or set it to \(ExperimentSettings.quoted(h.hidden))")
        }
    }
}
