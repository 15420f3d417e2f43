import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

final class LabelMaskTests: XCTestCase {
    func gray(_ width: Int, _ height: Int, _ levels: [UInt16], maxval: Int = 255) -> NetpbmImage {
        var image = NetpbmImage(rgb: RGBImage(width: width, height: height, pixels: [Float](repeating: 0, count: width * height * 3)))
        image.depth = 1
        image.maxval = maxval
        image.samples = levels
        return image
    }

    /// Hard labels get 1 in their region; a gray between the two region levels is their blend, linear in the
    /// level (64 of 255 is 1 - 64/255 black); every pixel's weights sum to 1.
    func testHardLabelsAndBlends() throws {
        let mask = try LabelMask(image: gray(4, 1, [0, 255, 64, 255]), colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m")
        XCTAssertEqual(mask.channels[0][0], 1)
        XCTAssertEqual(mask.channels[1][1], 1)
        XCTAssertEqual(mask.channels[1][2], 64.0 / 255, accuracy: 1e-6)
        XCTAssertEqual(mask.channels[0][2], 1 - 64.0 / 255, accuracy: 1e-6)
        for p in 0..<4 { XCTAssertEqual(mask.channels[0][p] + mask.channels[1][p], 1, accuracy: 1e-6) }
    }

    /// Colours are compared in 0...255 whatever the maxval: a 16-bit mask's 65535 is the region 255.
    func testAnyMaxval() throws {
        let mask = try LabelMask(image: gray(2, 1, [0, 65535], maxval: 65535), colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m")
        XCTAssertEqual(mask.channels[1], [0, 1])
    }

    func testRegionColourAbsentFromTheMask() {
        XCTAssertThrowsError(try LabelMask(image: gray(2, 1, [0, 255]), colors: [RegionColor(gray: 0), RegionColor(gray: 255),
                                                                              RegionColor(red: 255, green: 0, blue: 0)], name: "m.pgm")) {
            XCTAssertEqual("\($0)", "m.pgm: no pixel has the colour #ff0000 of --region #ff0000")
        }
    }

    /// A colour that is no region's and not on the segment between two region colours is named, with its
    /// pixel count (the most frequent first).
    func testColourWithoutRegion() {
        var image = NetpbmImage(rgb: RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 255, 255, 255, 0, 0, 255]))
        XCTAssertThrowsError(try LabelMask(image: image, colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m.ppm")) {
            XCTAssertEqual("\($0)", "m.ppm: colour #0000ff (1 pixel) is neither a --region colour nor a blend of two: give each a --region (STYLE or none)")
        }
        image.samples[8] = 0
        XCTAssertNoThrow(try LabelMask(image: image, colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m.ppm"))
    }

    /// Nearest sampling keeps hard labels hard, at any size.
    func testNearestSampling() throws {
        let mask = try LabelMask(image: gray(2, 1, [0, 255]), colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m")
        XCTAssertEqual(mask.channels(width: 5, height: 2)[1], [0, 0, 1, 1, 1, 0, 0, 1, 1, 1])
    }

    /// Another aspect ratio is refused (not fitted); one pixel of rounding at the smaller size is allowed.
    func testShapeCheck() throws {
        let mask = try LabelMask(image: gray(6, 4, [UInt16](repeating: 0, count: 24)), colors: [RegionColor(gray: 0)], name: "m.pgm")
        XCTAssertNoThrow(try mask.checkShape(width: 512, height: 341, name: "m.pgm", image: "the image"))
        XCTAssertNoThrow(try mask.checkShape(width: 96, height: 65, name: "m.pgm", image: "the image"))
        XCTAssertThrowsError(try mask.checkShape(width: 64, height: 64, name: "m.pgm", image: "the image")) {
            XCTAssertEqual("\($0)", "m.pgm is 6x4, the image is 64x64: another aspect ratio (masks are scaled, not fitted or cropped); make the mask at the image's shape")
        }
    }
}

final class HistogramMatchingTests: XCTestCase {
    /// Matched to a reference of the same pixel count, each channel of the result holds exactly the
    /// reference's values (the quantiles at i / (n - 1) are its sorted values), in the source's order.
    func testMatchedChannelsTakeTheReferenceValuesInTheSourceOrder() {
        var rng = SplitMix64(seed: 7)
        let n = 50
        // Distinct values (ties get one output, testTiesAndSelection), in a random order.
        let source = (0..<(3 * n)).map { Float($0) * 1.5 }.shuffled(using: &rng)
        let reference = (0..<(3 * n)).map { _ in Float.random(in: 0...255, using: &rng) }
        let out = HistogramMatching.match(source, to: reference)
        for c in 0..<3 {
            let channel = { (a: [Float]) in (0..<n).map { a[3 * $0 + c] } }
            XCTAssertEqual(channel(out).sorted(), channel(reference).sorted())
            let order = (0..<n).sorted { source[3 * $0 + c] < source[3 * $1 + c] }
            XCTAssertEqual(order.map { out[3 * $0 + c] }, channel(reference).sorted())
        }
    }

    /// Equal values stay equal; pixels not selected are unchanged.
    func testTiesAndSelection() {
        let source: [Float] = [10, 10, 10, 10, 10, 10, 200, 0, 0]
        let reference: [Float] = [0, 0, 0, 100, 100, 100, 50, 50, 50]
        let out = HistogramMatching.match(source, to: reference, sourceSelection: [true, true, false])
        XCTAssertEqual(Array(out[0..<3]), Array(out[3..<6]))
        XCTAssertEqual(Array(out[6..<9]), [200, 0, 0])
        XCTAssertEqual(out[0], 50)
    }
}
