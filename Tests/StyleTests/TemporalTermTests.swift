import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The temporal term of J for frames of a stream: its value and gradient with per-pixel weights.
final class TemporalTermTests: XCTestCase {
    /// The temporal term with fractional per-pixel weights (as the consistency check's blur makes them)
    /// against central finite differences. The term is quadratic, so the central difference is exact up to
    /// rounding: J ~ 50 * 255² / 30 summed in double, step 0.25: relative error well under 1e-3.
    func testTemporalGradientWithPerPixelWeights() {
        var rng = SplitMix64(seed: 5)
        let n = 7 * 5
        let term = TemporalTerm(previous: (0..<(n * 3)).map { _ in Float.random(in: 0...255, using: &rng) },
                                mask: (0..<n).map { _ in Float.random(in: 0...1, using: &rng) }, weight: 50)
        let x = Tensor(channels: 1, height: 1, width: n * 3, data: (0..<(n * 3)).map { _ in Float.random(in: 0...255, using: &rng) })
        let (value, gradient) = term.loss(x.data)
        // The value against a sum written out: w / (H W) Σ m_i Σ_c (x - p)².
        var expected = 0.0
        for p in 0..<(n * 3) {
            let d = Double(x.data[p]) - Double(term.previous[p])
            expected += Double(term.mask[p / 3]) * d * d
        }
        // Each m d² is rounded in float32 (about 3 eps = 4e-7 relative) and summed in double: 1e-5 leaves room.
        XCTAssertEqual(value, 50 * expected / Double(n), accuracy: 1e-5 * value)
        checkFiniteDifferences(x, analytic: gradient, coordinates: Array(0..<(n * 3)), step: 0.25, tolerance: 1e-3) {
            term.loss($0.data).value
        }
    }
}
