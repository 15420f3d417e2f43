import XCTest
import Engine
import TestSupport

/// The VGG case: the general engine's 2-D 3x3 stride-1 "same" convolution against the fast `Conv2D` that
/// stylize runs (Winograd where it chooses it, im2col for conv1_1-like 3-channel inputs and tiny images),
/// forward and input gradient, on random data. This checks the fast path against an independent implementation
/// of the same definition.
///
/// Bound: 3e-5 of the largest value. Winograd F(4x4, 3x3) is within 2e-5 of the exact sum (WinogradTests),
/// ConvND's plain im2col within about 1e-6 (on Conv2D's im2col path the two agree bit for bit);
/// measured here at most 6e-6. Run with STYLIZE_CONV=im2col or
/// winograd to pin Conv2D to one path.
final class ConvNDVersusConv2DTests: XCTestCase {
    static let bound = 3e-5

    /// (in channels, out channels, height, width): conv1_1-like, Winograd-sized, odd sizes, a tiny image.
    static let shapes: [(Int, Int, Int, Int)] = [
        (3, 64, 33, 31), (64, 64, 20, 20), (32, 16, 17, 23), (16, 32, 5, 6), (128, 32, 24, 16),
    ]

    func testForwardAndInputGradientMatchConv2D() {
        for (n, s) in Self.shapes.enumerated() {
            let conv = Conv2D(inChannels: s.0, outChannels: s.1,
                              weight: randomFloats(s.1 * s.0 * 9, seed: UInt64(1400 + n)).map { $0 * 0.2 },
                              bias: randomFloats(s.1, seed: UInt64(1500 + n)))
            let general = ConvND(conv)
            let x = randomTensor(s.0, s.2, s.3, seed: UInt64(1600 + n))
            let label = "\(s.0)->\(s.1) on \(s.2)x\(s.3)"

            let fast = conv.forward(x)
            let nd = general.forward(NDTensor(x))
            XCTAssertEqual(nd.shape, [s.2, s.3], label)
            XCTAssertLessThan(maxRelativeError(Tensor(nd).data, fast.data), Self.bound, label)

            let r = randomTensor(s.1, s.2, s.3, seed: UInt64(1700 + n))
            let fastGradient = conv.backward(outputGradient: r)
            let ndGradient = general.inputGradient(outputGradient: NDTensor(r), inputShape: [s.2, s.3])
            XCTAssertLessThan(maxRelativeError(Tensor(ndGradient).data, fastGradient.data), Self.bound, label)
        }
    }
}
