import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// A file of the wrong kind where an image or a Gram file belongs: the message says what it is and what to do.
final class WrongKindOfFileTests: XCTestCase {
    var content = Data()
    var style = ""

    override func setUpWithError() throws {
        (content, style) = try TestImages.contentAndStyle("kind-style.ppm")
    }

    static let jpegHead: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01] + [UInt8](repeating: 0, count: 64)
    static let pngHead: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64)

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = TestImages.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertFails(_ arguments: [String], program: String = "stylize", stdin: Data? = nil, message: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CommandRunner.run(program, arguments + ["--weights", try Fixtures.weightsPath()], stdin: stdin ?? content)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "\(program): \(message)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, "nothing on stdout", file: file, line: line)
    }

    func testJPEGAndPNGOnStdin() throws {
        try assertFails(["--style", style], stdin: Data(Self.jpegHead),
                        message: "stdin: a JPEG image, not a PPM, PGM or PAM image: convert it first (jpegtopnm FILE, or convert FILE ppm:-), or use filters/stylize-image")
        try assertFails(["--style", style], stdin: Data(Self.pngHead),
                        message: "stdin: a PNG image, not a PPM, PGM or PAM image: convert it first (pngtopam -alphapam FILE, or convert FILE ppm:-), or use filters/stylize-image")
        try assertFails([], program: "gram", stdin: Data(Self.pngHead),
                        message: "stdin: a PNG image, not a PPM, PGM or PAM image: convert it first (pngtopam -alphapam FILE, or convert FILE ppm:-)")
    }

    func testJPEGAsStyle() throws {
        let jpeg = try file("style.jpg", Self.jpegHead)
        try assertFails(["--style", jpeg],
                        message: "\(jpeg): a JPEG image, not a PPM, PGM or PAM image: convert it first (jpegtopnm FILE, or convert FILE ppm:-), or use filters/stylize-image")
    }

    func testGramFileAsStyleImage() throws {
        let gram = TestImages.path("as-style.gram")
        try SafeTensorsFile(tensors: ["gram.relu1_1": NamedTensor(shape: [1, 1], values: [1])]).write(to: gram)
        try assertFails(["--style", gram], message: "\(gram): a Gram file (safetensors), not an image: give it with --gram \(gram)")
        try assertFails(["--style", style], stdin: try CommandRunner.file(gram),
                        message: "stdin: a safetensors file (a Gram file or network weights), not a PPM, PGM or PAM image")
    }

    func testImageAsGramFile() throws {
        try assertFails(["--gram", style],
                        message: "\(style): a PPM, PGM or PAM image, not a Gram file: give it with --style \(style), or make one with gram < \(style) > style.gram")
        let jpeg = try file("gram.jpg", Self.jpegHead)
        try assertFails(["--gram", jpeg],
                        message: "\(jpeg): a JPEG image, not a Gram file: convert it (jpegtopnm \(jpeg) > style.ppm), then give it with --style style.ppm, or make one with gram < style.ppm > style.gram")
        try assertFails(["--info", style], program: "gram",
                        message: "\(style): a PPM, PGM or PAM image, not a Gram file: make one with gram < \(style) > style.gram")
        try assertFails(["--blend", "\(style):1"], program: "gram",
                        message: "\(style): a PPM, PGM or PAM image, not a Gram file: make one with gram < \(style) > style.gram")
    }

    func testMissingWeightsNameTheScriptThatFetchesThem() throws {
        let home = TestImages.path("empty-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let result = try CommandRunner.run("stylize", ["--style", style], stdin: content,
                                           environment: ["STYLIZE_WEIGHTS": "", "XDG_DATA_HOME": home])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "stylize: no weights at \(home)/stylize/vgg16.safetensors: run scripts/fetch-weights, or pass --weights FILE\n")
        XCTAssertEqual(result.stdout.count, 0)
    }
}
