import CNetpbm

/// Plumbing between the Swift API and the C shim: one-time libnetpbm setup, message
/// buffers, and the tuple-type field of `stz_image_info`.
enum Libnetpbm {
    /// The name libnetpbm is initialized with (it never prints it: messages come back
    /// to Swift as errors).
    static let programName = "stylize"

    /// Initializes libnetpbm (pm_init) once; cheap to call again.
    static func initialize() {
        stz_init(programName)
    }

    /// Runs `body` with a C message buffer and returns its result and the message left
    /// in the buffer ("" if none).
    static func withMessageBuffer<Result>(
        _ body: (UnsafeMutablePointer<CChar>, Int) throws -> Result
    ) rethrows -> (result: Result, message: String) {
        let capacity = Int(STZ_MESSAGE_CAPACITY)
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            let base = buffer.baseAddress!
            base[0] = 0
            let result = try body(base, capacity)
            return (result, String(cString: base))
        }
    }

    /// Opens a stream on a descriptor the caller keeps; errors are prefixed with `name`.
    static func openStream(fileDescriptor: Int32, writing: Bool, name: String) throws -> OpaquePointer {
        initialize()
        let (stream, message) = withMessageBuffer { stz_open_fd(fileDescriptor, writing ? 1 : 0, $0, $1) }
        guard let stream else { throw NetpbmError(.open, stream: name, detail: message) }
        return stream
    }

    /// Opens (or, writing, creates) the file at `path`; the C side's errors already name the path.
    static func openStream(path: String, writing: Bool) throws -> OpaquePointer {
        initialize()
        let (stream, message) = withMessageBuffer { stz_open_path(path, writing ? 1 : 0, $0, $1) }
        guard let stream else { throw NetpbmError(.open, stream: "", detail: message) }
        return stream
    }

    /// Reads the NUL-terminated tuple type out of a header, or nil if it is not UTF-8: decoding would
    /// replace each bad byte by U+FFFD (3 bytes), so the image could not be written back as it was read
    /// (found by scripts/fuzz netpbm).
    static func tupleType(of info: stz_image_info) -> String? {
        withUnsafeBytes(of: info.tuple_type) { bytes in
            String(validating: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Stores a tuple type into a header, or returns false if it does not fit.
    static func setTupleType(_ tupleType: String, in info: inout stz_image_info) -> Bool {
        let utf8 = Array(tupleType.utf8)
        return withUnsafeMutableBytes(of: &info.tuple_type) { bytes in
            guard utf8.count < bytes.count, !utf8.contains(0) else { return false }
            bytes.copyBytes(from: utf8)
            bytes[utf8.count] = 0
            return true
        }
    }
}

extension NetpbmFormat {
    init(stzFormat: Int32) {
        switch stzFormat {
        case STZ_FORMAT_PBM: self = .pbm
        case STZ_FORMAT_PGM: self = .pgm
        case STZ_FORMAT_PPM: self = .ppm
        default: self = .pam
        }
    }

    var stzFormat: Int32 {
        switch self {
        case .pbm: STZ_FORMAT_PBM
        case .pgm: STZ_FORMAT_PGM
        case .ppm: STZ_FORMAT_PPM
        case .pam: STZ_FORMAT_PAM
        }
    }
}
