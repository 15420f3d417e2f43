import XCTest
import Engine
import EngineND
import TestSupport

/// ConvND's gradients with respect to input, weight and bias against central differences of
/// L = <conv(x), r>, which is linear in each of them, so a large step (0.5) leaves only float rounding
/// (bound 1e-3 of max(1, |gradient|); measured at most 2e-6). Every coordinate is checked, in 1, 2 and 3
/// dimensions with strides and padding, with whole tiles and with one-row tiles (which exercises the
/// even/odd phases of col2im where the kernel is longer than the stride).
final class ConvNDBackwardTests: XCTestCase {
    /// (in channels, out channels, kernel, stride, padding, input shape)
    static let cases: [(Int, Int, [Int], [Int], NDPadding, [Int])] = [
        (2, 3, [5], [2], .same, [13]),
        (1, 2, [3], [1], .valid, [8]),
        (3, 2, [4], [3], .explicit(low: [1], high: [2]), [10]),
        (2, 3, [3, 3], [1, 1], .same, [6, 7]),
        (3, 2, [3, 2], [2, 3], .same, [7, 8]),
        (1, 2, [4, 3], [1, 2], .valid, [7, 6]),
        (2, 2, [3, 3, 3], [1, 1, 1], .valid, [5, 4, 5]),
        (2, 3, [3, 2, 3], [2, 1, 2], .same, [5, 4, 6]),
        (1, 2, [2, 3, 2], [1, 2, 1], .explicit(low: [1, 1, 0], high: [0, 2, 1]), [4, 5, 3]),
    ]

    func check(tiny: Bool) {
        for (n, c) in Self.cases.enumerated() {
            let made = randomConv(c.0, c.1, kernel: c.2, stride: c.3, padding: c.4, seed: UInt64(600 + n))
            let conv = tiny ? withTinyTiles(made) : made
            let x = randomND(c.0, c.5, seed: UInt64(700 + n))
            let outShape = conv.outputShape(inputShape: c.5)
            let r = randomND(c.1, outShape, seed: UInt64(800 + n))
            let label = "case \(n)\(tiny ? " (one-row tiles)" : ""): k\(c.2) s\(c.3) \(c.4) on \(c.5)"
            do {
                let grads = conv.backward(input: x, outputGradient: r)
                XCTAssertEqual(grads.input.shape, x.shape, label)
                XCTAssertEqual(grads.input.channels, x.channels, label)
                checkGradient(x.data, analytic: grads.input.data, step: 0.5, tolerance: 1e-3, "\(label) input") { data in
                    dot(conv.forward(NDTensor(channels: c.0, shape: c.5, data: data)).data, r.data)
                }
                checkGradient(conv.weight, analytic: grads.weight, step: 0.5, tolerance: 1e-3, "\(label) weight") { w in
                    let changed = ConvND(inChannels: c.0, outChannels: c.1, kernel: c.2, stride: c.3, padding: c.4,
                                         weight: w, bias: conv.bias)
                    return dot(changed.forward(x).data, r.data)
                }
                checkGradient(conv.bias, analytic: grads.bias, step: 0.5, tolerance: 1e-3, "\(label) bias") { b in
                    let changed = ConvND(inChannels: c.0, outChannels: c.1, kernel: c.2, stride: c.3, padding: c.4,
                                         weight: conv.weight, bias: b)
                    return dot(changed.forward(x).data, r.data)
                }
                // The input-only path gives the same input gradient.
                let alone = conv.inputGradient(outputGradient: r, inputShape: c.5)
                // Two float32 evaluations of sums of Cout·window products: within twice γ(Cout·window + 1)
                // of the same gradient on absolute values (computed in float32 on non-negative values, so
                // within its own factor 1 + γ of exact).
                let absolute = ConvND(inChannels: c.0, outChannels: c.1, kernel: c.2, stride: c.3, padding: c.4,
                                      weight: conv.weight.map(abs), bias: conv.bias.map(abs))
                let magnitudes = absolute.inputGradient(outputGradient: NDTensor(channels: r.channels, shape: r.shape,
                                                                                 data: r.data.map(abs)), inputShape: c.5)
                let gamma = Float32Rounding.gamma(c.1 * c.2.reduce(1, *) + 1)
                Float32Rounding.assertWithin(alone.data, grads.input.data,
                                             bound: magnitudes.data.map { 2 * gamma * (1 + gamma) * Double($0) }, label)
            }
        }
    }

    func testGradientsMatchFiniteDifferences() { check(tiny: false) }

    func testGradientsMatchFiniteDifferencesWithOneRowTiles() { check(tiny: true) }

    /// Inputs that no window reads (valid padding dropping a remainder, stride longer than the kernel) get
    /// exactly zero gradient.
    func testUnreadInputsGetZeroGradient() {
        // Length 11, k 2, stride 3, valid: outputs read 0,1 | 3,4 | 6,7 | 9,10; 2, 5, 8 are never read.
        let conv = randomConv(1, 2, kernel: [2], stride: [3], seed: 900)
        let r = randomND(2, conv.outputShape(inputShape: [11]), seed: 901)
        let g = conv.inputGradient(outputGradient: r, inputShape: [11])
        XCTAssertEqual([g.data[2], g.data[5], g.data[8]], [0, 0, 0])
        XCTAssertTrue(g.data.enumerated().allSatisfy { $0.offset % 3 == 2 || $0.element != 0 })
    }
}
