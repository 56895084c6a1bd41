import Foundation

extension ExperimentSettings {
    /// The largest model a run may build: parameters, gradients and the
    /// optimizer's two moment buffers (4 copies of 4-byte floats) within 8 GiB.
    /// The machine has 24 GiB shared by several jobs; a bigger MLP would be
    /// killed by the kernel (or trap in an allocation) long after the run started.
    public static let modelMemoryLimit = 8 << 30

    /// Bytes a model of these widths takes for parameters, gradients and Adam's
    /// two moments (4 × 4 bytes per parameter), or nil when the count overflows `Int`.
    /// - Parameters:
    ///   - inputs: the input width (use 1 before the data is loaded: a lower bound).
    ///   - classes: the output width (2 before the data is loaded).
    public static func modelBytes(hidden: [Int], inputs: Int, classes: Int) -> Int? {
        let sizes = [inputs] + hidden + [classes]
        var parameters = 0
        for i in 0..<(sizes.count - 1) {
            let (w, o1) = sizes[i].multipliedReportingOverflow(by: sizes[i + 1])
            let (layer, o2) = w.addingReportingOverflow(sizes[i + 1])  // + biases
            let (sum, o3) = parameters.addingReportingOverflow(layer)
            if o1 || o2 || o3 { return nil }
            parameters = sum
        }
        let (bytes, o) = parameters.multipliedReportingOverflow(by: 16)
        return o ? nil : bytes
    }

    /// Refuses hidden widths whose model would not fit in `modelMemoryLimit`,
    /// before anything is allocated; the error names `key` and the memory needed.
    /// - Throws: `ExperimentError.invalid`.
    public static func checkModelSize(hidden: [Int], key: String, inputs: Int = 1, classes: Int = 2) throws {
        guard hidden.allSatisfy({ $0 > 0 }) else {
            throw ExperimentError.invalid("\(key) must be positive widths like [256, 128], got \(Self.quoted(hidden))")
        }
        let needed = modelBytes(hidden: hidden, inputs: inputs, classes: classes)
        guard let needed, needed <= modelMemoryLimit else {
            let amount = needed.map { Self.memoryText(Double($0)) } ?? "more than \(Self.memoryText(Double(Int.max)))"
            throw ExperimentError.invalid(
                "\(key) = \(Self.quoted(hidden)) would need \(amount) for the model's parameters, gradients and optimizer state"
                + " (at least, before the data's \(inputs == 1 ? "input width" : "\(inputs) inputs") is counted); the limit is \(Self.memoryText(Double(modelMemoryLimit)))."
                + " Use smaller widths (the Fashion-MNIST teacher is [512, 256]).")
        }
    }

    /// "12.5 GiB", "3.2 TiB", …
    static func memoryText(_ bytes: Double) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = bytes, u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(Int(v)) bytes" : String(format: "%.1f %@", v, units[u])
    }

    /// A width list for an error message, shortened when long.
    static func quoted(_ widths: [Int]) -> String {
        widths.count <= 8 ? "\(widths)" : "[\(widths.prefix(8).map(String.init).joined(separator: ", ")), … (\(widths.count) widths)]"
    }
}
