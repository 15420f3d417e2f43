import Foundation
import ImageIO
import XCTest

/// Every writable format, written then read back: exact samples and header, and the
/// bytes really are in the format asked for (magic number, and netpbm's own pamfile
/// agrees on the header).
final class RoundTripTests: XCTestCase {
    private struct Case {
        let format: NetpbmFormat
        let plain: Bool
        let depth: Int
        let tupleType: String
        let magic: String
    }

    private let cases = [
        Case(format: .ppm, plain: false, depth: 3, tupleType: "RGB", magic: "P6"),
        Case(format: .ppm, plain: true, depth: 3, tupleType: "RGB", magic: "P3"),
        Case(format: .pgm, plain: false, depth: 1, tupleType: "GRAYSCALE", magic: "P5"),
        Case(format: .pgm, plain: true, depth: 1, tupleType: "GRAYSCALE", magic: "P2"),
        Case(format: .pam, plain: false, depth: 3, tupleType: "RGB", magic: "P7"),
        Case(format: .pam, plain: false, depth: 4, tupleType: "RGB_ALPHA", magic: "P7"),
        Case(format: .pam, plain: false, depth: 1, tupleType: "GRAYSCALE", magic: "P7"),
        Case(format: .pam, plain: false, depth: 2, tupleType: "GRAYSCALE_ALPHA", magic: "P7"),
    ]

    func testEveryFormatAtMaxvals255And65535And1000() throws {
        var checked = 0
        for c in cases {
            for maxval in [255, 65535, 1000] {
                let label = "\(c.magic) \(c.tupleType) maxval \(maxval)"
                let original = IOFixtures.image(width: 7, height: 5, depth: c.depth, maxval: maxval,
                                                 format: c.format, tupleType: c.tupleType,
                                                 plain: c.plain, seed: checked)
                XCTAssertTrue(original.samples.contains(UInt16(maxval)), label)
                let bytes = try IOFixtures.bytes(of: [original])
                XCTAssertEqual(String(decoding: bytes.prefix(2), as: UTF8.self), c.magic, label)

                let (images, error) = try IOFixtures.readAll(bytes)
                XCTAssertNil(error, label)
                XCTAssertEqual(images.count, 1, label)
                XCTAssertEqual(images.first, original, label)
                XCTAssertEqual(images.first?.samples, original.samples, label)

                let description = try IOFixtures.runText(["pamfile", "-machine"], input: bytes)
                let expectedKind = c.format == .pam ? "PAM" : (c.format == .ppm ? "PPM" : "PGM")
                let expectedPlain = c.format == .pam ? "RAW" : (c.plain ? "PLAIN" : "RAW")
                XCTAssertEqual(description,
                               "stdin: \(expectedKind) \(expectedPlain) 7 5 \(c.depth) \(maxval) \(c.tupleType)",
                               label)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 24)
    }

    func testPlainFlagIsIgnoredForPAM() throws {
        let image = IOFixtures.image(width: 2, height: 2, depth: 3, maxval: 255, format: .pam,
                                      tupleType: "RGB", plain: true)
        let (images, error) = try IOFixtures.readAll(try IOFixtures.bytes(of: [image]))
        XCTAssertNil(error)
        var expected = image
        expected.plain = false
        XCTAssertEqual(images, [expected])
    }

    func testPBMRoundTripBothVariants() throws {
        for plain in [false, true] {
            let image = NetpbmImage(width: 11, height: 2, depth: 1, maxval: 1, format: .pbm,
                                    tupleType: "BLACKANDWHITE", plain: plain,
                                    samples: (0..<22).map { UInt16(($0 * 7 % 3) & 1) })
            let bytes = try IOFixtures.bytes(of: [image])
            XCTAssertEqual(String(decoding: bytes.prefix(2), as: UTF8.self), plain ? "P1" : "P4")
            let (images, error) = try IOFixtures.readAll(bytes)
            XCTAssertNil(error)
            XCTAssertEqual(images, [image])
        }
    }
}
