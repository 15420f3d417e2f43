import CNetpbm

/// Reads a stream of Netpbm images (PBM, PGM, PPM, PAM, plain or raw) back to back, one at
/// a time, through libnetpbm.
///
/// Only the image being returned is held in memory, never the whole stream, and nothing
/// seeks, so stdin may be a pipe. Images over `maxPixels` pixels, wider than `maxWidth` or with a
/// depth outside 1...4 are refused from their header, before any pixel memory is allocated; below the limit
/// the raster's memory grows with the data that arrives (`initialSamples`), so a header alone
/// cannot make the reader allocate much. After an
/// error the stream position is unknown, so every later `next()` throws the same error.
public final class NetpbmReader {
    /// The largest width*height accepted (2^28, a 16384x16384 image).
    public static let maxPixels = 1 << 28

    /// The widest image accepted, in pixels (65536, the C shim's STZ_MAX_WIDTH): libnetpbm allocates a whole
    /// row at once, so a wider header is refused before that, with the row's memory in the message.
    public static let maxWidth = Int(STZ_MAX_WIDTH)

    private let stream: OpaquePointer
    private let name: String
    private let maxPixels: Int
    private var state = State.reading

    private enum State {
        case reading
        case finished
        case failed(NetpbmError)
    }

    /// Called with each image's width, height and depth once its header is read, before its samples are
    /// allocated: an error thrown here (say, "needs more memory than there is") is the reader's error.
    public var admit: ((_ width: Int, _ height: Int, _ depth: Int) throws -> Void)?

    /// The number of images `next()` has returned.
    public private(set) var imagesRead = 0

    /// Reads from an open descriptor, which stays the caller's: it is not closed here,
    /// and must stay open while the reader is used. Input is buffered, so bytes after the
    /// last image returned may already have been consumed from the descriptor.
    /// `name` is how error messages refer to the stream; images over `maxPixels` pixels
    /// are refused from their header (a smaller limit keeps a fuzzer's allocations small).
    public convenience init(fileDescriptor: Int32, name: String = "stdin", maxPixels: Int = NetpbmReader.maxPixels) throws {
        self.init(stream: try Libnetpbm.openStream(fileDescriptor: fileDescriptor, writing: false, name: name),
                  name: name, maxPixels: maxPixels)
    }

    /// Reads the file at `path`; errors name the path.
    public convenience init(path: String) throws {
        self.init(stream: try Libnetpbm.openStream(path: path, writing: false), name: path, maxPixels: Self.maxPixels)
    }

    private init(stream: OpaquePointer, name: String, maxPixels: Int) {
        self.stream = stream
        self.name = name
        self.maxPixels = maxPixels
    }

    deinit {
        _ = stz_close(stream, nil, 0)
    }

    /// The next image, or nil at a clean end of the stream (also for empty input, or
    /// input that is only whitespace). Throws `NetpbmError` on bad or truncated data.
    public func next() throws -> NetpbmImage? {
        switch state {
        case .finished: return nil
        case .failed(let error): throw error
        case .reading: break
        }
        do {
            guard let image = try readImage() else {
                state = .finished
                return nil
            }
            imagesRead += 1
            return image
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private func readImage() throws(NetpbmError) -> NetpbmImage? {
        var info = stz_image_info()
        let (status, headerMessage) = Libnetpbm.withMessageBuffer {
            stz_read_header(stream, UInt64(max(0, maxPixels)), &info, $0, $1)
        }
        if status == 0 { return nil }
        if status < 0 { throw imagesRead == 0 ? firstHeaderFailure(headerMessage) : failure(headerMessage) }
        guard let tupleType = Libnetpbm.tupleType(of: info) else { throw failure("tuple type is not UTF-8 text") }
        do {
            try admit?(Int(info.width), Int(info.height), Int(info.depth))
        } catch {
            throw failure("\(error)")
        }

        let samples = try readRaster(width: Int(info.width), height: Int(info.height), depth: Int(info.depth))
        return NetpbmImage(
            width: Int(info.width), height: Int(info.height), depth: Int(info.depth),
            maxval: Int(info.maxval), format: NetpbmFormat(stzFormat: info.format),
            tupleType: tupleType, plain: info.plain != 0,
            samples: samples)
    }

    /// Samples held in memory before the header's size is believed: 1 Mi samples (2 MB). The raster is
    /// read in pieces of about this many samples, and the buffer grows with what has arrived (doubling,
    /// capped at the header's count), so a header that promises a 16384x16384 image followed by a few bytes
    /// costs about this much, not the 512 MB of its raster. Every sample is copied at most twice more
    /// (the doublings), against libnetpbm's per-sample parsing.
    public static let initialSamples = 1 << 20

    /// The capacity to grow to, for `needed` samples held of the header's `total`: at least double the
    /// present one (so the copies of all growths add up to at most the final size), never over `total`,
    /// never under `initialSamples` unless `total` is smaller.
    public static func grownCapacity(present: Int, needed: Int, total: Int) -> Int {
        min(total, max(needed, 2 * present, initialSamples))
    }

    /// Reads the pending image's raster in pieces of whole rows, growing the buffer as they arrive.
    private func readRaster(width: Int, height: Int, depth: Int) throws(NetpbmError) -> [UInt16] {
        let rowSamples = width * depth
        let total = rowSamples * height
        let rowsPerPiece = max(1, Self.initialSamples / rowSamples)
        var samples: [UInt16] = []
        samples.reserveCapacity(Self.grownCapacity(present: 0, needed: min(total, rowsPerPiece * rowSamples), total: total))
        var rowsRead = 0
        while rowsRead < height {
            let rows = min(rowsPerPiece, height - rowsRead)
            let start = samples.count
            if samples.capacity < start + rows * rowSamples {
                samples.reserveCapacity(Self.grownCapacity(present: samples.capacity, needed: start + rows * rowSamples,
                                                           total: total))
            }
            samples.append(contentsOf: repeatElement(0, count: rows * rowSamples))
            let (status, message) = samples.withUnsafeMutableBufferPointer { buffer in
                Libnetpbm.withMessageBuffer { stz_read_rows(stream, buffer.baseAddress! + start, Int32(rows), $0, $1) }
            }
            if status != 0 { throw failure(message) }
            rowsRead += rows
        }
        return samples
    }

    /// The first header failed: if the stream is a file of another kind (a JPEG, PNG, Gram file...),
    /// say what it is and what to do rather than libnetpbm's "bad magic number".
    private func firstHeaderFailure(_ message: String) -> NetpbmError {
        var head = [UInt8](repeating: 0, count: FileKind.headLength)
        let count = head.withUnsafeMutableBufferPointer { stz_stream_head(stream, $0.baseAddress, $0.count) }
        guard let kind = FileKind(head: Array(head.prefix(count))), kind != .netpbm else { return failure(message) }
        let advice = kind.isForeignImage ? ": \(kind.conversionAdvice)" : ""
        return NetpbmError(.read, stream: name, detail: "\(kind.description), not a PPM, PGM or PAM image\(advice)", fileKind: kind)
    }

    /// An error naming the stream, and the image within it when it is not the first.
    private func failure(_ message: String) -> NetpbmError {
        NetpbmError(.read, stream: name, image: imagesRead > 0 ? imagesRead + 1 : nil, detail: message)
    }
}
