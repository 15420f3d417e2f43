import CNetpbm
import Glibc

/// Writes Netpbm images through libnetpbm, one complete image per `write`, flushed so a
/// downstream reader in a pipeline sees each image as soon as it is done.
///
/// Write failures are errors, not signals: a reader that closed the pipe shows up as
/// a `NetpbmError` of kind `.brokenPipe`, "write error: Broken pipe" (SIGPIPE is held off on the writing
/// thread while writing).
/// After a write failure every later `write` fails the same way.
public final class NetpbmWriter {
    private let stream: OpaquePointer
    private let name: String

    /// Writes to an open descriptor, which stays the caller's (it is not closed here).
    /// `name` is how error messages refer to the stream.
    public convenience init(fileDescriptor: Int32, name: String = "stdout") throws {
        self.init(stream: try Libnetpbm.openStream(fileDescriptor: fileDescriptor, writing: true, name: name), name: name)
    }

    /// Creates (or truncates) the file at `path`; errors name the path.
    public convenience init(path: String) throws {
        self.init(stream: try Libnetpbm.openStream(path: path, writing: true), name: path)
    }

    private init(stream: OpaquePointer, name: String) {
        self.stream = stream
        self.name = name
    }

    deinit {
        _ = stz_close(stream, nil, 0)
    }

    /// Writes the image in its own format (`format`, `plain`, `maxval`, and for PAM
    /// `tupleType`) and flushes. Refuses, before writing anything, an image whose depth
    /// does not fit its format (PPM 3, PGM and PBM 1, PAM 1...4), whose maxval is out of
    /// range (PBM 1, else 1...65535), or whose samples do not match its size or exceed
    /// maxval.
    public func write(_ image: NetpbmImage) throws {
        // Range checks with clear messages are done in C; here only what Int32 can carry.
        guard let width = Int32(exactly: image.width), let height = Int32(exactly: image.height),
              let depth = Int32(exactly: image.depth), let maxval = Int32(exactly: image.maxval)
        else {
            throw NetpbmError(.write, stream: name, detail: "cannot write a \(image.width)x\(image.height) image")
        }
        var info = stz_image_info()
        info.width = width
        info.height = height
        info.depth = depth
        info.maxval = maxval
        info.format = image.format.stzFormat
        info.plain = image.plain ? 1 : 0
        guard Libnetpbm.setTupleType(image.tupleType, in: &info) else {
            throw NetpbmError(.write, stream: name, detail: "tuple type too long: \(image.tupleType.prefix(40))...")
        }
        let (status, message) = image.samples.withUnsafeBufferPointer { samples in
            Libnetpbm.withMessageBuffer {
                stz_write_image(stream, &info, samples.baseAddress, samples.count, $0, $1)
            }
        }
        if status != 0 { throw NetpbmError(stz_stream_errno(stream) == EPIPE ? .brokenPipe : .write, stream: name, detail: message) }
    }
}
