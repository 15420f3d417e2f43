import Foundation
import ImageIO
import XCTest

/// Agreement with the netpbm command-line tools and ImageMagick (found on PATH), and the real
/// sample images in the repository's fixtures/images.
final class ToolCrossCheckTests: XCTestCase {
    func testImageFromPpmmakeReadsAsMade() throws {
        let made = try IOFixtures.run(["ppmmake", "-maxval", "1000", "rgb:ff/80/00", "4", "3"])
        let (images, error) = try IOFixtures.readAll(made)
        XCTAssertNil(error)
        let image = try XCTUnwrap(images.first)
        XCTAssertEqual([image.width, image.height, image.depth, image.maxval], [4, 3, 3, 1000])
        XCTAssertEqual(image.format, .ppm)
        XCTAssertFalse(image.plain)
        XCTAssertEqual(image.samples, Array(repeating: [1000, 502, 0] as [UInt16], count: 12).flatMap { $0 })
    }

    func testOurPAMThroughPamtopnmPlain() throws {
        // Our PAM, converted by netpbm to a plain PPM, reads back with the same samples.
        let pam = IOFixtures.image(width: 5, height: 4, depth: 3, maxval: 1000, format: .pam,
                                    tupleType: "RGB", seed: 9)
        let plainPPM = try IOFixtures.run(["pamtopnm", "-plain"], input: try IOFixtures.bytes(of: [pam]))
        XCTAssertEqual(String(decoding: plainPPM.prefix(2), as: UTF8.self), "P3")
        let (images, error) = try IOFixtures.readAll(plainPPM)
        XCTAssertNil(error)
        var expected = pam
        expected.format = .ppm
        expected.plain = true
        XCTAssertEqual(images, [expected])
    }

    func testImageMagickSixteenBitPPMAndOurOutputBackThroughImageMagick() throws {
        let made = try IOFixtures.run(try IOFixtures.imageMagick() + ["-size", "2x1", "xc:rgb(10,20,30)", "-depth", "16", "ppm:-"])
        let (images, error) = try IOFixtures.readAll(made)
        XCTAssertNil(error)
        let image = try XCTUnwrap(images.first)
        XCTAssertEqual(image.maxval, 65535)
        XCTAssertEqual(image.samples, [2570, 5140, 7710, 2570, 5140, 7710])
        XCTAssertEqual(image.rgb().pixels, [10, 20, 30, 10, 20, 30])

        // ImageMagick reads what we write: the mean of a known gray PGM.
        let gray = NetpbmImage(width: 2, height: 1, depth: 1, maxval: 1000, format: .pgm, tupleType: "GRAYSCALE",
                               plain: false, samples: [200, 600])
        let mean = try IOFixtures.runText(try IOFixtures.imageMagick() + ["pgm:-", "-format", "%[fx:mean]", "info:"],
                                           input: try IOFixtures.bytes(of: [gray]))
        // ImageMagick prints the mean with 6 significant digits or more: 1e-6 is its printing, not ours.
        XCTAssertEqual(try XCTUnwrap(Double(mean)), 0.4, accuracy: 1e-6)
    }

    func testRealImagesHaveTheirSizesAndWriteBackByteForByte() throws {
        let expected = [
            "content-astronaut.ppm": (512, 512),
            "content-kitten.ppm": (512, 288),
            "content-pontdugard.ppm": (512, 341),
            "style-starry.ppm": (512, 405),
        ]
        let directory = IOFixtures.repository.appendingPathComponent("fixtures/images").path
        let present = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ppm") }
        XCTAssertEqual(Set(present), Set(expected.keys))
        for (name, (width, height)) in expected {
            let path = "\(directory)/\(name)"
            let reader = try NetpbmReader(path: path)
            let image = try XCTUnwrap(try reader.next(), name)
            XCTAssertNil(try reader.next(), name)
            XCTAssertEqual(image.width, width, name)
            XCTAssertEqual(image.height, height, name)
            XCTAssertEqual([image.depth, image.maxval], [3, 255], name)
            XCTAssertEqual(image.format, .ppm, name)
            XCTAssertEqual(image.samples.count, width * height * 3, name)
            XCTAssertEqual(try IOFixtures.bytes(of: [image]), Array(try Data(contentsOf: URL(fileURLWithPath: path))),
                           name)
        }
    }
}
