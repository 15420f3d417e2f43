import ImageIO
import XCTest

/// rgb(), alphaSamples, replacingColor(with:) and init(rgb:).
final class ConversionTests: XCTestCase {
    func testRGBScalesMaxval65535To0Through255() {
        let image = NetpbmImage(width: 2, height: 1, depth: 3, maxval: 65535, format: .ppm, tupleType: "RGB",
                                plain: false, samples: [0, 65535, 257, 32768, 1, 65534])
        let rgb = image.rgb()
        XCTAssertEqual(rgb.width, 2)
        XCTAssertEqual(rgb.height, 1)
        XCTAssertEqual(rgb.pixels.count, 6)
        let expected: [Float] = [0, 255, 1, 32768 * 255 / 65535.0, 255 / 65535.0, 65534 * 255 / 65535.0]
        // Each value is one float32 rounding of s·255/65535 (at most 255): u·255 ≈ 1.5e-5, so 1e-4 is generous,
        // while a wrong scale (65536, or 256) is off by 4e-3 or more.
        for (got, want) in zip(rgb.pixels, expected) { XCTAssertEqual(got, want, accuracy: 1e-4) }
        XCTAssertEqual(rgb.pixels[0], 0)
        XCTAssertEqual(rgb.pixels[1], 255)
        XCTAssertEqual(rgb.pixels[2], 1)
    }

    /// rgb() converts through a table of every sample value when the image has more samples than values,
    /// else directly (a tiny 16-bit image); both ways must give the same floats, bit for bit.
    func testRGBTableAndDirectConversionAgree() {
        let maxval = 300
        let all = NetpbmImage(width: maxval + 1, height: 1, depth: 1, maxval: maxval, format: .pgm,
                              tupleType: "GRAYSCALE", plain: false, samples: (0...maxval).map(UInt16.init))
        let table = all.rgb().pixels
        for sample in [0, 1, 7, 150, 299, 300] {
            let one = NetpbmImage(width: 1, height: 1, depth: 1, maxval: maxval, format: .pgm,
                                  tupleType: "GRAYSCALE", plain: false, samples: [UInt16(sample)])
            let direct = one.rgb().pixels
            XCTAssertEqual(direct.map(\.bitPattern), [UInt32](repeating: table[sample * 3].bitPattern, count: 3), "sample \(sample)")
            XCTAssertEqual(Double(direct[0]), Double(sample) * 255 / Double(maxval), accuracy: 255 * 0x1p-24, "one float32 rounding")
        }
    }

    func testRGBAtMaxval255IsTheSamplesExactly() {
        let samples = (0..<256).map(UInt16.init) + [0, 0]
        let image = NetpbmImage(width: 86, height: 1, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB",
                                plain: false, samples: samples)
        XCTAssertEqual(image.rgb().pixels, samples.map(Float.init))
    }

    func testGrayscaleIsReplicatedAndAlphaDropped() {
        let gray = NetpbmImage(width: 3, height: 1, depth: 1, maxval: 1000, format: .pgm, tupleType: "GRAYSCALE",
                               plain: false, samples: [0, 500, 1000])
        XCTAssertEqual(gray.rgb().pixels, [0, 0, 0, 127.5, 127.5, 127.5, 255, 255, 255])
        XCTAssertNil(gray.alphaSamples)
        XCTAssertFalse(gray.hasAlpha)

        let grayAlpha = NetpbmImage(width: 2, height: 1, depth: 2, maxval: 255, format: .pam,
                                    tupleType: "GRAYSCALE_ALPHA", plain: false, samples: [10, 200, 20, 0])
        XCTAssertEqual(grayAlpha.rgb().pixels, [10, 10, 10, 20, 20, 20])
        XCTAssertEqual(grayAlpha.alphaSamples, [200, 0])
        XCTAssertTrue(grayAlpha.hasAlpha)

        let rgba = NetpbmImage(width: 2, height: 1, depth: 4, maxval: 255, format: .pam, tupleType: "RGB_ALPHA",
                               plain: false, samples: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(rgba.rgb().pixels, [1, 2, 3, 5, 6, 7])
        XCTAssertEqual(rgba.alphaSamples, [4, 8])
    }

    func testPBMIsBlackZeroWhite255() throws {
        let (images, error) = try IOFixtures.readAll("P1\n3 1\n1 0 1\n")
        XCTAssertNil(error)
        let image = try XCTUnwrap(images.first)
        XCTAssertEqual(image.format, .pbm)
        XCTAssertEqual(image.maxval, 1)
        XCTAssertEqual(image.depth, 1)
        XCTAssertTrue(image.plain)
        XCTAssertEqual(image.tupleType, "BLACKANDWHITE")
        XCTAssertEqual(image.samples, [0, 1, 0])
        XCTAssertEqual(image.rgb().pixels, [0, 0, 0, 255, 255, 255, 0, 0, 0])
    }

    func testReplacingColorRoundsAndClamps() {
        let image = NetpbmImage(width: 2, height: 1, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB",
                                plain: true, samples: [0, 0, 0, 0, 0, 0])
        let rgb = RGBImage(width: 2, height: 1, pixels: [-3, 300.7, 12.5, 12.49, 254.6, .nan])
        let result = image.replacingColor(with: rgb)
        XCTAssertEqual(result.samples, [0, 255, 13, 12, 255, 0])
        XCTAssertEqual(result.format, .ppm)
        XCTAssertTrue(result.plain)
        XCTAssertEqual(result.maxval, 255)

        let deep = NetpbmImage(width: 1, height: 1, depth: 3, maxval: 1000, format: .ppm, tupleType: "RGB",
                               plain: false, samples: [0, 0, 0])
        let scaled = deep.replacingColor(with: RGBImage(width: 1, height: 1, pixels: [127.5, -3, 300.7]))
        XCTAssertEqual(scaled.samples, [500, 0, 1000])
    }

    func testReplacingColorKeepsAlphaAndFormatFamily() {
        let grayAlpha = NetpbmImage(width: 2, height: 1, depth: 2, maxval: 1000, format: .pam,
                                    tupleType: "GRAYSCALE_ALPHA", plain: false, samples: [5, 999, 6, 0])
        let rgb = RGBImage(width: 2, height: 1, pixels: [255, 0, 51, 300.7, -3, 0.2])
        let result = grayAlpha.replacingColor(with: rgb)
        XCTAssertEqual(result, NetpbmImage(width: 2, height: 1, depth: 4, maxval: 1000, format: .pam,
                                           tupleType: "RGB_ALPHA", plain: false,
                                           samples: [1000, 0, 200, 999, 1000, 0, 1, 0]))
        XCTAssertEqual(result.alphaSamples, grayAlpha.alphaSamples)

        let gray = NetpbmImage(width: 1, height: 1, depth: 1, maxval: 255, format: .pam, tupleType: "GRAYSCALE",
                               plain: false, samples: [7])
        let grayResult = gray.replacingColor(with: RGBImage(width: 1, height: 1, pixels: [1, 2, 3]))
        XCTAssertEqual(grayResult.tupleType, "RGB")
        XCTAssertEqual(grayResult.depth, 3)
        XCTAssertEqual(grayResult.format, .pam)
        XCTAssertEqual(grayResult.samples, [1, 2, 3])

        let rgba = NetpbmImage(width: 1, height: 1, depth: 4, maxval: 65535, format: .pam, tupleType: "RGB_ALPHA",
                               plain: false, samples: [1, 2, 3, 12345])
        let rgbaResult = rgba.replacingColor(with: RGBImage(width: 1, height: 1, pixels: [255, 0, 1]))
        XCTAssertEqual(rgbaResult.samples, [65535, 0, 257, 12345])
        XCTAssertEqual(rgbaResult.tupleType, "RGB_ALPHA")

        let pgm = NetpbmImage(width: 1, height: 1, depth: 1, maxval: 1000, format: .pgm, tupleType: "GRAYSCALE",
                              plain: true, samples: [7])
        let pgmResult = pgm.replacingColor(with: RGBImage(width: 1, height: 1, pixels: [255, 127.5, 0]))
        XCTAssertEqual(pgmResult, NetpbmImage(width: 1, height: 1, depth: 3, maxval: 1000, format: .ppm,
                                              tupleType: "RGB", plain: true, samples: [1000, 500, 0]))
    }

    func testReplacingColorOfBilevelImagesGoesToMaxval255() {
        let pbm = NetpbmImage(width: 2, height: 1, depth: 1, maxval: 1, format: .pbm, tupleType: "BLACKANDWHITE",
                              plain: false, samples: [0, 1])
        let result = pbm.replacingColor(with: RGBImage(width: 2, height: 1, pixels: [10, 20, 30, 40, 50, 60]))
        XCTAssertEqual(result, NetpbmImage(width: 2, height: 1, depth: 3, maxval: 255, format: .ppm,
                                           tupleType: "RGB", plain: false, samples: [10, 20, 30, 40, 50, 60]))

        let bwAlpha = NetpbmImage(width: 2, height: 1, depth: 2, maxval: 1, format: .pam,
                                  tupleType: "BLACKANDWHITE_ALPHA", plain: false, samples: [0, 1, 1, 0])
        let alphaResult = bwAlpha.replacingColor(with: RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(alphaResult.maxval, 255)
        XCTAssertEqual(alphaResult.tupleType, "RGB_ALPHA")
        XCTAssertEqual(alphaResult.alphaSamples, [255, 0])
    }

    /// replacingColor(with: rgb()) gives back the image at maxval 255 and above: the float view
    /// loses nothing.
    func testColorRoundTripIsExact() {
        for maxval in [1000, 65535, 255] {
            let image = IOFixtures.image(width: 40, height: 30, depth: 4, maxval: maxval, format: .pam,
                                          tupleType: "RGB_ALPHA", seed: maxval)
            XCTAssertEqual(image.replacingColor(with: image.rgb()), image, "maxval \(maxval)")
        }
    }

    /// Below maxval 255 a painting is written at 255 (8 bits per channel at least), color and alpha
    /// rescaled: sample s at maxval m becomes round(s * 255 / m), exact for these values.
    func testLowMaxvalGoesTo255() {
        let pgm = NetpbmImage(width: 3, height: 1, depth: 1, maxval: 15, format: .pgm, tupleType: "GRAYSCALE",
                              plain: false, samples: [0, 7, 15])
        XCTAssertEqual(pgm.paintingMaxval, 255)
        let painted = pgm.replacingColor(with: RGBImage(width: 3, height: 1, pixels: [1, 2, 3, 100, 101, 102, 254, 253, 252]))
        XCTAssertEqual(painted, NetpbmImage(width: 3, height: 1, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB",
                                            plain: false, samples: [1, 2, 3, 100, 101, 102, 254, 253, 252]))

        let pam = NetpbmImage(width: 4, height: 1, depth: 4, maxval: 3, format: .pam, tupleType: "RGB_ALPHA",
                              plain: false, samples: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        let result = pam.replacingColor(with: pam.rgb())
        XCTAssertEqual(result.maxval, 255)
        XCTAssertEqual(result.tupleType, "RGB_ALPHA")
        XCTAssertEqual(result.alphaSamples, [0, 85, 170, 255])
        XCTAssertEqual(result.samples.enumerated().filter { $0.offset % 4 == 0 }.map(\.element), [0, 85, 170, 255])

        XCTAssertEqual(NetpbmImage(width: 1, height: 1, depth: 1, maxval: 1000, format: .pgm, tupleType: "GRAYSCALE",
                                   plain: false, samples: [1]).paintingMaxval, 1000)
    }

    func testInitFromRGBIsRawPPM() {
        let rgb = RGBImage(width: 2, height: 1, pixels: [0, 127.5, 255, -3, 300.7, 64])
        XCTAssertEqual(NetpbmImage(rgb: rgb),
                       NetpbmImage(width: 2, height: 1, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB",
                                   plain: false, samples: [0, 128, 255, 0, 255, 64]))
        XCTAssertEqual(NetpbmImage(rgb: rgb, maxval: 65535).samples, [0, 32768, 65535, 0, 65535, 16448])
    }
}
