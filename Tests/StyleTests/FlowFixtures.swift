import XCTest
@testable import Style

extension XCTestCase {
    /// Views of width x height cut at `corners` (top-left) from one `texture` of bigWidth x bigHeight
    /// (StreamFixtures.swift: noise on a 4 px grid, bilinear, so under 255 / 4 levels a pixel): the frames of
    /// a camera pan.
    func views(seed: UInt64, bigWidth: Int, bigHeight: Int, width: Int, height: Int, at corners: [(x: Int, y: Int)]) -> [[Float]] {
        let big = texture(width: bigWidth, height: bigHeight, seed: seed)
        return corners.map { crop(big, bigWidth: bigWidth, x: $0.x, y: $0.y, width: width, height: height) }
    }
}
