import XCTest
@testable import Engine
@testable import EngineND
import TestSupport

/// ConvND's forward against the double-precision loop of `NDReference.conv`, in 1, 2 and 3 dimensions, with
/// strides, valid, same and explicit padding, and several channel counts; and the same results with one-row tiles.
///
/// Bound, per output: `NDReference.convBound`, the rounding of a float32 sum of Cin·window products and the
/// bias relative to |b| + Σ|w||x|; two float32 evaluations (other tiles, other threads) differ by at most twice it.
final class ConvNDForwardTests: XCTestCase {

    /// (in channels, out channels, kernel, stride, padding, input shape)
    static let cases: [(Int, Int, [Int], [Int], NDPadding, [Int])] = [
        // 1-D
        (1, 16, [5], [1], .valid, [14]),
        (3, 4, [4], [2], .same, [13]),
        (2, 3, [3], [3], .explicit(low: [2], high: [1]), [11]),
        (5, 2, [1], [2], .valid, [9]),
        // 2-D
        (3, 5, [3, 3], [1, 1], .same, [7, 9]),
        (4, 2, [2, 3], [2, 1], .valid, [8, 7]),
        (2, 3, [3, 5], [2, 3], .same, [7, 9]),
        (1, 6, [4, 2], [1, 2], .explicit(low: [0, 3], high: [2, 1]), [6, 5]),
        // 3-D
        (1, 4, [3, 3, 3], [1, 1, 1], .valid, [6, 5, 7]),
        (2, 3, [2, 3, 3], [1, 2, 2], .same, [5, 6, 7]),
        (3, 2, [3, 1, 2], [2, 1, 3], .explicit(low: [1, 0, 1], high: [2, 1, 0]), [5, 4, 8]),
        (4, 5, [3, 3, 3], [2, 2, 2], .same, [4, 5, 3]),
    ]

    func testMatchesNaiveLoop() {
        for (n, c) in Self.cases.enumerated() {
            let conv = randomConv(c.0, c.1, kernel: c.2, stride: c.3, padding: c.4, seed: UInt64(100 + n))
            let x = randomND(c.0, c.5, seed: UInt64(200 + n))
            let expected = NDReference.conv(x, conv)
            let y = conv.forward(x)
            let label = "case \(n): \(c.0)->\(c.1) k\(c.2) s\(c.3) \(c.4) on \(c.5)"
            XCTAssertEqual(y.shape, expected.shape, label)
            XCTAssertEqual(y.channels, c.1, label)
            Float32Rounding.assertWithin(y.data, expected.data, bound: NDReference.convBound(x, conv), label)
        }
    }

    /// Tiles of one leading row (the smallest scratch) give the same outputs as whole-volume tiles.
    func testTilingDoesNotChangeTheResult() {
        for (n, c) in Self.cases.enumerated() {
            let conv = randomConv(c.0, c.1, kernel: c.2, stride: c.3, padding: c.4, seed: UInt64(300 + n))
            let x = randomND(c.0, c.5, seed: UInt64(400 + n))
            let whole = conv.forward(x)
            let tiled = withTinyTiles(conv).forward(x)
            // sgemm may block differently for other tile widths, so only rounding may differ.
            Float32Rounding.assertWithin(tiled.data, whole.data, bound: NDReference.convBound(x, conv).map { 2 * $0 }, "case \(n)")
        }
    }

    /// One worker and all workers agree (the tiles' assignment only moves work around).
    func testThreadCountDoesNotChangeTheResult() {
        let conv = randomConv(3, 4, kernel: [3, 2, 3], stride: [1, 2, 1], padding: .same, seed: 500)
        let x = randomND(3, [9, 6, 7], seed: 501)
        let parallel = withTinyTiles(conv).forward(x)
        let saved = ThreadSettings.workers
        ThreadSettings.set(1)
        defer { ThreadSettings.set(saved) }
        let serial = withTinyTiles(conv).forward(x)
        Float32Rounding.assertWithin(serial.data, parallel.data, bound: NDReference.convBound(x, conv).map { 2 * $0 })
    }

    /// The geometry's one subtle piece: which outputs of a line read inside the input.
    func testValidOutputRanges() {
        let g = WindowGeometry(input: [10], kernel: [4], stride: [3], padding: .explicit(low: [2], high: [3]))
        // floor((10 + 2 + 3 - 4) / 3) + 1 = 4 outputs; output o reads 3o + k - 2, inside for 0 <= 3o + k - 2 < 10.
        XCTAssertEqual(g.output, [4])
        for k in 0..<4 {
            let expected = (0..<4).filter { (0..<10).contains(3 * $0 + k - 2) }
            let range = g.validOutputs(dim: 0, offset: k, within: 0..<4)
            XCTAssertEqual(Array(range), expected, "offset \(k)")
            let inner = g.validOutputs(dim: 0, offset: k, within: 2..<4)
            XCTAssertEqual(Array(inner), expected.filter { (2..<4).contains($0) }, "offset \(k) within 2..<4")
        }
    }
}
