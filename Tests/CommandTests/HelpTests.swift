import Foundation
import XCTest
import TestSupport

/// The --help examples paste and run: each on one line (never wrapped by the help's 80 columns), each
/// valid shell, each starting with a command a user has.
final class HelpTests: XCTestCase {
    static let commands: Set<String> = ["stylize", "gram", "visualize", "jpegtopnm", "cat", "for", "ffmpeg", "python3",
                                        "filters/stylize-image", "filters/stylize-video"]

    func testExamplesAreOneLineEachAndValidShell() throws {
        for program in ["stylize", "gram", "visualize"] {
            let help = try CommandRunner.run(program, ["--help"])
            XCTAssertEqual(help.status, 0, program)
            let text = String(decoding: help.stdout, as: UTF8.self)
            let lines = text.components(separatedBy: "\n")
            let start = try XCTUnwrap(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "Examples:" }, program)
            let examples = lines[(start + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            XCTAssertGreaterThanOrEqual(examples.count, 4, program)
            for line in examples {
                let example = line.trimmingCharacters(in: .whitespaces)
                let first = String(example.prefix { $0 != " " })
                XCTAssertTrue(Self.commands.contains(first), "\(program): \"\(example)\" is not a whole command (wrapped?)")
                XCTAssertLessThan(line.count, 80, "\(program): \"\(example)\"")
                let syntax = try CommandRunner.run("/bin/bash", ["-n", "-c", example])
                XCTAssertEqual(syntax.status, 0, "\(program): \"\(example)\": \(syntax.stderr)")
            }
        }
    }
}
