import ArgumentParser
import Foundation
import DistillCore
import DistillData
import DistillLab
import DistillNN

extension DistillLabCommand.Defenses {
    /// Applies one registered defense to given probability vectors, so its
    /// transform can be checked against another library (ART, numpy).
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a registered defense to probability vectors from a .npy or .csv file.",
            discussion: """
            Rows are responses (one probability vector each). The defense is fitted with a placeholder \
            teacher of the right class count and no owner data, so this is for response transforms \
            (rounding, reverse-sigmoid, …); canaries hash the queries, given with --queries.
            Example: distill-lab defenses apply reverse-sigmoid:beta=1,gamma=0.2 --input p.npy --output q.npy
            """)

        @Argument(help: "The defense, as name or name:key=value,…")
        var spec: String

        @Option(help: "Probabilities: a .npy file (float32/float64, 2-D, C order) or a .csv of numbers.")
        var input: String

        @Option(help: "Where to write the defended responses (.npy or .csv); default: CSV on standard output.")
        var output: String?

        @Option(help: "The queries the responses answer (.npy or .csv, same rows), for defenses that read inputs.")
        var queries: String?

        @Option(help: "Seed of the defense stream (randomised defenses).")
        var seed: UInt64 = 0

        func run() throws {
            let parsed: ComponentSpec
            do { parsed = try ComponentSpec(parsing: spec) } catch { throw CommandError("\(error)") }
            let responses: Matrix
            do { responses = try MatrixFile.read(input) } catch { throw CommandError("--input: \(error)") }
            let inputs: Matrix
            if let q = queries {
                do { inputs = try MatrixFile.read(q) } catch { throw CommandError("--queries: \(error)") }
                guard inputs.rows == responses.rows else {
                    throw CommandError("--queries has \(inputs.rows) rows but --input has \(responses.rows); give one query per response")
                }
            } else {
                inputs = Matrix(rows: responses.rows, cols: 1)
            }
            guard responses.cols >= 2 else { throw CommandError("--input has \(responses.cols) column; a response needs at least 2 classes") }
            var init0 = RandomStream(seed: seed, purpose: .applyPlaceholderTeacher)
            let teacher = MLP(sizes: [inputs.cols, responses.cols], initialization: .he, rng: &init0)
            let empty = try Dataset(name: "none", features: Matrix(rows: 0, cols: inputs.cols), labels: [],
                                    classNames: (0..<responses.cols).map(String.init))
            let context = DefenseContext(teacher: teacher, ownerData: empty, validation: empty, seed: seed, surrogateHidden: [8])
            let defense: ResponseDefense
            do { defense = try ComponentRegistry.shared.makeDefense(parsed, context: context) } catch { throw CommandError("\(error)") }
            var stream = RandomStream(seed: seed, purpose: .defense)
            try defense.apply(to: responses, queries: inputs, rng: &stream)
            if let output {
                do { try MatrixFile.write(responses, to: output) } catch { throw CommandError("--output: \(error)") }
            } else {
                print(MatrixFile.csv(responses), terminator: "")
            }
        }
    }
}

/// Reads and writes 2-D float matrices as .npy (numpy's format) or plain CSV.
enum MatrixFile {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func read(_ path: String) throws -> Matrix {
        let url = URL(fileURLWithPath: path)
        guard let data = try? Data(contentsOf: url) else { throw Failure(description: "cannot read \(path); give an existing .npy or .csv file") }
        if path.hasSuffix(".npy") { return try npy(data, path) }
        return try csv(data, path)
    }

    static func csv(_ data: Data, _ path: String) throws -> Matrix {
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(path) is not UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        var rows: [[Float]] = []
        for (i, line) in lines.enumerated() {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = cells.compactMap { Float($0) }
            if values.count != cells.count {
                if i == 0 && values.isEmpty { continue }  // a header line
                throw Failure(description: "\(path):\(i + 1): '\(line.prefix(60))' is not a row of numbers")
            }
            rows.append(values)
        }
        guard let width = rows.first?.count, width > 0 else { throw Failure(description: "\(path) has no rows of numbers") }
        guard rows.allSatisfy({ $0.count == width }) else { throw Failure(description: "\(path): rows have different lengths; every row needs \(width) values") }
        return Matrix(rows: rows.count, cols: width, values: rows.flatMap { $0 })
    }

    static func npy(_ data: Data, _ path: String) throws -> Matrix {
        let bytes = [UInt8](data)
        func bad(_ s: String) -> Failure { Failure(description: "\(path) is not a supported .npy file: \(s)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw bad("no NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 { headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10 }
        else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        } else { throw bad("version \(major)") }
        guard start + headerLength <= bytes.count, let header = String(bytes: bytes[start..<(start + headerLength)], encoding: .ascii) else {
            throw bad("truncated header")
        }
        guard !header.contains("'fortran_order': True") else { throw bad("Fortran order; save with np.ascontiguousarray") }
        let f4 = header.contains("'<f4'"), f8 = header.contains("'<f8'")
        guard f4 || f8 else { throw bad("dtype must be little-endian float32 or float64 ('<f4' or '<f8')") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else { throw bad("no shape") }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2, dims[0] > 0, dims[1] > 0, dims[0] <= 100_000_000 / max(dims[1], 1) else {
            throw bad("shape must be 2-D (rows, classes), got \(dims)")
        }
        let n = dims[0] * dims[1], body = start + headerLength, size = f4 ? 4 : 8
        guard bytes.count - body == n * size else { throw bad("\(bytes.count - body) data bytes for shape \(dims)") }
        var values = [Float](repeating: 0, count: n)
        data.withUnsafeBytes { raw in
            for i in 0..<n {
                if f4 { values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: body + 4 * i, as: UInt32.self).littleEndian) }
                else { values[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: body + 8 * i, as: UInt64.self).littleEndian)) }
            }
        }
        return Matrix(rows: dims[0], cols: dims[1], values: values)
    }

    static func write(_ m: Matrix, to path: String) throws {
        let data: Data
        if path.hasSuffix(".npy") {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(m.rows), \(m.cols)), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
            d.append(Data(header.utf8))
            for v in m.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
            data = d
        } else {
            data = Data(csv(m).utf8)
        }
        try AtomicFile.write(data, to: URL(fileURLWithPath: path), overwrite: false)
    }

    static func csv(_ m: Matrix) -> String {
        var out = ""
        for r in 0..<m.rows {
            out += (0..<m.cols).map { "\(m[r, $0])" }.joined(separator: ",") + "\n"
        }
        return out
    }
}
