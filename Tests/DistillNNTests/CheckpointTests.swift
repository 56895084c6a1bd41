import XCTest
import DistillCore
import DistillNN

final class CheckpointTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripKeepsParametersAndUsesPyTorchLinearLayout() throws {
        var rng = RandomStream(seed: 4, label: "ckpt")
        let model = MLP(sizes: [5, 4, 3], rng: &rng)
        for i in 0..<model.parameterCount { model.parameters.storage[i] = Float(i) * 0.01 }
        let url = dir.appendingPathComponent("m.safetensors")
        try model.save(to: url, metadata: ["role": "teacher"])
        let (loaded, meta) = try MLP.load(from: url)
        XCTAssertEqual(loaded.sizes, [5, 4, 3])
        XCTAssertEqual(loaded.parameters.values, model.parameters.values)
        XCTAssertEqual(meta["architecture"], "5-4-3")
        XCTAssertEqual(meta["role"], "teacher")
        // Stored W[in=0][out=1] (flat index 1) is PyTorch weight[out=1][in=0] = row 1, column 0 of a [4, 5] tensor.
        let tensors = model.namedTensors()
        XCTAssertEqual(tensors["layers.0.weight"]?.shape, [4, 5])
        XCTAssertEqual(tensors["layers.0.weight"]?.values[1 * 5 + 0], model.parameters.storage[1])
        XCTAssertEqual(tensors["layers.1.bias"]?.shape, [3])
    }

    func testSaveRefusesToOverwrite() throws {
        let model = MLP(sizes: [2, 2])
        let url = dir.appendingPathComponent("m.safetensors")
        try model.save(to: url)
        XCTAssertThrowsError(try model.save(to: url))
    }

    func testMissingOrMisShapedTensorsAreNamed() throws {
        let url = dir.appendingPathComponent("bad.safetensors")
        try SafeTensors.write(["layers.0.weight": SafeTensor(shape: [3, 2], values: Array(repeating: 0, count: 6))], to: url)
        XCTAssertThrowsError(try MLP.load(from: url)) { XCTAssertTrue("\($0)".contains("layers.0.bias"), "\($0)") }
        let url2 = dir.appendingPathComponent("bad2.safetensors")
        try SafeTensors.write(["layers.0.weight": SafeTensor(shape: [3, 2], values: Array(repeating: 0, count: 6)),
                               "layers.0.bias": SafeTensor(shape: [3], values: [0, 0, 0]),
                               "layers.1.weight": SafeTensor(shape: [2, 4], values: Array(repeating: 0, count: 8)),
                               "layers.1.bias": SafeTensor(shape: [2], values: [0, 0])], to: url2)
        XCTAssertThrowsError(try MLP.load(from: url2)) { XCTAssertTrue("\($0)".contains("layers.1.weight"), "\($0)") }
        let url3 = dir.appendingPathComponent("empty.safetensors")
        try SafeTensors.write(["other": SafeTensor([1])], to: url3)
        XCTAssertThrowsError(try MLP.load(from: url3))
    }

    /// A zero-width layer is a valid safetensors shape; loading it must be an error, not a trap in MLP.init.
    func testZeroWidthLayerIsRefusedNamingFileAndTensor() throws {
        let cases: [(String, [String: SafeTensor])] = [
            ("zero-outputs", ["layers.0.weight": SafeTensor(shape: [0, 4], values: []), "layers.0.bias": SafeTensor(shape: [0], values: [])]),
            ("zero-inputs", ["layers.0.weight": SafeTensor(shape: [3, 0], values: []), "layers.0.bias": SafeTensor(shape: [3], values: [0, 0, 0])]),
            ("zero-hidden", ["layers.0.weight": SafeTensor(shape: [0, 2], values: []), "layers.0.bias": SafeTensor(shape: [0], values: []),
                             "layers.1.weight": SafeTensor(shape: [3, 0], values: []), "layers.1.bias": SafeTensor(shape: [3], values: [0, 0, 0])]),
            ("zero-last", ["layers.0.weight": SafeTensor(shape: [2, 2], values: [0, 0, 0, 0]), "layers.0.bias": SafeTensor(shape: [2], values: [0, 0]),
                           "layers.1.weight": SafeTensor(shape: [0, 2], values: []), "layers.1.bias": SafeTensor(shape: [0], values: [])]),
        ]
        for (name, tensors) in cases {
            let url = dir.appendingPathComponent("\(name).safetensors")
            try SafeTensors.write(tensors, to: url)
            XCTAssertThrowsError(try MLP.load(from: url), name) {
                let message = "\($0)"
                XCTAssertTrue(message.contains("\(name).safetensors") && message.contains("zero width") && message.contains(".weight"), message)
            }
        }
    }
}
