import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

final class ColorPreservationTests: XCTestCase {
    /// Preserved colors: the luminance of the stylized image, the chroma of the content.
    func testColorPreservation() {
        let stylized: [Float] = [200, 50, 20], content: [Float] = [20, 120, 220]
        let out = ColorPreservation.apply(stylized: stylized, content: content)
        func luma(_ p: [Float]) -> Float { 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] }
        func chroma(_ p: [Float]) -> (Float, Float) {
            (-0.168736 * p[0] - 0.331264 * p[1] + 0.5 * p[2], 0.5 * p[0] - 0.418688 * p[1] - 0.081312 * p[2])
        }
        XCTAssertEqual(luma(out), luma(stylized), accuracy: 0.01)
        XCTAssertEqual(chroma(out).0, chroma(content).0, accuracy: 0.01)
        XCTAssertEqual(chroma(out).1, chroma(content).1, accuracy: 0.01)
    }
}
