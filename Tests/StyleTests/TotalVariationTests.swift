import XCTest
import Engine
import TestSupport
@testable import Style

final class TotalVariationTests: XCTestCase {
    /// Total variation's gradient against finite differences (it is not in the reference).
    func testTotalVariationGradient() {
        var rng = SplitMix64(seed: 5)
        let pixels = (0..<(4 * 5 * 3)).map { _ in Float.random(in: 0...255, using: &rng) }
        let (_, gradient) = TotalVariation.loss(pixels: pixels, width: 5, height: 4)
        let x = Tensor(channels: 1, height: 1, width: pixels.count, data: pixels)
        checkFiniteDifferences(x, analytic: gradient, coordinates: Array(0..<pixels.count), step: 0.5, tolerance: 1e-4) {
            TotalVariation.loss(pixels: $0.data, width: 5, height: 4).value
        }
    }

    /// On an image large enough to be split by rows over the cores: the same value and gradient as the
    /// definition summed pair by pair.
    func testTotalVariationOfALargeImageMatchesPairByPairSums() {
        let (width, height) = (130, 90)
        let pixels = randomTensor(3, height, width, seed: 6, range: 0...255).data
        var value = 0.0
        var expected = [Double](repeating: 0, count: pixels.count)
        func pair(_ i: Int, _ j: Int) {
            let d = Double(pixels[i]) - Double(pixels[j])
            value += d * d
            expected[i] += 2 * d
            expected[j] -= 2 * d
        }
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let i = (y * width + x) * 3 + c
                    if x + 1 < width { pair(i, i + 3) }
                    if y + 1 < height { pair(i, i + width * 3) }
                }
            }
        }
        let (tv, gradient) = TotalVariation.loss(pixels: pixels, width: width, height: height)
        // Each pixel difference is at most one float32 rounding (u ≈ 6e-8 of it) and the squares are summed in
        // double, so the value carries about 2u ≈ 1.2e-7 relative: 1e-6 covers it. A gradient entry is a float32
        // sum of at most 4 terms 2d: γ(5) ≈ 3e-7 of their absolute sum, which is at most about 4 times the
        // largest entry: 1e-5 of the largest entry covers it.
        XCTAssertEqual(tv, value, accuracy: value * 1e-6)
        XCTAssertLessThan(maxRelativeError(gradient, expected.map { Float($0) }), 1e-5)
    }
}
