import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// Frames for the stream tests: a smooth random texture, and crops of it as a camera pan would give.
extension XCTestCase {
    func texture(width: Int, height: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let coarse = (0..<((width / 4 + 1) * (height / 4 + 1) * 3)).map { _ in Float.random(in: 0...255, using: &rng) }
        return Resample.resize(coarse, width: width / 4 + 1, height: height / 4 + 1, toWidth: width, toHeight: height)
    }

    /// A frame cut from a larger image at (x, y).
    func crop(_ big: [Float], bigWidth: Int, x: Int, y: Int, width: Int, height: Int) -> [Float] {
        var out: [Float] = []
        for row in y..<(y + height) { out += big[((row * bigWidth + x) * 3)..<((row * bigWidth + x + width) * 3)] }
        return out
    }
}
