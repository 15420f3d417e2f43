import Foundation

/// Where one float32 tensor of a safetensors file lies: its shape, its count of values, and its absolute
/// byte offset in the file.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let shape: [Int]
    public let count: Int
    public let offset: Int
}

/// A safetensors file read one tensor at a time, on demand, instead of whole (`SafeTensorsFile`): a
/// checkpoint of a big print holds tens of image-sized vectors (22 of 201 MB at 4096x4096 with 10 history
/// pairs), more than the run itself may hold at once. The header is read and checked when the reader is
/// made (the same checks as `SafeTensorsFile(bytes:)`: every tensor inside the file); the file stays open
/// until the reader goes. The path appears in every error message.
public final class SafeTensorsReader: Sendable {
    public let path: String
    public let metadata: [String: String]
    public let entries: [String: SafeTensorsEntry]
    private let descriptor: Int32

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EngineError.file(path: path, problem: "no such file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.file(path: path, problem: "cannot read file") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw EngineError.file(path: path, problem: "cannot read file")
        }
        let size = Int(info.st_size)
        // The length field, then as much of the header as it says (bounded by the format's limit).
        var prefix = [UInt8](repeating: 0, count: min(size, 8))
        do {
            try Self.read(fd, into: &prefix, at: 0, path: path)
            if prefix.count == 8 {
                let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                let total = 8 + Int(min(length, UInt64(SafeTensorsFile.maximumHeaderLength)))
                prefix = [UInt8](repeating: 0, count: min(size, total))
                try Self.read(fd, into: &prefix, at: 0, path: path)
            }
            let header = try prefix.withUnsafeBytes { try SafeTensorsFile.parseHeader(prefix: $0, fileSize: size) }
            metadata = header.metadata
            entries = header.entries
        } catch let error as EngineError {
            close(fd)
            throw error.from(path)
        }
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The values of tensor `name`; nil if the file has none of that name.
    public func values(named name: String) throws -> [Float]? {
        guard let entry = entries[name] else { return nil }
        var values = [Float](repeating: 0, count: entry.count)
        try values.withUnsafeMutableBytes { out in try Self.read(descriptor, into: out, at: entry.offset, path: path) }
        return values
    }

    /// Values `range` of tensor `name` (which the file has) into `out`, whose count is the range's.
    public func read(_ name: String, _ range: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) throws {
        let entry = entries[name]!
        precondition(range.lowerBound >= 0 && range.upperBound <= entry.count && out.count == range.count,
                     "values \(range) of tensor \(name) (\(entry.count)) into \(out.count)")
        try Self.read(descriptor, into: UnsafeMutableRawBufferPointer(out),
                      at: entry.offset + range.lowerBound * MemoryLayout<Float>.stride, path: path)
    }

    private static func read(_ fd: Int32, into bytes: inout [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeMutableBytes { try read(fd, into: $0, at: offset, path: path) }
    }

    /// Fills `out` from `offset`, whatever the size of each read; a file that ends first is an error.
    private static func read(_ fd: Int32, into out: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < out.count {
            let n = pread(fd, out.baseAddress! + done, out.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw EngineError.file(path: path, problem: n == 0 ? "ends early (truncated?)" : "cannot read: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
}

/// One tensor for `SafeTensorsFile.write(metadata:tensors:to:)`: its shape, and a body that lends its values
/// in order, in one buffer or in consecutive pieces (from memory, or read from wherever they are kept), each
/// for as long as it is written.
public struct TensorWriteSource {
    public let shape: [Int]
    let lend: ((UnsafeBufferPointer<Float>) throws -> Void) throws -> Void

    public init(shape: [Int], lend: @escaping ((UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) {
        self.shape = shape
        self.lend = lend
    }

    public init(shape: [Int], values: [Float]) {
        self.init(shape: shape) { body in try values.withUnsafeBufferPointer(body) }
    }
}

extension SafeTensorsFile {
    /// Writes a safetensors file to `descriptor` tensor by tensor, each from its source: the same bytes as
    /// `serialized()` of the same tensors, without holding them all (and their serialized copy) in memory.
    public static func write(metadata: [String: String], tensors: [String: TensorWriteSource], to descriptor: Int32) throws {
        let names = tensors.keys.sorted()
        let header = Self.header(metadata: metadata, tensors: names.map { ($0, tensors[$0]!.shape) })
        try header.withUnsafeBytes { try writeAll(descriptor, $0) }
        for name in names {
            let source = tensors[name]!
            let expected = source.shape.reduce(1, *)
            var written = 0
            try source.lend { values in
                precondition(written + values.count <= expected, "tensor \(name): \(written + values.count) values for shape \(source.shape)")
                try writeAll(descriptor, UnsafeRawBufferPointer(values))
                written += values.count
            }
            precondition(written == expected, "tensor \(name): \(written) values for shape \(source.shape)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EngineError.malformed("cannot write: \(String(cString: strerror(errno)))") }
            done += n
        }
    }
}
