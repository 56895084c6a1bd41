import CZlib
import Foundation

/// gzip (RFC 1952) compression and decompression of in-memory buffers, via zlib.
public enum Gzip {
    /// True when `bytes` starts with the gzip magic bytes `1f 8b`.
    /// Loaders use this, not the file name, to decide whether to decompress.
    public static func hasGzipMagic<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1f && it.next() == 0x8b
    }

    /// The decompressed content of a gzip file's bytes. Concatenated gzip
    /// members (as `cat a.gz b.gz` makes) are decoded one after another;
    /// trailing zero padding is ignored.
    /// - Parameter path: used only in error messages.
    /// - Throws: `DatasetError.corruptGzip` for damaged, truncated or non-gzip data.
    /// - Complexity: O(compressed + decompressed size).
    public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        guard hasGzipMagic(bytes) else {
            throw DatasetError.corruptGzip(path: path, detail: "missing gzip magic bytes 1f 8b")
        }
        var output: [UInt8] = []
        // ISIZE (last 4 bytes, little-endian) is the size mod 2^32 of the last
        // member; use it only as a capacity hint, capped so a corrupt trailer
        // cannot request absurd memory.
        if bytes.count >= 18 {
            let n = bytes.count
            let isize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            output.reserveCapacity(min(isize, bytes.count * 64 + (1 << 20)))
        }
        var stream = z_stream()
        // 15 + 32: maximum window, auto-detect the gzip/zlib header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(path: path, detail: "zlib could not initialise (out of memory?)")
        }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 18
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        try bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else { return }
            var consumed = 0
            while true {
                // avail_in is 32-bit; feed big inputs in slices.
                let slice = min(input.count - consumed, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = UInt32(slice)
                var status: Int32 = Z_OK
                repeat {
                    stream.next_out = chunk
                    stream.avail_out = UInt32(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    let produced = chunkSize - Int(stream.avail_out)
                    if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: produced)) }
                    if status == Z_STREAM_END { break }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                    if status != Z_OK {
                        let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw DatasetError.corruptGzip(path: path, detail: msg)
                    }
                } while stream.avail_in > 0 || stream.avail_out == 0
                consumed += slice - Int(stream.avail_in)
                if status == Z_STREAM_END {
                    let rest = UnsafeBufferPointer(rebasing: input[consumed...])
                    if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) { return }
                    guard hasGzipMagic(rest) else {
                        throw DatasetError.corruptGzip(path: path, detail: "\(rest.count) unexpected bytes after the compressed data")
                    }
                    inflateReset(&stream)
                    continue
                }
                if consumed >= input.count {
                    throw DatasetError.corruptGzip(path: path, detail: "the compressed data ends early (truncated file)")
                }
            }
        }
        return output
    }

    /// `bytes` compressed as a single gzip member (no file name, zero
    /// timestamp, so output is reproducible).
    /// - Parameter level: zlib level 0...9.
    /// - Throws: `DatasetError.invalidOption` for a bad level or a zlib failure.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        guard (0...9).contains(level) else {
            throw DatasetError.invalidOption(reason: "gzip level \(level) is outside 0...9")
        }
        var stream = z_stream()
        // 15 + 16: maximum window, write a gzip (not zlib) header.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.invalidOption(reason: "zlib deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        let chunkSize = 1 << 16
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        var failure: Int32 = Z_OK
        bytes.withUnsafeBufferPointer { input in
            var consumed = 0
            let base = input.baseAddress
            while true {
                let slice = min(input.count - consumed, Int(UInt32.max))
                let last = consumed + slice == input.count
                stream.next_in = base.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                stream.avail_in = UInt32(slice)
                var status: Int32
                repeat {
                    stream.next_out = chunk
                    stream.avail_out = UInt32(chunkSize)
                    status = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                    if status == Z_STREAM_ERROR { failure = status; return }
                    output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: chunkSize - Int(stream.avail_out)))
                } while stream.avail_out == 0
                consumed += slice
                if last { return }
            }
        }
        if failure != Z_OK { throw DatasetError.invalidOption(reason: "zlib deflate failed (\(failure))") }
        return output
    }
}

/// Whole-file reading shared by the loaders.
enum DataFile {
    /// The bytes of the file at `path`, decompressed when they start with the
    /// gzip magic bytes. O(file size).
    /// - Throws: `fileNotFound`, `unreadableFile`, `corruptGzip`.
    static func read(_ path: String) throws -> [UInt8] {
        let raw = try readRaw(path)
        return Gzip.hasGzipMagic(raw) ? try Gzip.decompress(raw, path: path) : raw
    }

    /// The index of the first `byte` in `buf[start..<end]`, else `end`: memchr, so a 50 MB
    /// line of binary data is scanned at C speed (in a debug build too).
    static func index(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        guard start < end, let base = buf.baseAddress else { return end }
        guard let hit = memchr(base + start, Int32(byte), end - start) else { return end }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }

    /// The file's bytes as stored.
    static func readRaw(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw DatasetError.unreadableFile(path: path, reason: "it is a directory") }
        guard let file = fopen(path, "rb") else {
            throw DatasetError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var size = 0
        // fstat gives the size for one read; the loop also copes with files
        // whose size is unknown or changes (pipes, /proc).
        var info = stat()
        if fstat(fileno(file), &info) == 0, info.st_size > 0 { bytes.reserveCapacity(Int(info.st_size)) }
        let chunkSize = 1 << 20
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        while true {
            let n = fread(chunk, 1, chunkSize, file)
            if n > 0 { bytes.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n)); size += n }
            if n < chunkSize {
                if ferror(file) != 0 {
                    throw DatasetError.unreadableFile(path: path, reason: "read error after \(size) bytes")
                }
                break
            }
        }
        return bytes
    }
}
