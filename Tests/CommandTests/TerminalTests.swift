import Foundation
import XCTest
import ImageIO
import TestSupport

/// A terminal where a file belongs: binary is never written into one; a wait for input on one is announced.
final class TerminalTests: XCTestCase {
    var content = Data()
    var style = ""

    override func setUpWithError() throws {
        (content, style) = try TestImages.contentAndStyle("terminal-style.ppm")
    }

    func testImagesAreNotWrittenToATerminal() throws {
        let weights = try Fixtures.weightsPath()
        for (program, arguments) in [("stylize", ["--style", style]), ("visualize", ["--layer", "relu1_1"]), ("gram", [])] {
            let (result, shown) = try TerminalRunner.run(program, arguments + ["--weights", weights], terminal: .stdout, stdin: content)
            XCTAssertEqual(result.status, 1, program)
            XCTAssertEqual(result.stderr, "\(program): standard output is a terminal; redirect it to a file or a pipe (> out.ppm)\n", program)
            XCTAssertEqual(shown.count, 0, "\(program): nothing on the terminal")
        }
    }

    /// What is text is still printed to a terminal.
    func testTextOutputStillGoesToATerminal() throws {
        let (result, shown) = try TerminalRunner.run("visualize", ["--list-layers", "--weights", try Fixtures.weightsPath()], terminal: .stdout)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(String(decoding: shown, as: UTF8.self).hasPrefix("layer     units"))
    }

    func testReadingFromATerminalIsAnnounced() throws {
        let weights = try Fixtures.weightsPath()
        for (program, arguments, what) in [("stylize", ["--style", style], "images"), ("visualize", ["--layer", "relu1_1"], "images"),
                                           ("gram", [], "a style image")] {
            let (result, _) = try TerminalRunner.run(program, arguments + ["--weights", weights], terminal: .stdin)
            XCTAssertEqual(result.status, 1, program)
            XCTAssertEqual(result.stderr, "\(program): reading \(what) from standard input, a terminal (give a file: < photo.ppm; Ctrl-D ends)\n"
                                          + "\(program): no image on standard input\n", program)
            XCTAssertEqual(result.stdout.count, 0, program)
        }
        let (quiet, _) = try TerminalRunner.run("stylize", ["--style", style, "-q", "--weights", weights], terminal: .stdin)
        XCTAssertEqual(quiet.stderr, "stylize: no image on standard input\n")
    }

    /// On a terminal, the progress bar is redrawn in place ("\r", then the line, then erase to its end) with the
    /// stage, size, evaluation and J, and cut to the terminal's width, as a wrapped line cannot be redrawn.
    func testTheProgressBarFitsTheTerminal() throws {
        let arguments = ["--style", style, "--schedule", "1:3", "--content-layer", "relu2_2", "--style-layers", "relu1_1",
                         "--weights", try Fixtures.weightsPath()]
        let (result, shown) = try TerminalRunner.run("stylize", arguments, terminal: .stderr, stdin: content, columns: 60)
        XCTAssertEqual(result.status, 0)
        XCTAssertGreaterThan(result.stdout.count, 0, "the image still goes to the stdout pipe")
        let text = String(decoding: shown, as: UTF8.self)
        let draws = text.components(separatedBy: "\r").compactMap { $0.components(separatedBy: "\u{1B}[K").first }.filter { !$0.isEmpty }
        let bars = draws.filter { $0.hasPrefix("stylize: [") }
        XCTAssertFalse(bars.isEmpty, text)
        for bar in bars { XCTAssertLessThanOrEqual(bar.count, 59, bar) }
        XCTAssertTrue(bars.contains { $0.contains("% image 1, stage 1/1 32x24, evalu") }, text)
    }
}
