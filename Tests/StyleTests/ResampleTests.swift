import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

final class ResampleTests: XCTestCase {
    func testResampleKeepsMeansAndConstants() {
        let constant = [Float](repeating: 77, count: 10 * 7 * 3)
        XCTAssertTrue(Resample.resize(constant, width: 10, height: 7, toWidth: 23, toHeight: 3).allSatisfy { abs($0 - 77) < 1e-4 })
        // Halving averages 2x2 blocks.
        let block: [Float] = [0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120]
        XCTAssertEqual(Resample.resize(block, width: 2, height: 2, toWidth: 1, toHeight: 1), [60, 60, 60])
        XCTAssertEqual(Resample.fit(width: 512, height: 288, longest: 256).width, 256)
        XCTAssertEqual(Resample.fit(width: 512, height: 288, longest: 256).height, 144)
    }
}
