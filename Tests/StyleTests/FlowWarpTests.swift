import XCTest
import Engine
import TestSupport
@testable import Style

final class FlowWarpTests: XCTestCase {
    /// Against a brute-force bilinear sample in double precision at the same float32 sample points, with
    /// flows pointing inside and outside the image (clamped to the edge).
    func testBilinearAgainstBruteForce() {
        var rng = SplitMix64(seed: 11)
        let (width, height, channels) = (13, 9, 3)
        let image = (0..<(width * height * channels)).map { _ in Float.random(in: 0...255, using: &rng) }
        let flow = FlowField(width: width, height: height,
                             vectors: (0..<(width * height * 2)).map { _ in Float.random(in: -4...4, using: &rng) })
        let out = FlowWarp.warp(image, channels: channels, by: flow)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let sx = Double(min(max(Float(x) + flow.vectors[2 * i], 0), Float(width - 1)))
                let sy = Double(min(max(Float(y) + flow.vectors[2 * i + 1], 0), Float(height - 1)))
                for c in 0..<channels {
                    var expected = 0.0
                    // Every pixel weighted by the tent function: the bilinear sample without choosing neighbours.
                    for py in 0..<height {
                        for px in 0..<width {
                            let w = max(0, 1 - abs(Double(px) - sx)) * max(0, 1 - abs(Double(py) - sy))
                            expected += w * Double(image[(py * width + px) * channels + c])
                        }
                    }
                    // About 6 float32 roundings of values up to 255 (see FlowWarp): 6 * 1.2e-7 * 255 = 1.8e-4.
                    XCTAssertEqual(Double(out[i * channels + c]), expected, accuracy: 2e-4, "(\(x), \(y)) channel \(c)")
                }
            }
        }
    }

    /// An integer flow moves pixels exactly; two channels (a flow field warped by a flow) work the same.
    func testIntegerFlowIsAnExactShift() {
        let (width, height) = (7, 5)
        let image = (0..<(width * height * 2)).map { Float($0) }
        let out = FlowWarp.warp(image, channels: 2, by: .constant(width: width, height: height, dx: 2, dy: -1))
        for y in 0..<height {
            for x in 0..<width {
                let (sx, sy) = (min(x + 2, width - 1), max(y - 1, 0))
                for c in 0..<2 {
                    XCTAssertEqual(out[(y * width + x) * 2 + c], image[(sy * width + sx) * 2 + c])
                }
            }
        }
    }
}
