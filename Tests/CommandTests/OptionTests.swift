import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// Option mistakes are usage errors: found before any input is read (stdin here is never touched: a
/// broken image would give another message), named by the option, "program: ... (see program --help)",
/// status 64, nothing on stdout.
final class OptionTests: XCTestCase {
    func assertUsageError(_ program: String, _ arguments: [String], _ message: String,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CommandRunner.run(program, arguments, stdin: Data("not an image".utf8))
        XCTAssertEqual(result.status, 64, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "\(program): \(message) (see \(program) --help)\n", file: file, line: line)
        XCTAssertEqual(result.stdout.count, 0, file: file, line: line)
    }

    /// --backward-precision takes auto, float32 or bfloat16; bfloat16 only where the CPU has AVX-512 BF16.
    func testBackwardPrecisionIsChecked() throws {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 32))], to: "options-style.ppm")
        try assertUsageError("stylize", ["--style", style, "--backward-precision", "half"],
                             "The value 'half' is invalid for '--backward-precision <format>'. Please provide one of 'auto', 'float32' or 'bfloat16'.")
        if !BackwardProducts.bfloat16.runsHere {
            try assertUsageError("stylize", ["--style", style, "--backward-precision", "bfloat16"],
                                 "--backward-precision bfloat16 needs a CPU with AVX-512 BF16; this one has \(InstructionLevel.cpu)")
        }
    }

    /// Weights that parse as Doubles but are not finite, and a weight without a layer name, are refused (found
    /// by scripts/fuzz style-layers and style-blend; the inputs are in fuzz/corpus) by validate(), as usage errors.
    func testNonFiniteWeightsAreRefused() throws {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 32))], to: "options-style.ppm")
        try assertUsageError("stylize", ["--style", style, "--style-layers", "relu1_1:inf,relu2_1"], "--style-layers: bad weight in \"relu1_1:inf\"")
        try assertUsageError("stylize", ["--style", style, "--style-layers", "relu1_1:nan"], "--style-layers: bad weight in \"relu1_1:nan\"")
        try assertUsageError("stylize", ["--style", style, "--style-layers", ":1e-3,relu2_1"],
                             "--style-layers: bad layer \":1e-3\": expected NAME or NAME:WEIGHT")
        try assertUsageError("stylize", ["--style", style, "--style", style, "--style-blend", "1,infinity"],
                             "--style-blend: bad weight \"infinity\" in \"1,infinity\"")
    }

    func testStylizeOptions() throws {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 32))], to: "options-style.ppm")
        try assertUsageError("stylize", ["--styl", style], "unknown option --styl")
        try assertUsageError("stylize", ["--style", style, "photo.ppm"], "unexpected argument photo.ppm")
        try assertUsageError("stylize", ["--style", style, "--size", "-5"], "--size must be positive")
        try assertUsageError("stylize", ["--style", style, "--size", "big"], "The value 'big' is invalid for '--size <px>'")
        try assertUsageError("stylize", ["--style", style, "--style", style, "--style-blend", "0,0"], "--style-blend: the weights are all 0")
        try assertUsageError("stylize", ["--style", style, "--style-blend", "0.7,0.3"], "--style-blend has 2 weights for 1 styles")
        try assertUsageError("stylize", ["--style", style, "--style-blend", "a,b"], "--style-blend: bad weight \"a\" in \"a,b\"")
        try assertUsageError("stylize", ["--style", style, "--schedule", "2:10"],
                             "--schedule: bad schedule entry \"2:10\": expected SCALE:EVALUATIONS with 0 < SCALE <= 1")
        try assertUsageError("stylize", ["--style", style, "--style-layers", "relu1_1:x"], "--style-layers: bad weight in \"relu1_1:x\"")
        try assertUsageError("stylize", ["--style", style, "--tv-weight", "-1"], "--tv-weight must not be negative")
        try assertUsageError("stylize", ["--style", style, "--style-scale", "0"], "--style-scale must be positive")
        try assertUsageError("stylize", ["--style", style, "--threads", "-2"], "--threads must be at least 1")
        try assertUsageError("stylize", [], "give a style: --style IMAGE or --gram FILE")
        try assertUsageError("stylize", ["--gram", "s.gram", "--style-scale", "2"],
                             "--style-scale applies to --style images; a Gram file keeps the size it was made at (gram --size)")
    }

    /// Every malformed --blend item gets the same message; all-zero weights are refused up front.
    func testGramOptions() throws {
        for item in ["a:-1", "a:0,0", "a", ":1", "a:inf"] {
            try assertUsageError("gram", ["--blend", item], "--blend: bad item \"\(item)\": expected FILE:WEIGHT, WEIGHT a number >= 0")
        }
        try assertUsageError("gram", ["--blend", "a:0", "b:0"], "--blend: the weights are all 0")
        try assertUsageError("gram", ["--size", "-1"], "--size must be positive")
        try assertUsageError("gram", ["--bogus"], "unknown option --bogus")
    }

    func testVisualizeOptions() throws {
        try assertUsageError("visualize", ["--layer", "relu1_1", "--top", "-3"], "--top must be at least 1")
        try assertUsageError("visualize", [], "give a layer: --layer relu3_1 (--list-layers shows them)")
        try assertUsageError("visualize", ["--layer", "relu1_1", "--tiles", "3"], "unknown option --tiles")
    }

    func testHelpStillGoesToStdout() throws {
        let result = try CommandRunner.run("stylize", ["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stderr, "")
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).hasPrefix("OVERVIEW: "))
        XCTAssertFalse(String(decoding: result.stdout, as: UTF8.self).contains("unrecognized"))
    }
}
