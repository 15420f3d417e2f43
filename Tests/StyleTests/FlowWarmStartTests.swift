import XCTest
import Engine
import TestSupport
@testable import Style

final class FlowWarmStartTests: XCTestCase {
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
        XCTAssertEqual(value, 50 * expected / Double(n), accuracy: 1e-5 * value)
        checkFiniteDifferences(x, analytic: gradient, coordinates: Array(0..<(n * 3)), step: 0.25, tolerance: 1e-3) {
            term.loss($0.data).value
        }
    }

    /// A pan of 3 px: the start is the previous output moved along, content new to the view starts from
    /// the content and is not held, and the scene-cut measure stays near 0.
    func testPanMovesThePreviousOutput() throws {
        let big = texture(width: 160, height: 100, seed: 8)
        let (width, height) = (96, 64)
        let previous = crop(big, bigWidth: 160, x: 20, y: 18, width: width, height: height)
        let current = crop(big, bigWidth: 160, x: 23, y: 18, width: width, height: height)
        let output = previous.map { 255 - $0 }   // a stand-in for the previous stylized frame
        let made = try FlowWarmStart.make(content: current, previousContent: previous, previousOutput: output,
                                          width: width, height: height, weight: 1, preset: .medium)
        // The true warp of the output is 255 - current; DIS's sub-pixel error (OpticalFlowTests: under 0.25 px
        // on average) times this texture's slope (under 255 / 4 levels a pixel) bounds the mean error.
        var sum: Float = 0, count = 0
        for y in 16..<(height - 16) {
            for x in 16..<(width - 16) {
                let i = y * width + x
                XCTAssertGreaterThan(made.term.mask[i], 0.9, "(\(x), \(y)) is held")
                for c in 0..<3 { sum += abs(made.start[3 * i + c] - (255 - current[3 * i + c])) }
                count += 3
            }
        }
        let bound: Float = 0.25 * 255 / 4
        XCTAssertLessThan(sum / Float(count), bound)
        for y in 0..<height {
            for x in (width - 3)..<width {
                let i = y * width + x
                XCTAssertEqual(made.term.mask[i], 0, "(\(x), \(y)) is new")
            }
        }
        XCTAssertLessThan(made.difference, 5)
        XCTAssertEqual(made.held, 1 - 4.0 / 96, accuracy: 0.05, "about 3 new columns and the blur's ramp")
    }
}
