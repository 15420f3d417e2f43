import XCTest
import Engine
import TestSupport
import ImageIO
@testable import Style

/// How a coarse-to-fine stage starts from the previous stage's result.
final class StageStartTests: XCTestCase {
    func image(width: Int, height: Int, seed: UInt64) -> [Float] {
        randomTensor(3, height, width, seed: seed, range: 0...255).data
    }

    /// A previous result equal to the content at the previous size gives back the content itself: what is
    /// added is exactly the detail the smaller copy lost.
    func testThePreviousSizesContentComesBackAsTheContent() {
        let content = image(width: 40, height: 30, seed: 1)
        let small = Resample.resize(content, width: 40, height: 30, toWidth: 20, toHeight: 15)
        let start = Stylizer.upsample(RGBImage(width: 20, height: 15, pixels: small), addingDetailOf: content, width: 40, height: 30)
        XCTAssertLessThan(zip(start, content).map { abs($0 - $1) }.max()!, 1e-3)
    }

    /// Any other previous result: its own upsampled copy plus the content's detail, which averages to about
    /// zero, so the start keeps the previous result's colours.
    func testTheDetailAddedIsTheContentMinusItsBlurredCopy() {
        let content = image(width: 40, height: 30, seed: 2)
        let previous = image(width: 20, height: 15, seed: 3)
        let start = Stylizer.upsample(RGBImage(width: 20, height: 15, pixels: previous), addingDetailOf: content, width: 40, height: 30)
        let up = Resample.resize(previous, width: 20, height: 15, toWidth: 40, toHeight: 30)
        let blurred = Resample.resize(Resample.resize(content, width: 40, height: 30, toWidth: 20, toHeight: 15),
                                      width: 20, height: 15, toWidth: 40, toHeight: 30)
        // Made as up(previous - down(content)) + content: the same sum in another order. Each resize is a convex
        // combination of values within 0...255 (each rounding at most 255 x 2^-24 = 1.5e-5, a few dozen of them at
        // most), so 1e-3 holds with a wide margin and a swapped term (a difference of levels) cannot pass.
        for i in stride(from: 0, to: start.count, by: 97) {
            XCTAssertEqual(start[i], up[i] + content[i] - blurred[i], accuracy: 1e-3)
        }
        let meanShift = zip(start, up).map { Double($0 - $1) }.reduce(0, +) / Double(start.count)
        XCTAssertLessThan(abs(meanShift), 1)
    }
}
