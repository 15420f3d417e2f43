import Foundation
import XCTest
import ImageIO
import TestSupport

/// visualize's messages: one line per image and a summary by default, the tiles' places only with --verbose.
final class VisualizeCommandTests: XCTestCase {
    func testTileLinesOnlyWithVerbose() throws {
        let images = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 32, height: 24)),
                                           NetpbmImage(rgb: TestImages.pattern(width: 24, height: 32, seed: 2))])
        let arguments = ["--layer", "relu1_1", "--top", "4", "--patches", "4", "--weights", try Fixtures.weightsPath()]
        let plain = try CommandRunner.run("visualize", arguments, stdin: images)
        let verbose = try CommandRunner.run("visualize", arguments + ["--verbose"], stdin: images)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        XCTAssertEqual(plain.stdout, verbose.stdout, "the same grid")
        let lines = plain.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, plain.stderr)
        XCTAssertTrue(lines[0].hasPrefix("visualize: image 1: 32x24, "), plain.stderr)
        XCTAssertTrue(lines[1].hasPrefix("visualize: image 2: 24x32, "), plain.stderr)
        XCTAssertTrue(lines[2].hasPrefix("visualize: 2 images, relu1_1: 64 units, receptive field 3 px, jump 1; 4 tiles of 4 patches, "), plain.stderr)
        let extra = verbose.stderr.split(separator: "\n").dropFirst(3)
        XCTAssertEqual(extra.count, 4, verbose.stderr)
        for (slot, line) in extra.enumerated() {
            XCTAssertTrue(line.hasPrefix("visualize: tile \(slot + 1) (row \(slot / 2 + 1), column \(slot % 2 + 1)): unit "), String(line))
            XCTAssertEqual(line.components(separatedBy: " ").filter { $0.first?.isNumber == true && $0.contains(":") && $0.contains(",") }.count, 4, String(line))
        }
    }
}
