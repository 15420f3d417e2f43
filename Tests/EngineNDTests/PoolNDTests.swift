import XCTest
import Engine
import EngineND
import TestSupport

/// N-d pooling against the plain loop of `NDReference.pool`, and its backward against finite differences of
/// L = <pool(x), r>, in 1-D and 3-D (and 2-D against `Pool2x2`).
///
/// Max pooling is only piecewise linear, so its inputs are distinct multiples of 0.01 (a shuffled ramp) and
/// the step is 0.002: no maximum changes within a step, and the difference quotient is exact but for rounding
/// (bound 1e-3 of max(1, |gradient|); measured at most 4e-5).
final class PoolNDTests: XCTestCase {
    /// (kind, window, stride, padding, channels, input shape)
    static let cases: [(PoolingKind, [Int], [Int], NDPadding, Int, [Int])] = [
        (.max, [2], [2], .valid, 2, [9]),
        (.max, [3], [2], .same, 1, [10]),
        (.average, [3], [2], .same, 2, [10]),
        (.average, [4], [1], .explicit(low: [1], high: [2]), 1, [7]),
        (.max, [5], [3], .explicit(low: [2], high: [4]), 2, [11]),
        (.max, [2, 2, 2], [2, 2, 2], .valid, 2, [5, 6, 7]),
        (.average, [2, 2, 2], [2, 2, 2], .valid, 1, [4, 5, 6]),
        (.max, [3, 3, 2], [2, 1, 2], .same, 2, [5, 4, 7]),
        (.average, [3, 2, 3], [1, 2, 2], .same, 2, [4, 5, 5]),
        (.max, [2, 3, 3], [1, 2, 3], .explicit(low: [1, 1, 2], high: [0, 2, 1]), 1, [4, 6, 5]),
    ]

    /// Distinct values 0.01 apart in a shuffled order, centred on zero.
    func ramp(_ channels: Int, _ shape: [Int], seed: UInt64) -> NDTensor {
        var rng = SplitMix64(seed: seed)
        let count = channels * shape.reduce(1, *)
        let values = (0..<count).map { Float($0 - count / 2) * 0.01 }.shuffled(using: &rng)
        return NDTensor(channels: channels, shape: shape, data: values)
    }

    func testForwardMatchesNaiveLoop() {
        for (n, c) in Self.cases.enumerated() {
            let pool = PoolND(c.0, window: c.1, stride: c.2, padding: c.3)
            // Random data, with ties, for the tie rule.
            var x = randomND(c.4, c.5, seed: UInt64(1000 + n))
            x.data = x.data.map { ($0 * 4).rounded() / 4 }
            let expected = NDReference.pool(x, pool)
            let y = pool.forward(x)
            let label = "case \(n): \(c.0) w\(c.1) s\(c.2) \(c.3) on \(c.5)"
            XCTAssertEqual(y.shape, expected.shape, label)
            if c.0 == .max {
                XCTAssertEqual(y.data, expected.data, label)  // a selection: no rounding at all
            } else {
                // A float32 mean of at most `window` values against the double one rounded: γ(window + 2) of
                // the mean of |x| (the window's sum, the division, the reference's rounding).
                var absolute = x
                absolute.data = x.data.map(abs)
                let gamma = Float32Rounding.gamma(c.1.reduce(1, *) + 2)
                Float32Rounding.assertWithin(y.data, expected.data,
                                             bound: NDReference.pool(absolute, pool).data.map { gamma * (1 + gamma) * Double($0) }, label)
            }
            let (recorded, argmax) = pool.forward(x, recordArgmax: true)
            XCTAssertEqual(recorded, y, label)
            XCTAssertEqual(argmax == nil, c.0 == .average, label)
        }
    }

    func testBackwardMatchesFiniteDifferences() {
        for (n, c) in Self.cases.enumerated() {
            let pool = PoolND(c.0, window: c.1, stride: c.2, padding: c.3)
            let x = ramp(c.4, c.5, seed: UInt64(1100 + n))
            let r = randomND(c.4, pool.forward(x).shape, seed: UInt64(1200 + n))
            let g = pool.backward(input: x, outputGradient: r)
            XCTAssertEqual(g.shape, x.shape)
            checkGradient(x.data, analytic: g.data, step: 0.002, tolerance: 1e-3, "case \(n): \(c.0) w\(c.1) s\(c.2) \(c.3)") { data in
                dot(pool.forward(NDTensor(channels: c.4, shape: c.5, data: data)).data, r.data)
            }
        }
    }

    /// In 2-D, 2x2 stride 2 valid pooling is the engine's `Pool2x2`, forward and backward, odd sizes included.
    func testMatchesPool2x2() {
        for kind in PoolingKind.allCases {
            let image = randomTensor(3, 7, 9, seed: 1300)
            let pool = PoolND(kind, window: [2, 2])
            let y = pool.forward(NDTensor(image))
            XCTAssertEqual(Tensor(y), Pool2x2.forward(image, kind: kind), "\(kind)")
            let r = randomTensor(3, 3, 4, seed: 1301)
            let g = pool.backward(input: NDTensor(image), outputGradient: NDTensor(r))
            XCTAssertEqual(Tensor(g), Pool2x2.backward(input: image, outputGradient: r, kind: kind), "\(kind)")
        }
    }
}
