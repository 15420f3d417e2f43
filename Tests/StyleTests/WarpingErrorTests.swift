import XCTest
import Engine
import ImageIO
@testable import Style

final class WarpingErrorTests: XCTestCase {
    /// A pan: outputs that move with the scene (here the inputs themselves) score near 0; outputs repainted
    /// at random every frame score near the mean |a - b| of two uniform 0...255 values, 85; a frame of
    /// another size is not compared.
    func testMovingWithTheSceneScoresNearZero() throws {
        let (width, height) = (96, 64)
        let frames = views(seed: 21, bigWidth: 200, bigHeight: 100, width: width, height: height, at: [(20, 18), (23, 18), (26, 18)])
            .map { RGBImage(width: width, height: height, pixels: $0) }
        let still = try WarpingError.measure(inputs: frames, outputs: frames)
        // DIS's mean error under 0.25 px (OpticalFlowTests) times this texture's slope (under 255 / 4 a pixel).
        XCTAssertLessThan(still.error, 0.25 * 255 / 4)
        XCTAssertGreaterThan(still.pixels, 2 * width * height * 8 / 10, "most pixels are kept")
        var rng = SplitMix64(seed: 22)
        let noise = frames.map { f in RGBImage(width: width, height: height, pixels: f.pixels.map { _ in Float.random(in: 0...255, using: &rng) }) }
        // Bilinear warping averages the noise (lowering the spread), so a bound well under 85.
        XCTAssertGreaterThan(try WarpingError.measure(inputs: frames, outputs: noise).error, 40)
        let square = views(seed: 21, bigWidth: 200, bigHeight: 100, width: 64, height: 64, at: [(0, 0)])[0]
        let resized = [frames[0], RGBImage(width: 64, height: 64, pixels: square)]
        XCTAssertEqual(try WarpingError.measure(inputs: resized, outputs: resized).pixels, 0)
    }
}
