import Foundation
import ImageIO
import XCTest

/// Bad input, each with the exact message a user would see after "stylize: ".
final class BadInputTests: XCTestCase {
    private func assertFails(_ input: String, with message: String, imagesFirst: Int = 0,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let (images, error) = try IOFixtures.readAll(input)
        XCTAssertEqual(images.count, imagesFirst, "images before the error", file: file, line: line)
        XCTAssertEqual(error?.message, message, file: file, line: line)
        XCTAssertEqual(error?.description, message, file: file, line: line)
    }

    func testEmptyInputIsCleanEndNotError() throws {
        for input in ["", "\n", " \n\t\n"] {
            let (images, error) = try IOFixtures.readAll(input)
            XCTAssertEqual(images, [])
            XCTAssertNil(error)
        }
    }

    /// libnetpbm joins several TUPLTYPE lines into one tuple type (with a space), up to 255 bytes, but writes it
    /// as one header line, and reads a line into 256 bytes, the last taken for the newline: over 245 bytes it
    /// could not read back what it wrote (246: a byte lost, measured with pamfile; 247 on: "Unrecognized header
    /// line type"). Found by scripts/fuzz netpbm (a stream whose 9th image joined two lines;
    /// the input is fuzz/corpus/netpbm/finding-tuple-type-joined-too-long). So the reader refuses a longer one,
    /// and the writer too; 245 bytes (122 + space + 122) reads, writes and reads back.
    func testTupleTypeLongerThanAHeaderLine() throws {
        func pam(_ first: Int, _ second: Int) -> String {
            "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE \(String(repeating: "A", count: first))\n"
                + "TUPLTYPE \(String(repeating: "B", count: second))\nENDHDR\n\u{7}"
        }
        try assertFails(pam(123, 122), with: "input: tuple type too long: 246 bytes (a PAM header line holds at most 245)")
        let (images, error) = try IOFixtures.readAll(pam(122, 122))
        XCTAssertNil(error)
        XCTAssertEqual(images.map(\.tupleType), [String(repeating: "A", count: 122) + " " + String(repeating: "B", count: 122)])
        let (again, none) = try IOFixtures.readAll(try IOFixtures.bytes(of: images))
        XCTAssertNil(none)
        XCTAssertEqual(again, images)

        var long = images[0]
        long.tupleType += "C"
        XCTAssertThrowsError(try IOFixtures.bytes(of: [long])) {
            XCTAssertTrue("\($0)".hasSuffix(": tuple type too long: 246 bytes (a PAM header line holds at most 245)"), "\($0)")
        }
    }

    /// A PAM tuple type that is not UTF-8 could not be written back as read (found by scripts/fuzz netpbm;
    /// the input is fuzz/corpus/netpbm/finding-tuple-type-not-utf8).
    func testTupleTypeThatIsNotUTF8() throws {
        let header = Array("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAY".utf8) + [0x8f, 0x8f]
        let (images, error) = try IOFixtures.readAll(header + Array("\nENDHDR\n".utf8) + [7])
        XCTAssertEqual(images, [])
        XCTAssertEqual(error?.message, "input: tuple type is not UTF-8 text")
        let (valid, none) = try IOFixtures.readAll("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRÄY\nENDHDR\n\u{7}")
        XCTAssertNil(none)
        XCTAssertEqual(valid.map(\.tupleType), ["GRÄY"])
    }

    func testBadMagicNumber() throws {
        try assertFails("X6\n2 2\n255\nabcdefghijkl",
                        with: "input: bad magic number 0x5836 - not a PAM, PPM, PGM, or PBM file")
    }

    func testTruncatedPixelData() throws {
        try assertFails("P6\n2 2\n255\nabcdefghij", with: "input: truncated pixel data (read 1 of 2 rows)")
        try assertFails("P3\n2 2\n255\n1 2 3 4 5 6 7 8", with: "input: truncated pixel data (read 1 of 2 rows)")
        try assertFails("P6\n2 2\n255\n", with: "input: truncated pixel data (read 0 of 2 rows)")
    }

    func testMaxvalZero() throws {
        try assertFails("P6\n2 2\n0\nabcdefghijkl", with: "input: maxval of input image is zero")
    }

    func testMaxvalTooLarge() throws {
        try assertFails("P6\n2 2\n70000\n", with: "input: maxval of input image (70000) is too large.  "
                            + "The maximum allowed by the PPM format is 65535")
    }

    func testSampleAboveMaxval() throws {
        try assertFails("P3\n1 1\n255\n1 2 300\n",
                        with: "input: Plane 2 sample value 300 exceeds the image maxval of 255")
    }

    /// No pixel data follows the header: an attempt to allocate and read it would end in
    /// a truncation error, so this message shows the header alone was enough to refuse.
    func testAbsurdSizeRefusedBeforeAllocating() throws {
        try assertFails("P6\n100000 100000\n255\n",
                        with: "input: image too large: 100000x100000 pixels (limit 268435456)")
        // Just over the limit is refused; exactly at the limit goes on to read pixels.
        try assertFails("P5\n16385 16384\n255\n",
                        with: "input: image too large: 16385x16384 pixels (limit 268435456)")
        try assertFails("P5\n16384 16384\n255\n",
                        with: "input: truncated pixel data (read 0 of 16384 rows)")
        XCTAssertEqual(NetpbmReader.maxPixels, 16384 * 16384)
    }

    /// libnetpbm allocates a whole row: a header wider than 65536 pixels is refused before, with the row's
    /// memory (stz_row_bytes). 134217727x1 is the widest PGM libnetpbm itself accepts (its own limit: a row of
    /// tuples under 2^31 bytes); it is under the pixel limit, and its row would take 16 + 1 + 2 bytes a pixel
    /// (libnetpbm's tuple pointer and sample, its raw row, our sample): 2550136813 bytes = 2.375 GiB.
    func testWideHeaderRefusedBeforeARowIsAllocated() throws {
        try assertFails("P5\n134217727 1\n255\n",
                        with: "input: image too wide: 134217727x1 pixels (limit 65536 pixels a row; reading a row would need about 2.4 GB)")
        // PPM, 16-bit: 65537 * (8 + 24 + 6 + 6) bytes = 2.75 MiB. Exactly at the limit goes on to read pixels.
        try assertFails("P6\n65537 1\n65535\n",
                        with: "input: image too wide: 65537x1 pixels (limit 65536 pixels a row; reading a row would need about 2.8 MB)")
        try assertFails("P5\n65536 1\n255\n",
                        with: "input: truncated pixel data (read 0 of 1 rows)")
        XCTAssertEqual(NetpbmReader.maxWidth, 65536)
    }

    func testDepthOutsideOneToFourRefused() throws {
        try assertFails("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 5\nMAXVAL 255\nTUPLTYPE FOO\nENDHDR\n01234",
                        with: "input: unsupported depth 5 (need 1 to 4 samples per pixel)")
    }

    func testTruncatedHeader() throws {
        try assertFails("P6\n2 ", with: "input: truncated header")
        try assertFails("P", with: "input: truncated header")
        try assertFails("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\n", with: "input: truncated header")
    }

    func testZeroWidth() throws {
        try assertFails("P6\n0 2\n255\n", with: "input: Width is zero.  Image must be at least one pixel wide")
    }

    func testGarbageAfterValidImage() throws {
        let (images, error) = try IOFixtures.readAll("P6\n2 2\n255\nabcdefghijklgarbage")
        XCTAssertEqual(images.count, 1)
        XCTAssertEqual(images.first?.samples, Array("abcdefghijkl".utf8).map(UInt16.init))
        XCTAssertEqual(error?.message, "input: image 2: bad magic number 0x6761 - not a PAM, PPM, PGM, or PBM file")
    }

    func testErrorIsStickyAndImageNumberCounts() throws {
        let path = try IOFixtures.file(containing: Array("P5 1 1 255 aP5 1 1 255 bP5\n2 2\n255\nxy".utf8))
        let reader = try NetpbmReader(path: path)
        XCTAssertEqual(try reader.next()?.samples, [97])
        XCTAssertEqual(try reader.next()?.samples, [98])
        let expected = "\(path): image 3: truncated pixel data (read 1 of 2 rows)"
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual("\($0)", expected) }
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual("\($0)", expected) }
        XCTAssertEqual(reader.imagesRead, 2)
    }

    func testReadErrorFromDirectoryDescriptor() throws {
        let fd = open("/tmp", O_RDONLY)
        defer { close(fd) }
        let reader = try NetpbmReader(fileDescriptor: fd, name: "dir")
        XCTAssertThrowsError(try reader.next()) {
            XCTAssertEqual("\($0)", "dir: read error: Is a directory")
        }
    }
}
