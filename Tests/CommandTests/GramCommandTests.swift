import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// gram: signatures written, blended, described, and refused when they do not fit.
final class GramCommandTests: XCTestCase {
    func makeGram(_ name: String, seed: Int, arguments: [String] = [], weights: String? = nil) throws -> String {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 48, height: 32, seed: seed))], to: "\(name).ppm")
        let result = try CommandRunner.run("gram", ["--size", "32", "--weights", try weights ?? Fixtures.weightsPath()] + arguments,
                                           stdin: try CommandRunner.file(style))
        XCTAssertEqual(result.status, 0, result.stderr)
        let path = TestImages.path("\(name).gram")
        try result.stdout.write(to: URL(fileURLWithPath: path))
        return path
    }

    func stylizeFails(_ arguments: [String], message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 32))])
        let result = try CommandRunner.run("stylize", arguments + ["--weights", try Fixtures.weightsPath()], stdin: input)
        XCTAssertEqual(result.status, 1, file: file, line: line)
        XCTAssertEqual(result.stderr, "stylize: \(message)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, file: file, line: line)
    }

    /// The file is safetensors with the Grams of the requested layers and the metadata that identifies them.
    func testFileContents() throws {
        let path = try makeGram("contents", seed: 1, arguments: ["--layers", "relu1_1,relu3_1"])
        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(Set(file.tensors.keys), ["gram.relu1_1", "gram.relu3_1"])
        XCTAssertEqual(file.tensors["gram.relu3_1"]?.shape, [256, 256])
        XCTAssertEqual(file.metadata["layers"], "relu1_1,relu3_1")
        XCTAssertEqual(file.metadata["channels"], "64,256")
        XCTAssertEqual(file.metadata["style_size"], "32x21")
        XCTAssertEqual(file.metadata["network"], "vgg16")
        XCTAssertEqual(file.metadata["format"], "stylize-gram")
        XCTAssertEqual(file.metadata["weights_fingerprint"], try Fixtures.vgg16().fingerprint)
        // The Gram is A Aᵀ / N: symmetric (one triangle by ssyrk, mirrored: exactly) with a non-negative diagonal.
        let g = try XCTUnwrap(file.tensors["gram.relu1_1"]?.values)
        for i in 0..<64 {
            XCTAssertGreaterThanOrEqual(g[i * 64 + i], 0)
            for j in 0..<i { XCTAssertEqual(g[i * 64 + j], g[j * 64 + i]) }
        }
    }

    func testInfoDescribesTheFile() throws {
        let path = try makeGram("info", seed: 2)
        let result = try CommandRunner.run("gram", ["--info", path])
        XCTAssertEqual(result.status, 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("format: stylize-gram version 1\nsource: style image 48x32 scaled to 32x21\nstyle image: 32x21 px\nnetwork: vgg16, weights fingerprint "), text)
        XCTAssertTrue(text.contains("\n  relu5_1: 512x512, trace "), text)
    }

    /// --blend a:0.75 b:0.25 is 0.75 a + 0.25 b, entry by entry.
    func testBlend() throws {
        let a = try makeGram("blend-a", seed: 3), b = try makeGram("blend-b", seed: 4)
        let result = try CommandRunner.run("gram", ["--blend", "\(a):3", "\(b):1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let mix = try SafeTensorsFile(bytes: result.stdout)
        let (ga, gb) = (try SafeTensorsFile(contentsOf: a), try SafeTensorsFile(contentsOf: b))
        for key in ["gram.relu1_1", "gram.relu4_1"] {
            let (x, y, m) = (ga.tensors[key]!.values, gb.tensors[key]!.values, mix.tensors[key]!.values)
            for i in stride(from: 0, to: m.count, by: 97) {
                // Each side rounds at most three times (two products, one sum) relative to 0.75|x| + 0.25|y|:
                // 6u of it bounds the difference.
                XCTAssertEqual(m[i], 0.75 * x[i] + 0.25 * y[i], accuracy: 6 * 0x1p-24 * (0.75 * abs(x[i]) + 0.25 * abs(y[i])))
            }
        }
        XCTAssertEqual(mix.metadata["source"], "blend of \(a):3.0, \(b):1.0")
    }

    func testFileFromOtherWeightsIsRefused() throws {
        var weights = try SafeTensorsFile(contentsOf: try Fixtures.weightsPath())
        weights.tensors["conv5_3.bias"]!.values[0] += 1
        let other = TestImages.path("other-weights.safetensors")
        try weights.write(to: other)
        let gram = try makeGram("other", seed: 5, weights: other)
        let mine = try Fixtures.vgg16().fingerprint
        let theirs = try XCTUnwrap(try SafeTensorsFile(contentsOf: gram).metadata["weights_fingerprint"])
        XCTAssertNotEqual(mine, theirs)
        try stylizeFails(["--gram", gram], message: "\(gram): made with other weights (vgg16, fingerprint \(theirs)); these are vgg16, fingerprint \(mine)")
    }

    func testFileWithoutARequestedLayerIsRefused() throws {
        let gram = try makeGram("layers", seed: 6, arguments: ["--layers", "relu1_1,relu2_1"])
        try stylizeFails(["--gram", gram, "--style-layers", "relu1_1,relu3_1"],
                         message: "\(gram): has no Gram matrix for relu3_1 (it holds relu1_1, relu2_1)")
    }

    func testCorruptTruncatedAndForeignFilesAreRefused() throws {
        let gram = try makeGram("corrupt", seed: 7)
        let bytes = try CommandRunner.file(gram)
        let truncated = TestImages.path("truncated.gram")
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: truncated))
        try stylizeFails(["--gram", truncated], message: "\(truncated): tensor gram.relu5_1: data lies outside the file (truncated?)")
        let foreign = TestImages.path("not-a-gram.bin")
        try Data("hello, this is no safetensors file".utf8).write(to: URL(fileURLWithPath: foreign))
        try stylizeFails(["--gram", foreign], message: "\(foreign): not a safetensors file (bad header length)")
        try stylizeFails(["--gram", try Fixtures.weightsPath()],
                         message: "\(try Fixtures.weightsPath()): not a Gram file (no format=stylize-gram in its metadata)")
    }
}
