import Foundation

/// One named float32 tensor of a safetensors file.
public struct NamedTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (an 8-byte little-endian header length, a JSON header, raw little-endian data):
/// weights and Gram files use it because people already open it from Python.
/// Only float32 tensors are read and written; that is all this project stores.
public struct SafeTensorsFile: Sendable, Equatable {
    public var tensors: [String: NamedTensor]
    public var metadata: [String: String]

    public init(tensors: [String: NamedTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a whole file. The path appears in every error message.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EngineError.file(path: path, problem: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError.file(path: path, problem: "cannot read file")
        }
        do {
            try self.init(bytes: data)
        } catch let error as EngineError {
            throw error.from(path)
        }
    }

    /// Parses safetensors bytes.
    public init(bytes data: Data) throws {
        let (metadata, entries) = try data.withUnsafeBytes { raw in
            try Self.parseHeader(prefix: UnsafeRawBufferPointer(rebasing: raw.prefix(8 + Self.maximumHeaderLength)), fileSize: data.count)
        }
        var tensors: [String: NamedTensor] = [:]
        for (name, entry) in entries {
            var values = [Float](repeating: 0, count: entry.count)
            values.withUnsafeMutableBytes { out in
                data.withUnsafeBytes { raw in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[entry.offset..<(entry.offset + 4 * entry.count)]))
                }
            }
            tensors[name] = NamedTensor(shape: entry.shape, values: values)
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    static let maximumHeaderLength = 100_000_000

    /// The header of a safetensors file of `fileSize` bytes from its first bytes (`prefix`: at least the 8-byte
    /// length and the header, or the whole file if shorter): the metadata, and each tensor's shape, count and
    /// absolute offset, every one checked to lie inside the file. Shared by the
    /// readers of whole files (`init(bytes:)`) and of one tensor at a time (`SafeTensorsReader`).
    static func parseHeader(prefix: UnsafeRawBufferPointer, fileSize: Int) throws
        -> (metadata: [String: String], entries: [String: SafeTensorsEntry]) {
        guard prefix.count >= 8, fileSize >= 8 else { throw EngineError.malformed("not a safetensors file (too short)") }
        let headerLength = UInt64(littleEndian: prefix.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard headerLength > 1, headerLength <= UInt64(fileSize - 8), headerLength < UInt64(maximumHeaderLength),
              8 + Int(headerLength) <= prefix.count else {
            throw EngineError.malformed("not a safetensors file (bad header length)")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerBytes = Data(UnsafeRawBufferPointer(rebasing: prefix[8..<headerEnd]))
        guard let header = (try? JSONSerialization.jsonObject(with: headerBytes)) as? [String: Any] else {
            throw EngineError.malformed("not a safetensors file (header is not a JSON object)")
        }
        let payloadSize = fileSize - headerEnd
        var entries: [String: SafeTensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let dict = entry as? [String: Any] else { throw EngineError.malformed("bad __metadata__") }
                for (key, value) in dict {
                    guard let text = value as? String else { throw EngineError.malformed("metadata \(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let info = entry as? [String: Any],
                  let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2
            else { throw EngineError.malformed("tensor \(name): malformed header entry") }
            guard dtype == "F32" else { throw EngineError.malformed("tensor \(name): dtype \(dtype), expected F32") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw EngineError.malformed("tensor \(name): negative dimension") }
            // The product is checked: a shape such as [2^32, 2^32] must be refused, not overflow (a trap).
            var byteCount = 4, overflow = false
            for dimension in shape where !overflow { (byteCount, overflow) = byteCount.multipliedReportingOverflow(by: dimension) }
            guard !overflow else { throw EngineError.malformed("tensor \(name): shape \(shape) is too large") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= payloadSize else {
                throw EngineError.malformed("tensor \(name): data lies outside the file (truncated?)")
            }
            guard end - begin == byteCount else {
                throw EngineError.malformed("tensor \(name): \(end - begin) bytes for shape \(shape)")
            }
            entries[name] = SafeTensorsEntry(shape: shape, count: byteCount / 4, offset: headerEnd + begin)
        }
        return (metadata, entries)
    }

    /// The serialized bytes: tensors in sorted name order, header padded with spaces to a multiple of 8.
    public func serialized() -> Data {
        let names = tensors.keys.sorted()
        var out = Self.header(metadata: metadata, tensors: names.map { ($0, tensors[$0]!.shape) })
        for name in names {
            tensors[name]!.values.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The 8-byte length and the JSON header for these tensors, whose data follows in this order.
    static func header(metadata: [String: String], tensors: [(name: String, shape: [Int])]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, shape) in tensors {
            let size = shape.reduce(4, *)
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        return out
    }

    /// Writes the file atomically, so a reader never sees half of it.
    public func write(to path: String) throws {
        do {
            try serialized().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EngineError.file(path: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }
}
