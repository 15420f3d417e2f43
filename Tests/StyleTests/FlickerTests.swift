import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

final class FlickerTests: XCTestCase {
    func testFlickerCountsOnlyUnchangedInputPixels() {
        let a = RGBImage(width: 2, height: 1, pixels: [10, 10, 10, 100, 100, 100])
        let b = RGBImage(width: 2, height: 1, pixels: [11, 10, 10, 200, 100, 100])   // pixel 0 unchanged, pixel 1 changed
        let p = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 0, 0, 0])
        let q = RGBImage(width: 2, height: 1, pixels: [30, 0, 0, 90, 90, 90])
        let (flicker, pixels) = Flicker.measure(inputs: [a, b], outputs: [p, q])
        XCTAssertEqual(pixels, 1)
        XCTAssertEqual(flicker, 10, accuracy: 1e-9)
    }
}
