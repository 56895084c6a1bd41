import DistillCore
import Foundation
import XCTest

final class SafeTensorsTests: XCTestCase {
    // MARK: - Helpers

    /// A file from a raw header string and data bytes (no padding added), for malformed cases.
    private func rawFile(_ header: String, data: [UInt8] = [], claimedLength: UInt64? = nil) -> Data {
        let headerBytes = Array(header.utf8)
        var out = Data()
        withUnsafeBytes(of: (claimedLength ?? UInt64(headerBytes.count)).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(contentsOf: data)
        return out
    }

    private func bytes(hex: String) -> Data {
        let digits = Array(hex.filter { !$0.isWhitespace })
        precondition(digits.count % 2 == 0)
        return Data(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0 ..< $0 + 2]), radix: 16)! })
    }

    private func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    /// Decodes `data`, expects a `SafeTensorsError` matching `matches`, and checks its
    /// message names `mentions` (the tensor, usually).
    private func assertDecodeFails(_ data: Data, mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line,
                                   _ matches: (SafeTensorsError) -> Bool) {
        do {
            let result = try SafeTensors.decode(data)
            XCTFail("expected an error, decoded \(result.tensors.keys.sorted())", file: file, line: line)
        } catch let error as SafeTensorsError {
            XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
            for word in mentions {
                XCTAssertTrue(error.description.contains(word), "message does not mention '\(word)': \(error)", file: file, line: line)
            }
        } catch {
            XCTFail("expected SafeTensorsError, got \(error)", file: file, line: line)
        }
    }

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func bitPatterns(_ tensor: SafeTensor?) -> [UInt32] {
        tensor?.values.map(\.bitPattern) ?? []
    }

    // MARK: - Round trips

    func testRoundTripOfSeveralTensorsIsBitExact() throws {
        let tensors: [String: SafeTensor] = [
            "layer1.weight": SafeTensor(shape: [2, 3], values: [1, -2, 3.5, 0, -0.0, Float.leastNormalMagnitude / 3]),
            "layer1.bias": SafeTensor([0.25, -0.125, .pi]),
            "scale": SafeTensor(scalar: 42.5),
            "empty": SafeTensor(shape: [0, 3], values: []),
            "special": SafeTensor(shape: [2, 2], values: [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]),
            "nan": SafeTensor(shape: [1], values: [Float(bitPattern: 0x7FC0_1234)]),
            "naïve \"name\"\n/\t\u{1}": SafeTensor(shape: [1, 1, 1], values: [7]),
        ]
        let metadata = ["format": "np", "note": "ünïcödé \"quoted\" \\ \n\t\u{7}", "": "empty key"]
        let data = try SafeTensors.encode(tensors, metadata: metadata)
        let decoded = try SafeTensors.decode(data)

        XCTAssertEqual(decoded.metadata, metadata)
        XCTAssertEqual(Set(decoded.tensors.keys), Set(tensors.keys))
        for (name, tensor) in tensors {
            XCTAssertEqual(decoded.tensors[name]?.shape, tensor.shape, name)
            XCTAssertEqual(bitPatterns(decoded.tensors[name]), bitPatterns(tensor), name)
        }
        XCTAssertEqual(decoded.tensors["scale"], SafeTensor(shape: [], values: [42.5]))
        XCTAssertEqual(decoded.tensors["empty"], SafeTensor(shape: [0, 3], values: []))
        XCTAssertEqual(decoded.tensors["layer1.weight"], tensors["layer1.weight"])
        // Data: 6 + 3 + 1 + 0 + 4 + 1 + 1 floats.
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual(data.count - 8 - headerLength, 16 * 4)
    }

    func testRoundTripThroughAFile() throws {
        let url = try temporaryFolder().appendingPathComponent("model.safetensors")
        let tensors = ["w": SafeTensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]), "b": SafeTensor([9, 8])]
        try SafeTensors.write(tensors, metadata: ["epoch": "3"], to: url)
        let back = try SafeTensors.read(from: url)
        XCTAssertEqual(back.tensors, tensors)
        XCTAssertEqual(back.metadata, ["epoch": "3"])
        XCTAssertEqual(try Data(contentsOf: url), try SafeTensors.encode(tensors, metadata: ["epoch": "3"]))
    }

    func testEmptyFileRoundTrips() throws {
        let data = try SafeTensors.encode([:])
        XCTAssertEqual(data, Data([8, 0, 0, 0, 0, 0, 0, 0]) + Data("{}      ".utf8))  // as the reference writes it
        let decoded = try SafeTensors.decode(data)
        XCTAssertTrue(decoded.tensors.isEmpty)
        XCTAssertTrue(decoded.metadata.isEmpty)
    }

    // MARK: - Byte-exact encoding

    func testEncodingMatchesHandComputedBytes() throws {
        // {"x": [1.0, -2.0]}: the JSON is 54 bytes, padded with 2 spaces to 56 = 0x38,
        // so the data buffer starts at 8 + 56 = 64.
        let json = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertEqual(json.utf8.count, 54)
        var expected: [UInt8] = [0x38, 0, 0, 0, 0, 0, 0, 0]
        expected += Array(json.utf8)
        expected += [0x20, 0x20]
        expected += [0x00, 0x00, 0x80, 0x3F]  // 1.0
        expected += [0x00, 0x00, 0x00, 0xC0]  // -2.0
        let data = try SafeTensors.encode(["x": SafeTensor([1, -2])])
        XCTAssertEqual(Array(data), expected)
    }

    /// `safetensors.numpy.save({"w": [[1, 2], [3, -0.5]], "b": [0.25]} (float32), metadata={"format": "np"})`
    /// from safetensors 0.8.0.
    private let referenceFixture = """
        9000000000000000 7b225f5f6d657461646174615f5f223a7b22666f726d6174223a226e70227d2c2262223a7b2264747970
        65223a22463332222c227368617065223a5b315d2c22646174615f6f666673657473223a5b302c345d7d2c2277223a7b22647479
        7065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b342c32305d7d7d202020
        0000803e 0000803f 00000040 00004040 000000bf
        """

    func testEncodingIsByteIdenticalToReferenceImplementation() throws {
        let data = try SafeTensors.encode(
            ["w": SafeTensor(shape: [2, 2], values: [1, 2, 3, -0.5]), "b": SafeTensor([0.25])],
            metadata: ["format": "np"])
        XCTAssertEqual(data.count, 172)
        XCTAssertEqual(data, bytes(hex: referenceFixture))
    }

    func testDecodesReferenceImplementationFile() throws {
        let decoded = try SafeTensors.decode(bytes(hex: referenceFixture))
        XCTAssertEqual(decoded.metadata, ["format": "np"])
        XCTAssertEqual(decoded.tensors, ["w": SafeTensor(shape: [2, 2], values: [1, 2, 3, -0.5]), "b": SafeTensor([0.25])])
        // A Data slice that does not start at index 0 decodes the same.
        let slice = (Data([0xAA, 0xBB, 0xCC]) + bytes(hex: referenceFixture)).dropFirst(3)
        XCTAssertEqual(slice.startIndex, 3)
        XCTAssertEqual(try SafeTensors.decode(slice).tensors, decoded.tensors)
    }

    func testEncodingIsDeterministicAndAligned() throws {
        // The same tensors inserted in different orders give identical bytes.
        var forward: [String: SafeTensor] = [:]
        var backward: [String: SafeTensor] = [:]
        let names = (0 ..< 40).map { "t\($0)" }
        for (i, name) in names.enumerated() { forward[name] = SafeTensor([Float(i)]) }
        for (i, name) in names.enumerated().reversed() { backward[name] = SafeTensor([Float(i)]) }
        let metadataA = Dictionary(uniqueKeysWithValues: (0 ..< 20).map { ("k\($0)", "v\($0)") })
        let metadataB = Dictionary(uniqueKeysWithValues: (0 ..< 20).reversed().map { ("k\($0)", "v\($0)") })
        XCTAssertEqual(try SafeTensors.encode(forward, metadata: metadataA), try SafeTensors.encode(backward, metadata: metadataB))

        // Tensors are sorted by name (UTF-8 byte order: "B" < "a" < "b"), data in that order.
        let sorted = try SafeTensors.encode(["b": SafeTensor([2]), "a": SafeTensor([1]), "B": SafeTensor([0])])
        let text = String(decoding: sorted, as: UTF8.self)
        let positions = [#""B":"#, #""a":"#, #""b":"#].map { text.range(of: $0)!.lowerBound }
        XCTAssertEqual(positions, positions.sorted())
        XCTAssertEqual(Array(sorted.suffix(12)), floatBytes([0, 1, 2]))

        // The data buffer starts on an 8-byte boundary whatever the header length.
        for length in 1 ... 17 {
            let data = try SafeTensors.encode([String(repeating: "n", count: length): SafeTensor([1, 2])])
            let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
            XCTAssertEqual((8 + headerLength) % 8, 0, "name length \(length)")
            XCTAssertEqual(data.count, 8 + headerLength + 8)
            let header = Array(data.subdata(in: 8 ..< 8 + headerLength))
            let jsonEnd = try XCTUnwrap(header.lastIndex(of: UInt8(ascii: "}"))) + 1
            XCTAssertEqual(Array(header[jsonEnd...]), Array(repeating: 0x20, count: headerLength - jsonEnd), "padding is spaces")
            XCTAssertLessThan(headerLength - jsonEnd, 8, "at most 7 spaces of padding")
        }
    }

    // MARK: - Other dtypes

    /// `safetensors.numpy.save({"h": float16 [1, -2, 65504, 6e-8], "f": float32 [1.5], "d": float64 [0.1, -3]})`.
    private let mixedDTypeFixture = """
        a800000000000000 7b2264223a7b226474797065223a22463634222c227368617065223a5b325d2c22646174615f6f666673
        657473223a5b302c31365d7d2c2266223a7b226474797065223a22463332222c227368617065223a5b315d2c22646174615f6f66
        6673657473223a5b31362c32305d7d2c2268223a7b226474797065223a22463136222c227368617065223a5b345d2c2264617461
        5f6f666673657473223a5b32302c32385d7d7d202020 9a9999999999b93f 00000000000008c0 0000c03f 003c 00c0 ff7b 0100
        """

    func testDecodesF16AndF64FromReferenceImplementation() throws {
        let decoded = try SafeTensors.decode(bytes(hex: mixedDTypeFixture))
        XCTAssertEqual(decoded.tensors["f"], SafeTensor([1.5]))
        XCTAssertEqual(decoded.tensors["d"], SafeTensor([Float(0.1), -3]))
        // 6e-8 rounds to the smallest float16 subnormal, 2^-24.
        XCTAssertEqual(decoded.tensors["h"], SafeTensor([1, -2, 65504, 0x1p-24]))
        XCTAssertTrue(decoded.metadata.isEmpty)
    }

    func testDecodesF16SpecialValuesAndBF16() throws {
        let halves: [UInt16] = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x3555, 0x03FF, 0x0400, 0x7E00]
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x7F80, 0x0001]
        var payload: [UInt8] = []
        for h in halves + bf16 { payload += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        let data = rawFile(#"{"h":{"dtype":"F16","shape":[8],"data_offsets":[0,16]},"# +
                           #""g":{"dtype":"BF16","shape":[5],"data_offsets":[16,26]}}"#, data: payload)
        let decoded = try SafeTensors.decode(data)
        let h = try XCTUnwrap(decoded.tensors["h"]).values
        XCTAssertEqual(h[0].bitPattern, Float(0).bitPattern)
        XCTAssertEqual(h[1].bitPattern, Float(-0.0).bitPattern)
        XCTAssertEqual(h[2], .infinity)
        XCTAssertEqual(h[3], -.infinity)
        XCTAssertEqual(h[4], 0.333251953125)          // 0x3555
        XCTAssertEqual(h[5], 1023 * 0x1p-24)           // largest subnormal
        XCTAssertEqual(h[6], 0x1p-14)                  // smallest normal
        XCTAssertTrue(h[7].isNaN)
        XCTAssertEqual(decoded.tensors["g"]?.shape, [5])
        let g = try XCTUnwrap(decoded.tensors["g"]).values
        XCTAssertEqual(Array(g[0 ..< 4]), [1, -2, 3.140625, .infinity])
        XCTAssertEqual(g[4].bitPattern, 0x0001_0000)
    }

    // MARK: - Malformed input

    func testRejectsTruncatedPrefix() {
        assertDecodeFails(Data()) { if case .fileTooShort(_, 0) = $0 { return true }; return false }
        assertDecodeFails(Data([1, 2, 3, 4, 5, 6, 7])) { if case .fileTooShort(_, 7) = $0 { return true }; return false }
    }

    func testRejectsBadHeaderLengths() {
        assertDecodeFails(rawFile("{}", claimedLength: 100_000_001)) {
            if case .headerTooLarge(_, 100_000_001, 100_000_000) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile("{}", claimedLength: UInt64.max)) {
            if case .headerTooLarge = $0 { return true }; return false
        }
        assertDecodeFails(rawFile("{}", claimedLength: 3)) {
            if case .headerLengthExceedsFile(_, 3, 2) = $0 { return true }; return false
        }
    }

    func testRejectsHeaderThatIsNotJSONObject() {
        var notUTF8 = rawFile("{}")
        notUTF8[9] = 0xFF
        assertDecodeFails(notUTF8) { if case .headerNotUTF8 = $0 { return true }; return false }
        for bad in [#"{"a":"#, "", "{} x", #"{"a":{"dtype":"F32",}}"#, "{'a':1}", #"{"a":01}"#, "{\"a\u{1}\":1}", #"{"a":"\x"}"#] {
            assertDecodeFails(rawFile(bad)) { if case .headerNotJSON = $0 { return true }; return false }
        }
        // Hostile nesting is an error, not a stack overflow.
        assertDecodeFails(rawFile(String(repeating: "[", count: 100_000))) {
            if case .headerNotJSON(_, let detail) = $0 { return detail.contains("nesting") }; return false
        }
        for (bad, kind) in [("[1,2]", "an array"), (#""text""#, "a string"), ("3", "a number"), ("null", "null")] {
            assertDecodeFails(rawFile(bad), mentions: [kind]) { if case .headerNotObject = $0 { return true }; return false }
        }
    }

    func testRejectsMissingKeys() {
        let entries = [
            "dtype": #"{"t":{"shape":[1],"data_offsets":[0,4]}}"#,
            "shape": #"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#,
            "data_offsets": #"{"t":{"dtype":"F32","shape":[1]}}"#,
        ]
        for (key, header) in entries {
            assertDecodeFails(rawFile(header, data: [0, 0, 0, 0]), mentions: ["'t'", key]) {
                if case .missingKey(_, "t", key) = $0 { return true }; return false
            }
        }
    }

    func testRejectsValuesOfWrongType() {
        let cases: [(String, String)] = [
            (#"{"t":[1]}"#, "(entry)"),
            (#"{"t":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, "dtype"),
            (#"{"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, "shape"),
            (#"{"t":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, "shape"),
            (#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, "data_offsets"),
            (#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, "data_offsets"),
            (#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#, "data_offsets"),
            (#"{"t":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, "dtype"),
        ]
        for (header, key) in cases {
            assertDecodeFails(rawFile(header, data: [0, 0, 0, 0]), mentions: ["'t'"]) {
                if case .invalidValue(_, "t", key, _) = $0 { return true }; return false
            }
        }
    }

    func testRejectsUnknownAndUnsupportedDTypes() {
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                          mentions: ["'t'", "F33", "F32"]) {
            if case .unknownDType(_, "t", "F33") = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                          mentions: ["'t'", "I64"]) {
            if case .unsupportedDType(_, "t", "I64") = $0 { return true }; return false
        }
    }

    func testRejectsBadShapesAndOffsets() {
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), mentions: ["'t'"]) {
            if case .negativeDimension(_, "t", [-1, 2]) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])) {
            if case .shapeTooLarge(_, "t", _) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: Array(repeating: 0, count: 8))) {
            if case .reversedOffsets(_, "t", 8, 4) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]), mentions: ["'t'"]) {
            if case .offsetsOutOfBounds(_, "t", 0, 8, 4) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                          mentions: ["'t'", "12", "8"]) {
            if case .byteCountMismatch(_, "t", "F32", [3], 12, 8) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"t":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}}"#, data: Array(repeating: 0, count: 16))) {
            if case .byteCountMismatch(_, "t", "F16", [2, 2], 8, 16) = $0 { return true }; return false
        }
    }

    func testRejectsOverlapsHolesAndTrailingBytes() {
        let twelve = [UInt8](repeating: 0, count: 12)
        assertDecodeFails(rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                  data: twelve), mentions: ["'a'", "'b'"]) {
            if case .overlappingTensors(_, "a", "b") = $0 { return true }; return false
        }
        // Two tensors on the same bytes.
        assertDecodeFails(rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                                  data: [0, 0, 0, 0])) {
            if case .overlappingTensors = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                                  data: twelve), mentions: ["'a'", "'b'"]) {
            if case .gapInData(_, "a", "b", 4, 8) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: twelve)) {
            if case .gapInData(_, nil, "b", 0, 4) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: twelve)) {
            if case .gapInData(_, "a", nil, 8, 12) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile("{}", data: [1])) {
            if case .gapInData(_, nil, nil, 0, 1) = $0 { return true }; return false
        }
        // Empty tensors between others are fine.
        XCTAssertNoThrow(try SafeTensors.decode(rawFile(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"# +
            #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [0, 0, 0, 0, 0, 0, 0, 0])))
    }

    func testRejectsDuplicateNamesAndBadMetadata() {
        assertDecodeFails(rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                  data: Array(repeating: 0, count: 8)), mentions: ["'a'"]) {
            if case .duplicateTensorName(_, "a") = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"__metadata__":{"k":1}}"#), mentions: ["'k'"]) {
            if case .invalidMetadata(_, "k", _) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"__metadata__":["k"]}"#)) {
            if case .invalidMetadata(_, nil, _) = $0 { return true }; return false
        }
        assertDecodeFails(rawFile(#"{"__metadata__":{"k":"1","k":"2"}}"#)) {
            if case .invalidMetadata(_, "k", _) = $0 { return true }; return false
        }
    }

    func testAcceptsUnpaddedHeaderWhitespaceAndUnknownEntryKeys() throws {
        let decoded = try SafeTensors.decode(rawFile(
            " { \"t\" : { \"dtype\" : \"F32\", \"extra\": {\"x\": [true, null]}, \"shape\" : [ ] , \"data_offsets\" : [0, 4] } ,\n \"__metadata__\":{\"\\u00e9\\ud83d\\ude00\":\"\\\"\"} }\t",
            data: floatBytes([3.25])))
        XCTAssertEqual(decoded.tensors, ["t": SafeTensor(scalar: 3.25)])
        XCTAssertEqual(decoded.metadata, ["é😀": "\""])
    }

    func testReadErrorsNameTheFile() throws {
        let folder = try temporaryFolder()
        let missing = folder.appendingPathComponent("missing.safetensors")
        XCTAssertThrowsError(try SafeTensors.read(from: missing)) { error in
            guard case SafeTensorsError.io(let path, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
        }
        let short = folder.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: short)
        XCTAssertThrowsError(try SafeTensors.read(from: short)) { error in
            guard case SafeTensorsError.fileTooShort(let source, 3) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(source, short.path)
            XCTAssertTrue("\(error)".contains(short.path))
        }
    }

    // MARK: - Writing

    func testEncodeRejectsInconsistentTensors() {
        XCTAssertThrowsError(try SafeTensors.encode(["w": SafeTensor(shape: [2, 3], values: [1, 2, 3])])) { error in
            XCTAssertEqual(error as? SafeTensorsError, .shapeMismatch(tensor: "w", shape: [2, 3], valueCount: 3))
            XCTAssertTrue("\(error)".contains("'w'") && "\(error)".contains("6 element"))
        }
        XCTAssertThrowsError(try SafeTensors.encode(["w": SafeTensor(shape: [-1, -1], values: [1])])) { error in
            XCTAssertEqual(error as? SafeTensorsError, .shapeMismatch(tensor: "w", shape: [-1, -1], valueCount: 1))
        }
        XCTAssertThrowsError(try SafeTensors.encode(["s": SafeTensor(shape: [], values: [])])) { error in
            XCTAssertEqual(error as? SafeTensorsError, .shapeMismatch(tensor: "s", shape: [], valueCount: 0))
        }
        XCTAssertThrowsError(try SafeTensors.encode(["__metadata__": SafeTensor([1])])) { error in
            XCTAssertEqual(error as? SafeTensorsError, .reservedTensorName(tensor: "__metadata__"))
        }
    }

    func testEncodeRejectsOversizedHeader() {
        let huge = String(decoding: [UInt8](repeating: 0x6D, count: SafeTensors.maximumHeaderLength + 1), as: UTF8.self)
        XCTAssertThrowsError(try SafeTensors.encode([:], metadata: ["note": huge])) { error in
            guard case SafeTensorsError.headerTooLargeToWrite(let length, 100_000_000) = error else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(length, 100_000_000)
        }
        // Just under the limit in text, over it once JSON syntax is added.
        let almost = String(decoding: [UInt8](repeating: 0x6D, count: SafeTensors.maximumHeaderLength - 8), as: UTF8.self)
        XCTAssertThrowsError(try SafeTensors.encode([:], metadata: ["k": almost])) { error in
            guard case SafeTensorsError.headerTooLargeToWrite = error else { return XCTFail("\(error)") }
        }
    }

    func testWriteRefusesToOverwriteUnlessAsked() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("ckpt.safetensors")
        try SafeTensors.write(["a": SafeTensor([1])], to: url)
        let original = try Data(contentsOf: url)

        XCTAssertThrowsError(try SafeTensors.write(["a": SafeTensor([2])], to: url)) { error in
            XCTAssertEqual(error as? SafeTensorsError, .fileExists(path: url.path))
            XCTAssertTrue("\(error)".contains("overwrite: true"))
        }
        XCTAssertEqual(try Data(contentsOf: url), original, "a refused write must leave the file untouched")

        try SafeTensors.write(["a": SafeTensor([2])], to: url, overwrite: true)
        XCTAssertEqual(try SafeTensors.read(from: url).tensors, ["a": SafeTensor([2])])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["ckpt.safetensors"])
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        let folder = try temporaryFolder()
        for i in 0 ..< 5 {
            try SafeTensors.write(["w": SafeTensor(shape: [10, 10], values: (0 ..< 100).map(Float.init))],
                                  metadata: ["i": "\(i)"], to: folder.appendingPathComponent("f\(i).safetensors"))
        }
        try SafeTensors.write(["w": SafeTensor([0])], to: folder.appendingPathComponent("f0.safetensors"), overwrite: true)
        // A refused write and a failing encode leave nothing behind either.
        XCTAssertThrowsError(try SafeTensors.write(["w": SafeTensor([0])], to: folder.appendingPathComponent("f1.safetensors")))
        XCTAssertThrowsError(try SafeTensors.write(["w": SafeTensor(shape: [2], values: [])], to: folder.appendingPathComponent("bad.safetensors")))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, (0 ..< 5).map { "f\($0).safetensors" })
        XCTAssertEqual(try SafeTensors.read(from: folder.appendingPathComponent("f0.safetensors")).tensors["w"], SafeTensor([0]))
        XCTAssertEqual(try SafeTensors.read(from: folder.appendingPathComponent("f3.safetensors")).metadata, ["i": "3"])
    }

    func testWriteReportsMissingFolderAndDirectoryDestination() throws {
        let folder = try temporaryFolder()
        let inMissing = folder.appendingPathComponent("nope/model.safetensors")
        XCTAssertThrowsError(try SafeTensors.write(["a": SafeTensor([1])], to: inMissing)) { error in
            guard case SafeTensorsError.io(let path, _, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, inMissing.path)
            XCTAssertTrue(detail.contains("does not exist"), detail)
        }
        XCTAssertThrowsError(try SafeTensors.write(["a": SafeTensor([1])], to: folder, overwrite: true)) { error in
            guard case SafeTensorsError.io(_, _, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("directory"), detail)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
