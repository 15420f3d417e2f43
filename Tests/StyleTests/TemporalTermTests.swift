import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The temporal term of J for frames of a stream: what it holds, and its gradient.
final class TemporalTermTests: XCTestCase {
    func testWarpAndMask() {
        var rng = SplitMix64(seed: 2)
        let big = (0..<(120 * 80 * 3)).map { _ in Float.random(in: 0...100, using: &rng) }   // sharp texture
        let previous = crop(big, bigWidth: 120, x: 10, y: 10, width: 64, height: 48)
        var current = crop(big, bigWidth: 120, x: 14, y: 10, width: 64, height: 48)
        for i in 0..<(10 * 3) { current[i] = 255 }   // something new in the top-left corner
        let output = previous.map { $0 + 1000 }      // a stand-in for the previous stylized frame
        let made = TemporalTerm.make(content: current, previousContent: previous, previousOutput: output,
                                     width: 64, height: 48, weight: 1)
        XCTAssertEqual(made.shift, Shift(dx: -4, dy: 0))
        XCTAssertEqual(made.term.mask[0], 0, "changed content is not held")
        XCTAssertEqual(made.warped[0], output[4 * 3], "and starts from the output the motion brings there")
        // Moved texture is held with the output it moved with.
        let p = (20 * 64 + 20) * 3
        XCTAssertEqual(made.term.mask[20 * 64 + 20], 1)
        XCTAssertEqual(made.warped[p], current[p] + 1000, accuracy: 1e-3)
        // The columns that came into view are held only where the content at the same place did not change.
        for y in 0..<48 {
            for x in 60..<64 {
                let q = (y * 64 + x) * 3
                let still = (0..<3).map { abs(current[q + $0] - previous[q + $0]) }.max()!
                XCTAssertEqual(made.term.mask[y * 64 + x], still <= 12 ? 1 : 0, "(\(x), \(y))")
                if still <= 12 { XCTAssertEqual(made.warped[q], output[q]) }
            }
        }
    }

    func testTemporalGradient() {
        var rng = SplitMix64(seed: 4)
        let n = 6 * 5
        let term = TemporalTerm(previous: (0..<(n * 3)).map { _ in Float.random(in: 0...255, using: &rng) },
                                mask: (0..<n).map { $0 % 3 == 0 ? 0 : 1 }, weight: 50)
        let x = Tensor(channels: 1, height: 1, width: n * 3, data: (0..<(n * 3)).map { _ in Float.random(in: 0...255, using: &rng) })
        let (_, gradient) = term.loss(x.data)
        checkFiniteDifferences(x, analytic: gradient, coordinates: Array(0..<(n * 3)), step: 0.25, tolerance: 1e-3) {
            term.loss($0.data).value
        }
    }
}
