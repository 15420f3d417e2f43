import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// stylize --mask/--region and gram --mask from the command line: usage errors (64), bad masks (1, the
/// message exact, nothing on stdout), and a run that paints.
final class RegionCommandTests: XCTestCase {
    var content: Data!
    var style: String!

    override func setUpWithError() throws {
        (content, style) = try TestImages.contentAndStyle("region-style.ppm")
    }

    /// A 32x24 label map: 0 on the left half, 255 on the right (a 2x2 white square with `tiny`).
    func mask(_ name: String, width: Int = 32, height: Int = 24, tiny: Bool = false) throws -> String {
        var image = NetpbmImage(rgb: RGBImage(width: width, height: height, pixels: [Float](repeating: 0, count: width * height * 3)))
        for y in 0..<height {
            for x in 0..<width where tiny ? (x / 2 == 5 && y / 2 == 5) : x >= width / 2 {
                for c in 0..<3 { image.samples[(y * width + x) * 3 + c] = 255 }
            }
        }
        return try TestImages.write([image], to: name)
    }

    func assertUsageError(_ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CommandRunner.run("stylize", arguments, stdin: Data("not an image".utf8))
        XCTAssertEqual(result.status, 64, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "stylize: \(message) (see stylize --help)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, file: file, line: line)
    }

    func assertFails(_ arguments: [String], program: String = "stylize", stdin: Data? = nil, _ message: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CommandRunner.run(program, arguments + ["--weights", try Fixtures.weightsPath()], stdin: stdin ?? content)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "\(program): \(message)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, "nothing on stdout", file: file, line: line)
    }

    func testUsageErrors() throws {
        let m = try mask("usage-mask.pgm")
        try assertUsageError(["--region", "0=\(style!)"], "--region needs --mask FILE (the label map)")
        try assertUsageError(["--mask", m], "--mask needs a --region COLOR=STYLE for each colour of the mask")
        try assertUsageError(["--mask", m, "--style", style, "--region", "0=none"],
                             "--mask: give each region's style with --region COLOR=STYLE, not --style or --gram")
        try assertUsageError(["--mask", m, "--region", "0"],
                             "--region \"0\": no =; expected COLOR=STYLE[:WEIGHT], COLOR #rrggbb, R,G,B or a gray level, STYLE an image, a Gram file or none")
        try assertUsageError(["--mask", m, "--region", "#12345=none"],
                             "--region \"#12345=none\": bad colour \"#12345\"; expected COLOR=STYLE[:WEIGHT], COLOR #rrggbb, R,G,B or a gray level, STYLE an image, a Gram file or none")
        try assertUsageError(["--mask", m, "--region", "0=\(style!):-1"],
                             "--region \"0=\(style!):-1\": bad weight \"-1\"; expected COLOR=STYLE[:WEIGHT], COLOR #rrggbb, R,G,B or a gray level, STYLE an image, a Gram file or none")
        // A style name ending in U+06DD, which joins the ":" after it into one Character: the weight is still read.
        try assertUsageError(["--mask", m, "--region", "0=\(style!)\u{06DD}:-1"],
                             "--region \"0=\(style!)\u{06DD}:-1\": bad weight \"-1\"; expected COLOR=STYLE[:WEIGHT], COLOR #rrggbb, R,G,B or a gray level, STYLE an image, a Gram file or none")
        try assertUsageError(["--mask", m, "--region", "0=none", "--region", "0,0,0=\(style!)"], "--region: the colour #000000 is given twice")
        try assertUsageError(["--mask", m, "--region", "0=none", "--region", "255=none"], "--region: every region is none: nothing to paint")
        try assertUsageError(["--mask", m, "--region", "0=\(style!)", "--guidance", "blur"],
                             "The value 'blur' is invalid for '--guidance <mode>'. Please provide one of 'downsample', 'dilate' or 'erode'.")
        try assertUsageError(["--style", style, "--preserve-colors", "--colors", "content"],
                             "--preserve-colors is --colors luminance; it cannot go with --colors content")
    }

    /// The four bad inputs of issue 18: another aspect ratio (refused, not fitted), a --region colour that
    /// the mask lacks, a region with no unit at a layer, an unreadable mask; and a mask colour with no region.
    func testBadMasks() throws {
        let m = try mask("bad-mask.pgm")
        let square = try mask("square-mask.pgm", width: 40, height: 40)
        try assertFails(["--mask", square, "--region", "0=\(style!)", "--region", "255=none"],
                        "image 1: \(square) is 40x40, the image is 32x24: another aspect ratio (masks are scaled, not fitted or cropped); make the mask at the image's shape")
        try assertFails(["--mask", m, "--region", "0=\(style!)", "--region", "255=none", "--region", "#ff0000=none"],
                        "\(m): no pixel has the colour #ff0000 of --region #ff0000")
        try assertFails(["--mask", m, "--region", "0=\(style!)"],
                        "\(m): colour #ffffff (384 pixels) is neither a --region colour nor a blend of two: give each a --region (STYLE or none)")
        let tiny = try mask("tiny-mask.pgm", tiny: true)
        try assertFails(["--mask", tiny, "--region", "0=none", "--region", "255=\(style!)"],
                        "image 1: region #ffffff has no unit at relu1_1 at 32x24 (--guidance erode: no unit there sees only that region); "
                        + "give it more pixels, a larger --size, --guidance dilate or downsample, or --style-layers without relu1_1")
        try assertFails(["--mask", "/nonexistent/mask.pgm", "--region", "0=\(style!)"],
                        "--mask: cannot open '/nonexistent/mask.pgm': No such file or directory")
        let bogus = TestImages.path("bogus-mask.pgm")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: bogus))
        try assertFails(["--mask", bogus, "--region", "0=\(style!)"],
                        "--mask: \(bogus): bad magic number 0x6865 - not a PAM, PPM, PGM, or PBM file")
    }

    /// Two regions, one painted and one `none`, with --guidance downsample (at 32x24 an eroded half has no
    /// unit at relu4_1): an image of the input's size, and the none half nearer the content than the painted one.
    func testTwoRegionsPaint() throws {
        let m = try mask("paint-mask.pgm")
        let result = try CommandRunner.run("stylize", ["--mask", m, "--region", "0=\(style!):2", "--region", "255=none",
                                                       "--guidance", "downsample", "--schedule", "1:10", "--quiet",
                                                       "--weights", try Fixtures.weightsPath()], stdin: content)
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = try XCTUnwrap(try TestImages.read(result.stdout).first).rgb()
        let input = try XCTUnwrap(try TestImages.read(content).first).rgb()
        XCTAssertEqual([out.width, out.height], [32, 24])
        func change(_ columns: Range<Int>) -> Double {
            var sum = 0.0
            for y in 0..<24 { for x in columns { for c in 0..<3 { sum += abs(Double(out.pixels[(y * 32 + x) * 3 + c] - input.pixels[(y * 32 + x) * 3 + c])) } } }
            return sum / Double(24 * columns.count * 3)
        }
        XCTAssertLessThan(change(16..<32), change(0..<16))
    }

    /// gram --mask: an all-white mask gives the Grams of the whole image to the last bit (a guide of ones is
    /// the plain Gram, GuidedGramTests), and --label takes one colour's pixels; the source names the region.
    func testGramOverARegion() throws {
        let white = TestImages.path("white-mask.pgm")
        _ = try TestImages.write([NetpbmImage(rgb: RGBImage(width: 32, height: 32, pixels: [Float](repeating: 255, count: 32 * 32 * 3)))], to: "white-mask.pgm")
        let image = try CommandRunner.file(style)
        let weights = try Fixtures.weightsPath()
        let plain = try CommandRunner.run("gram", ["--size", "32", "--weights", weights], stdin: image)
        let masked = try CommandRunner.run("gram", ["--size", "32", "--mask", white, "--weights", weights], stdin: image)
        XCTAssertEqual(masked.status, 0, masked.stderr)
        let (a, b) = (try SafeTensorsFile(bytes: plain.stdout), try SafeTensorsFile(bytes: masked.stdout))
        for key in a.tensors.keys { XCTAssertEqual(a.tensors[key]?.values, b.tensors[key]?.values, key) }
        XCTAssertEqual(b.metadata["source"], "style image 32x32 scaled to 32x32, region gray levels of \(white) (guidance erode)")

        let halves = try mask("gram-halves.pgm", width: 32, height: 32)
        let right = try CommandRunner.run("gram", ["--size", "32", "--mask", halves, "--label", "255", "--guidance", "downsample",
                                                   "--layers", "relu1_1,relu2_1", "--weights", weights], stdin: image)
        XCTAssertEqual(right.status, 0, right.stderr)
        let r = try SafeTensorsFile(bytes: right.stdout)
        XCTAssertNotEqual(r.tensors["gram.relu1_1"]?.values, a.tensors["gram.relu1_1"]?.values)
        try assertFails(["--mask", halves, "--label", "#ff0000"], program: "gram", stdin: image, "\(halves): no pixel has the colour #ff0000 of --label")
    }
}
