import Foundation

/// What a file is, told from its first bytes, so that a message can say what was given and what to do
/// instead of libnetpbm's "bad magic number 0xffd8".
///
/// Only formats a new user is likely to hand to a Netpbm filter are told apart; anything else is nil.
/// A safetensors file is recognized by its layout (an 8-byte little-endian header length, then "{"),
/// which is how Gram files and network weights are stored.
public enum FileKind: Sendable, Equatable {
    /// PBM, PGM, PPM or PAM ("P1" to "P7").
    case netpbm
    case jpeg, png, gif, webp, tiff, bmp
    case safetensors

    /// The first 16 bytes of a file (fewer if it is shorter) are enough.
    public static let headLength = 16

    public init?(head bytes: [UInt8]) {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.starts(with: prefix) }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(bytes[1]) {
            self = .netpbm
        } else if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts([0x89, 0x50, 0x4E, 0x47]) {
            self = .png
        } else if starts(Array("GIF8".utf8)) {
            self = .gif
        } else if starts(Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WEBP".utf8) {
            self = .webp
        } else if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            self = .tiff
        } else if starts(Array("BM".utf8)), bytes.count >= 14 {
            self = .bmp
        } else if bytes.count >= 9, bytes[8] == UInt8(ascii: "{"), bytes[5..<8].allSatisfy({ $0 == 0 }) {
            self = .safetensors
        } else {
            return nil
        }
    }

    /// The kind of the file at `path`, or nil if it cannot be read or is none of these.
    public init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: Self.headLength) else { return nil }
        self.init(head: [UInt8](data))
    }

    /// "a JPEG image", "a safetensors file (a Gram file or network weights)", ...
    public var description: String {
        switch self {
        case .netpbm: "a PPM, PGM or PAM image"
        case .jpeg: "a JPEG image"
        case .png: "a PNG image"
        case .gif: "a GIF image"
        case .webp: "a WebP image"
        case .tiff: "a TIFF image"
        case .bmp: "a BMP image"
        case .safetensors: "a safetensors file (a Gram file or network weights)"
        }
    }

    /// Whether this is a picture in a format other than Netpbm's.
    public var isForeignImage: Bool {
        switch self {
        case .netpbm, .safetensors: false
        default: true
        }
    }

    /// The Netpbm tool that converts this kind to PPM/PAM, if there is one.
    public var netpbmConverter: String? {
        switch self {
        case .jpeg: "jpegtopnm"
        case .png: "pngtopam -alphapam"
        case .gif: "giftopnm"
        case .tiff: "tifftopnm"
        case .bmp: "bmptopnm"
        default: nil
        }
    }

    /// How to turn a foreign image into one the filters read, for the end of a message.
    public var conversionAdvice: String {
        let converters = (netpbmConverter.map { ["\($0) FILE"] } ?? []) + ["convert FILE ppm:-"]
        return "convert it first (\(converters.joined(separator: ", or ")))"
    }
}
