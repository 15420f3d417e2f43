import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The pieces behind frame streams: motion, the temporal term, flicker; and resizing and color preservation.
final class StreamTermTests: XCTestCase {
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

    func testGlobalShiftOfAPan() {
        let big = texture(width: 200, height: 120, seed: 1)
        let a = crop(big, bigWidth: 200, x: 40, y: 20, width: 96, height: 64)
        for (dx, dy) in [(0, 0), (5, 0), (-7, 3), (12, -9)] {
            // Moving the camera right by dx moves the content left: current(x) = previous(x + dx).
            let b = crop(big, bigWidth: 200, x: 40 + dx, y: 20 + dy, width: 96, height: 64)
            let (shift, difference) = MotionEstimate.shift(from: a, to: b, width: 96, height: 64)
            XCTAssertEqual(shift, Shift(dx: -dx, dy: -dy))
            XCTAssertEqual(difference, 0, accuracy: 1e-3)
        }
    }

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

    func testFlickerCountsOnlyUnchangedInputPixels() {
        let a = RGBImage(width: 2, height: 1, pixels: [10, 10, 10, 100, 100, 100])
        let b = RGBImage(width: 2, height: 1, pixels: [11, 10, 10, 200, 100, 100])   // pixel 0 unchanged, pixel 1 changed
        let p = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 0, 0, 0])
        let q = RGBImage(width: 2, height: 1, pixels: [30, 0, 0, 90, 90, 90])
        let (flicker, pixels) = Flicker.measure(inputs: [a, b], outputs: [p, q])
        XCTAssertEqual(pixels, 1)
        XCTAssertEqual(flicker, 10, accuracy: 1e-9)
    }

    func testResampleKeepsMeansAndConstants() {
        let constant = [Float](repeating: 77, count: 10 * 7 * 3)
        XCTAssertTrue(Resample.resize(constant, width: 10, height: 7, toWidth: 23, toHeight: 3).allSatisfy { abs($0 - 77) < 1e-4 })
        // Halving averages 2x2 blocks.
        let block: [Float] = [0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120]
        XCTAssertEqual(Resample.resize(block, width: 2, height: 2, toWidth: 1, toHeight: 1), [60, 60, 60])
        XCTAssertEqual(Resample.fit(width: 512, height: 288, longest: 256).width, 256)
        XCTAssertEqual(Resample.fit(width: 512, height: 288, longest: 256).height, 144)
    }

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

    func testScheduleParsing() throws {
        XCTAssertEqual(try Stage.parseSchedule("0.25:10,0.5:20,1:30"),
                       [Stage(scale: 0.25, evaluations: 10), Stage(scale: 0.5, evaluations: 20), Stage(scale: 1, evaluations: 30)])
        XCTAssertThrowsError(try Stage.parseSchedule("1:10,0.5:20")) { XCTAssertEqual("\($0)", "schedule \"1:10,0.5:20\": scales must increase and end at 1") }
        XCTAssertThrowsError(try Stage.parseSchedule("0.5")) { XCTAssertEqual("\($0)", "bad schedule entry \"0.5\": expected SCALE:EVALUATIONS with 0 < SCALE <= 1") }
    }
}
