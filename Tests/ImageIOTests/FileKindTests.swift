import Foundation
import ImageIO
import XCTest

/// Files of other kinds on a Netpbm stream are named, with what to do, instead of "bad magic number".
final class FileKindTests: XCTestCase {
    /// The first bytes of real files of each kind (as written by ImageMagick, libpng, libjpeg, safetensors).
    static let heads: [(FileKind?, [UInt8])] = [
        (.netpbm, Array("P6\n2 2\n255\n".utf8)),
        (.netpbm, Array("P7\nWIDTH 2\n".utf8)),
        (.jpeg, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]),
        (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        (.gif, Array("GIF89a\u{1}\0".utf8)),
        (.webp, Array("RIFF\u{1A}\0\0\0WEBPVP8 ".utf8)),
        (.tiff, [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00]),
        (.bmp, Array("BM".utf8) + [UInt8](repeating: 0, count: 14)),
        (.safetensors, [0x30, 0x03, 0, 0, 0, 0, 0, 0] + Array("{\"__metadata__\"".utf8)),
        (nil, Array("hello".utf8)),
        (nil, Array("P8".utf8)),
        (nil, []),
    ]

    func testKindsFromTheirFirstBytes() {
        for (kind, head) in Self.heads {
            XCTAssertEqual(FileKind(head: head), kind, "\(head.prefix(8))")
        }
    }

    private func readError(_ bytes: [UInt8]) throws -> NetpbmError? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("filekind-\(UUID().uuidString)").path
        try Data(bytes + [UInt8](repeating: 0x20, count: 64)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(FileKind(path: path), FileKind(head: bytes))
        do {
            _ = try NetpbmReader(path: path).next()
            return nil
        } catch let error as NetpbmError {
            return NetpbmError(error.kind, stream: "", detail: error.message.replacingOccurrences(of: path, with: "FILE.x"), fileKind: error.fileKind)
        }
    }

    func testReaderNamesTheKindAndTheConversion() throws {
        let jpeg = try XCTUnwrap(try readError(Self.heads[2].1))
        XCTAssertEqual(jpeg.fileKind, .jpeg)
        XCTAssertEqual(jpeg.message, "FILE.x: a JPEG image, not a PPM, PGM or PAM image: convert it first (jpegtopnm FILE, or convert FILE ppm:-)")
        XCTAssertEqual(try readError(Self.heads[3].1)?.message,
                       "FILE.x: a PNG image, not a PPM, PGM or PAM image: convert it first (pngtopam -alphapam FILE, or convert FILE ppm:-)")
        XCTAssertEqual(try readError(Self.heads[5].1)?.message,
                       "FILE.x: a WebP image, not a PPM, PGM or PAM image: convert it first (convert FILE ppm:-)")
        let gram = try XCTUnwrap(try readError(Self.heads[8].1))
        XCTAssertEqual(gram.fileKind, .safetensors)
        XCTAssertEqual(gram.message, "FILE.x: a safetensors file (a Gram file or network weights), not a PPM, PGM or PAM image")
        let other = try XCTUnwrap(try readError(Array("hello".utf8)))
        XCTAssertNil(other.fileKind)
        XCTAssertEqual(other.message, "FILE.x: bad magic number 0x6865 - not a PAM, PPM, PGM, or PBM file")
    }

    /// Only the first image of a stream is sniffed: later, a bad header is a broken stream, said as libnetpbm says it.
    func testLaterImagesKeepLibnetpbmsMessage() throws {
        var bytes = Array("P5\n1 1\n255\n\0".utf8)
        bytes += Self.heads[2].1
        let (images, error) = try IOFixtures.readAll(bytes)
        XCTAssertEqual(images.count, 1)
        XCTAssertNil(error?.fileKind)
        XCTAssertEqual(error?.message, "input: image 2: bad magic number 0xffd8 - not a PAM, PPM, PGM, or PBM file")
    }
}
