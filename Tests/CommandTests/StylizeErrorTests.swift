import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// Bad input: each gets a clear message on stderr, exit status 1, and nothing on stdout.
final class StylizeErrorTests: XCTestCase {
    var content: Data!
    var style: String!

    override func setUpWithError() throws {
        content = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24))])
        style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 32, seed: 3))], to: "style.ppm")
    }

    func assertFails(_ arguments: [String], stdin: Data? = nil, message: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CommandRunner.run("stylize", arguments + ["--weights", try Fixtures.weightsPath()], stdin: stdin ?? content)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "stylize: \(message)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, "nothing on stdout", file: file, line: line)
    }

    func testMissingStyleFile() throws {
        try assertFails(["--style", "/nonexistent/style.ppm"], message: "cannot open '/nonexistent/style.ppm': No such file or directory")
    }

    func testStyleFileThatIsNotAnImage() throws {
        let bogus = TestImages.path("bogus.ppm")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: bogus))
        try assertFails(["--style", bogus], message: "\(bogus): bad magic number 0x6865 - not a PAM, PPM, PGM, or PBM file")
    }

    func testEmptyStdin() throws {
        try assertFails(["--style", style], stdin: Data(), message: "no image on standard input")
    }

    func testBadImageOnStdin() throws {
        try assertFails(["--style", style], stdin: Data("XX\n".utf8),
                        message: "stdin: bad magic number 0x5858 - not a PAM, PPM, PGM, or PBM file")
        try assertFails(["--style", style], stdin: Data("P6\n8 8\n255\n".utf8), message: "stdin: truncated pixel data (read 0 of 8 rows)")
    }

    func testStyleImageSmallerThanTheNetworkMinimum() throws {
        let small = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 12, height: 40))], to: "small.ppm")
        try assertFails(["--style", small], message: "\(small): style image is 12x40; it must be at least 16 px on each side")
    }

    func testContentImageSmallerThanTheNetworkMinimum() throws {
        let tiny = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 8, height: 8))])
        try assertFails(["--style", style], stdin: tiny, message: "image 1: image is 8x8; it must be at least 16 px on each side")
    }

    func testUnknownLayerNames() throws {
        try assertFails(["--style", style, "--content-layer", "relu9_2"],
                        message: "unknown layer \"relu9_2\" (this network has relu1_1, relu1_2, relu2_1, relu2_2, relu3_1, relu3_2, relu3_3, relu4_1, relu4_2, relu4_3, relu5_1, relu5_2, relu5_3, conv*, pool*)")
        try assertFails(["--style", style, "--style-layers", "relu1_1,bogus"],
                        message: "unknown layer \"bogus\" (this network has relu1_1, relu1_2, relu2_1, relu2_2, relu3_1, relu3_2, relu3_3, relu4_1, relu4_2, relu4_3, relu5_1, relu5_2, relu5_3, conv*, pool*)")
    }

    /// A --size or an image header that would need more memory than the machine has is refused from the header,
    /// before the samples or any activation is allocated, with the estimate (MemoryEstimate) in the message.
    func testMoreThanTheMachineHoldsIsRefusedFromTheHeader() throws {
        func assertRefused(_ arguments: [String], stdin: Data, prefix: String, suffix: String = " GB available)\n",
                           file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try CommandRunner.run("stylize", ["--style", style, "--weights", try Fixtures.weightsPath()] + arguments, stdin: stdin)
            XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
            XCTAssertTrue(result.stderr.hasPrefix("stylize: stdin: " + prefix), result.stderr, file: file, line: line)
            XCTAssertTrue(result.stderr.hasSuffix(suffix), result.stderr, file: file, line: line)
            XCTAssertEqual(result.stdout.count, 0, "nothing on stdout", file: file, line: line)
        }
        // 50 bytes a pixel at 1000000x750000 after the optimization (the written image, the content, the output's
        // samples, the input's resized to carry its kind): more than any machine.
        try assertRefused(["--size", "1000000"], stdin: content,
                          prefix: "a 32x24 image stylized at 1000000x750000 needs about 34924.9 GB of memory (estimated), more than the ")
        // A header at the reader's limit and no pixels: refused before the 1.5 GB of samples are allocated. It
        // would fit in 10 GB (the input held, 18 bytes a pixel; the written image and its samples, 20), so the
        // budget is given: the machines here have more.
        try assertRefused(["--size", "16384", "--memory", "8G"], stdin: Data("P6\n16384 16384\n255\n".utf8),
                          prefix: "a 16384x16384 image stylized at 16384x16384 needs about 9.8 GB of memory (estimated), more than the ",
                          suffix: "8.0 GB allowed (--memory)\n")
    }

    func testMissingWeightsFile() throws {
        let result = try CommandRunner.run("stylize", ["--style", style, "--weights", "/nonexistent/w.safetensors"], stdin: content)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "stylize: /nonexistent/w.safetensors: no such file\n")
        XCTAssertEqual(result.stdout.count, 0)
    }

    func testWeightsOfTheWrongShape() throws {
        var file = try SafeTensorsFile(contentsOf: try Fixtures.weightsPath())
        file.tensors["conv2_1.weight"] = NamedTensor(shape: [128, 32, 3, 3], values: [Float](repeating: 0, count: 128 * 32 * 9))
        let path = TestImages.path("wrong.safetensors")
        try file.write(to: path)
        let result = try CommandRunner.run("stylize", ["--style", style, "--weights", path], stdin: content)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "stylize: \(path): conv2_1.weight has shape [128, 32, 3, 3], expected [C, 64, 3, 3]\n")
        XCTAssertEqual(result.stdout.count, 0)
    }

    func testNoStyleGiven() throws {
        let result = try CommandRunner.run("stylize", [], stdin: content)
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "stylize: give a style: --style IMAGE or --gram FILE (see stylize --help)\n")
        XCTAssertEqual(result.stdout.count, 0)
    }

    /// --memory (issue 17): a size that cannot fit even in tiles with the shortest history is refused from the
    /// header with the estimate and the budget, status 1, nothing on stdout; a malformed size is a usage error.
    func testMemoryBudget() throws {
        let refused = try CommandRunner.run("stylize", ["--style", style, "--weights", try Fixtures.weightsPath(),
                                                        "--size", "4096", "--memory", "500M"], stdin: content)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "stylize: stdin: a 32x24 image stylized at 4096x3072 needs about 0.9 GB of memory "
                                       + "(estimated), more than the 0.5 GB allowed (--memory)\n")
        XCTAssertEqual(refused.stdout.count, 0)
        let bad = try CommandRunner.run("stylize", ["--style", style, "--memory", "lots"], stdin: content)
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(bad.stderr, "stylize: --memory \"lots\": expected a size such as 3G, 500M or 2048K (see stylize --help)\n")
        XCTAssertEqual(bad.stdout.count, 0)
    }

    func testUnknownFlowPreset() throws {
        let result = try CommandRunner.run("stylize", ["--style", style, "--flow", "slow"], stdin: content)
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "stylize: The value 'slow' is invalid for '--flow <preset>'. Please provide one of 'ultrafast', 'fast' or 'medium'. (see stylize --help)\n")
        XCTAssertEqual(result.stdout.count, 0)
    }

    /// A broken frame mid-stream: the frames before it are written and valid, the error names the frame.
    func testBrokenFrameMidStream() throws {
        var stream = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24)),
                                           NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24, seed: 1))])
        stream.append(Data("P6\n32 24\n255\nshort".utf8))
        let result = try CommandRunner.run("stylize", ["--style", style, "--schedule", "1:2", "--weights", try Fixtures.weightsPath()], stdin: stream)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasSuffix("stylize: image 3: stdin: truncated pixel data (read 0 of 24 rows)\n"), result.stderr)
        let written = try TestImages.read(result.stdout)
        XCTAssertEqual(written.count, 2)
        XCTAssertEqual(written.map(\.width), [32, 32])
    }
}
