import XCTest
import Engine
import TestSupport
@testable import Style

final class FlowWarmStartTests: XCTestCase {
    /// A pan of 3 px: the start is the previous output moved along, content new to the view starts from
    /// the content and is not held, and the scene-cut measure stays near 0.
    func testPanMovesThePreviousOutput() throws {
        let (width, height) = (96, 64)
        let frames = views(seed: 8, bigWidth: 160, bigHeight: 100, width: width, height: height, at: [(20, 18), (23, 18)])
        let (previous, current) = (frames[0], frames[1])
        let output = previous.map { 255 - $0 }   // a stand-in for the previous stylized frame
        let made = try FlowWarmStart.make(content: current, previousContent: previous, previousOutput: output,
                                          width: width, height: height, weight: 1, preset: .medium)
        // The true warp of the output is 255 - current; DIS's sub-pixel error (OpticalFlowTests: under 0.25 px
        // on average) times this texture's slope (under 255 / 4 levels a pixel) bounds the mean error.
        var sum: Float = 0, count = 0
        for y in 16..<(height - 16) {
            for x in 16..<(width - 16) {
                let i = y * width + x
                XCTAssertGreaterThan(made.term.mask[i], 0.9, "(\(x), \(y)) is held")
                for c in 0..<3 { sum += abs(made.start[3 * i + c] - (255 - current[3 * i + c])) }
                count += 3
            }
        }
        let bound: Float = 0.25 * 255 / 4
        XCTAssertLessThan(sum / Float(count), bound)
        for y in 0..<height {
            for x in (width - 3)..<width {
                let i = y * width + x
                XCTAssertEqual(made.term.mask[i], 0, "(\(x), \(y)) is new")
            }
        }
        XCTAssertLessThan(made.difference, 5)
        XCTAssertEqual(made.held, 1 - 4.0 / 96, accuracy: 0.05, "about 3 new columns and the blur's ramp")
    }
}
