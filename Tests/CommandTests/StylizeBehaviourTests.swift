import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// What stylize does with good input: formats, streams, determinism, --gram, and the end-to-end result.
final class StylizeBehaviourTests: XCTestCase {
    func stylize(_ arguments: [String], stdin: Data) throws -> CommandResult {
        let result = try CommandRunner.run("stylize", arguments + ["--weights", try Fixtures.weightsPath()], stdin: stdin)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func styleFile() throws -> String {
        try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 32, seed: 5))], to: "behaviour-style.ppm")
    }

    /// The same inputs and seed give the same bytes, also from noise; the result differs from the input.
    func testDeterministicOutput() throws {
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24))])
        for initial in ["content", "noise"] {
            let arguments = ["--style", try styleFile(), "--schedule", "1:4", "--init", initial, "--seed", "7"]
            let first = try stylize(arguments, stdin: input), second = try stylize(arguments, stdin: input)
            XCTAssertEqual(first.stdout, second.stdout, initial)
            XCTAssertNotEqual(first.stdout, input, initial)
        }
    }

    /// PAM in, PAM out, same size, alpha passed through unchanged; a stream of three gives three, in order.
    func testPAMStreamWithAlpha() throws {
        var images: [NetpbmImage] = []
        for (index, size) in [(32, 24), (20, 30), (24, 24)].enumerated() {
            let rgb = NetpbmImage(rgb: TestImages.pattern(width: size.0, height: size.1, seed: index))
            var samples: [UInt16] = []
            for p in 0..<(size.0 * size.1) {
                samples += rgb.samples[(p * 3)..<(p * 3 + 3)]
                samples.append(UInt16((p * 7 + index) % 256))
            }
            images.append(NetpbmImage(width: size.0, height: size.1, depth: 4, maxval: 255, format: .pam,
                                      tupleType: "RGB_ALPHA", plain: false, samples: samples))
        }
        let result = try stylize(["--style", try styleFile(), "--schedule", "1:2"], stdin: try TestImages.bytes(images))
        let outputs = try TestImages.read(result.stdout)
        XCTAssertEqual(outputs.count, 3)
        for (input, output) in zip(images, outputs) {
            XCTAssertEqual(output.format, .pam)
            XCTAssertEqual(output.tupleType, "RGB_ALPHA")
            XCTAssertEqual([output.width, output.height], [input.width, input.height])
            XCTAssertEqual(output.alphaSamples, input.alphaSamples)
        }
        XCTAssertEqual(result.stderr.components(separatedBy: "\n").filter { $0.contains("evaluations") }.count, 3)
    }

    /// A painting has at least 8 bits per channel: maxval max(255, the input's), with or without --size;
    /// PBM and PGM become PPM, PAM keeps its alpha (rescaled to the new maxval). The output uses levels
    /// between the input's (a PGM at maxval 15 has 16 levels; its painting has more than 16 values).
    func testOutputMaxvalIsAtLeast255() throws {
        let positions = Array(0..<(32 * 24))
        let gray: [UInt16] = positions.map { (p: Int) -> UInt16 in UInt16(p % 32 * 15 / 31) }
        let bits: [UInt16] = positions.map { (p: Int) -> UInt16 in UInt16((p / 4 + p / 128) % 2) }
        let rgba: [UInt16] = Array(0..<(32 * 24 * 4)).map { (s: Int) -> UInt16 in UInt16((s / 4 % 32 + s % 4) % 4) }
        func image(_ depth: Int, _ maxval: Int, _ format: NetpbmFormat, _ tupleType: String, _ samples: [UInt16]) -> NetpbmImage {
            NetpbmImage(width: 32, height: 24, depth: depth, maxval: maxval, format: format, tupleType: tupleType,
                        plain: false, samples: samples)
        }
        let pbm = image(1, 1, .pbm, "BLACKANDWHITE", bits)
        let pgm15 = image(1, 15, .pgm, "GRAYSCALE", gray)
        let pgm1000 = image(1, 1000, .pgm, "GRAYSCALE", gray.map { (v: UInt16) -> UInt16 in v * 66 })
        let pam3 = image(4, 3, .pam, "RGB_ALPHA", rgba)
        let cases: [(String, NetpbmImage, [String], Int, NetpbmFormat)] = [
            ("PBM with --size", pbm, ["--size", "40"], 255, .ppm),
            ("PGM maxval 15", pgm15, [], 255, .ppm),
            ("PGM maxval 15 with --size", pgm15, ["--size", "40"], 255, .ppm),
            ("PGM maxval 1000", pgm1000, [], 1000, .ppm),
            ("PAM alpha maxval 3", pam3, [], 255, .pam),
        ]
        for (name, input, options, maxval, format) in cases {
            let result = try stylize(["--style", try styleFile(), "--schedule", "1:3"] + options,
                                     stdin: try TestImages.bytes([input]))
            let output = try XCTUnwrap(try TestImages.read(result.stdout).first, name)
            XCTAssertEqual(output.maxval, maxval, name)
            XCTAssertEqual(output.format, format, name)
            XCTAssertGreaterThan(Set(output.samples).count, 16, name)
            if input.hasAlpha {
                XCTAssertEqual(output.alphaSamples, input.alphaSamples?.map { (a: UInt16) -> UInt16 in a * 85 }, name)
            }
        }
    }

    /// A stream: a repeated frame is warm-started along the flow; a frame of a new size mid-stream is a new
    /// scene (stylized from its content, the full schedule), not an error.
    func testStreamWarmStartAndNewSize() throws {
        let a = NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24, seed: 3))
        let b = NetpbmImage(rgb: TestImages.pattern(width: 24, height: 32, seed: 4))
        let result = try stylize(["--style", try styleFile(), "--schedule", "1:2", "--frame-iterations", "1"],
                                 stdin: try TestImages.bytes([a, a, b]))
        XCTAssertEqual(try TestImages.read(result.stdout).map { [$0.width, $0.height] }, [[32, 24], [32, 24], [24, 32]])
        let lines = result.stderr.components(separatedBy: "\n").filter { $0.contains("evaluations") }
        XCTAssertEqual(lines.count, 3, result.stderr)
        guard lines.count == 3 else { return }
        XCTAssertFalse(lines[0].contains("warm start"), lines[0])
        XCTAssertTrue(lines[1].contains("evaluations 1:1 = 1, warm start from the previous image (--frame-iterations; flow, 100% held), J "), lines[1])
        XCTAssertTrue(lines[2].contains("24x32 in, 24x32 working, 24x32 out, evaluations 1:2 = 2, new size: new scene, the full schedule, J "), lines[2])
    }

    /// --size resizes the alpha with the picture and keeps it (RGB_ALPHA out, also from GRAYSCALE_ALPHA).
    /// Reference: alpha 255 on the left half of a 64x48 image, 0 on the right; at 32x24 the triangle filter
    /// (support 2 source px when halving) averages source columns 2o-1...2o+2 into column o, so columns
    /// 0...14 are all 255, 17...31 all 0, and 15 and 16 mix the edge with weights that mirror each other
    /// (1/8+3/8 of 255 each side: 128 and 128 after rounding halves away, or 127 on the other).
    func testAlphaIsResizedWithSize() throws {
        for (depth, tupleType) in [(4, "RGB_ALPHA"), (2, "GRAYSCALE_ALPHA")] {
            let rgb = NetpbmImage(rgb: TestImages.pattern(width: 64, height: 48))
            var samples: [UInt16] = []
            for p in 0..<(64 * 48) {
                samples += depth == 4 ? Array(rgb.samples[(p * 3)..<(p * 3 + 3)]) : [rgb.samples[p * 3]]
                samples.append(p % 64 < 32 ? 255 : 0)
            }
            let input = NetpbmImage(width: 64, height: 48, depth: depth, maxval: 255, format: .pam,
                                    tupleType: tupleType, plain: false, samples: samples)
            let result = try stylize(["--style", try styleFile(), "--schedule", "1:2", "--size", "32"], stdin: try TestImages.bytes([input]))
            let output = try XCTUnwrap(try TestImages.read(result.stdout).first)
            XCTAssertEqual([output.width, output.height, output.depth], [32, 24, 4], tupleType)
            XCTAssertEqual(output.tupleType, "RGB_ALPHA")
            let alpha = try XCTUnwrap(output.alphaSamples)
            for y in 0..<24 {
                let row = Array(alpha[(y * 32)..<(y * 32 + 32)])
                XCTAssertEqual(row[0...14], ArraySlice(repeating: 255, count: 15), "row \(y)")
                XCTAssertEqual(row[17...31], ArraySlice(repeating: 0, count: 15), "row \(y)")
                XCTAssertEqual(Int(row[15]) + Int(row[16]), 255, accuracy: 1, "row \(y)")
                XCTAssertGreaterThan(row[15], row[16])
            }
        }
    }

    /// A Gram file gives the same bytes as the style image it was made from, at the same size and seed.
    func testGramFileGivesTheSameBytesAsTheStyleImage() throws {
        let style = try styleFile()
        let gram = try CommandRunner.run("gram", ["--size", "40", "--weights", try Fixtures.weightsPath()],
                                         stdin: try CommandRunner.file(style))
        XCTAssertEqual(gram.status, 0, gram.stderr)
        let gramPath = TestImages.path("behaviour.gram")
        try gram.stdout.write(to: URL(fileURLWithPath: gramPath))
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))])
        let common = ["--size", "40", "--schedule", "0.5:2,1:3"]
        let fromImage = try stylize(common + ["--style", style], stdin: input)
        let fromGram = try stylize(common + ["--gram", gramPath], stdin: input)
        XCTAssertEqual(fromImage.stdout, fromGram.stdout)
        XCTAssertGreaterThan(fromGram.stdout.count, 40 * 30 * 3)
    }

    /// On a real photo and painting at 256 px, J of the written image falls at least tenfold from the start.
    func testRealPhotoEndToEnd() throws {
        let photo = try CommandRunner.file(Fixtures.image("content-kitten.ppm"))
        let result = try stylize(["--style", Fixtures.image("style-starry.ppm"), "--size", "256", "--schedule", "1:20"], stdin: photo)
        let line = try XCTUnwrap(result.stderr.components(separatedBy: "\n").first { $0.contains(" -> ") })
        // "stylize: image 1: 512x288, 20 evaluations, J 8.21e8 -> 5.96e7 (written image), 49.4 s"
        let parts = line.components(separatedBy: "J ")[1].components(separatedBy: " ")
        let (start, end) = (try XCTUnwrap(Double(parts[0])), try XCTUnwrap(Double(parts[2])))
        XCTAssertGreaterThan(start / end, 10, line)
        let output = try XCTUnwrap(TestImages.read(result.stdout).first)
        XCTAssertEqual([output.width, output.height], [256, 144])
        let content = try XCTUnwrap(TestImages.read(photo).first)
        XCTAssertNotEqual(output.samples, content.samples)
        try result.stdout.write(to: URL(fileURLWithPath: TestImages.path("kitten-starry-256.ppm")))
    }

    /// A reader that quits early (`| head`) ends stylize quietly: exit 0, no message, no crash.
    func testClosedStdoutEndsQuietly() throws {
        let frames = try TestImages.write((0..<3).map { NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24, seed: $0)) },
                                          to: "three-frames.ppm")
        let stylize = CommandRunner.productsDirectory.appendingPathComponent("stylize").path
        let script = "'\(stylize)' --style '\(try styleFile())' --schedule 1:2 --frame-iterations 2 --quiet "
            + "--weights '\(try Fixtures.weightsPath())' < '\(frames)' 2> '\(TestImages.path("closed.err"))' | head -c 20 > /dev/null; "
            + "echo ${PIPESTATUS[0]}"
        let result = try CommandRunner.run("/bin/bash", ["-c", script])
        XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self), "0\n")
        XCTAssertEqual(try String(contentsOfFile: TestImages.path("closed.err"), encoding: .utf8), "")
    }
}
