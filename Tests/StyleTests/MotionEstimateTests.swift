import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The global shift between two frames.
final class MotionEstimateTests: XCTestCase {
    func testGlobalShiftOfAPan() {
        let big = texture(width: 200, height: 120, seed: 1)
        let a = crop(big, bigWidth: 200, x: 40, y: 20, width: 96, height: 64)
        for (dx, dy) in [(0, 0), (5, 0), (-7, 3), (12, -9)] {
            // Moving the camera right by dx moves the content left: current(x) = previous(x + dx).
            let b = crop(big, bigWidth: 200, x: 40 + dx, y: 20 + dy, width: 96, height: 64)
            let (shift, difference) = MotionEstimate.shift(from: a, to: b, width: 96, height: 64)
            XCTAssertEqual(shift, Shift(dx: -dx, dy: -dy))
            XCTAssertEqual(difference, 0, accuracy: 1e-3)
        }
    }
}
