import XCTest
@testable import Engine
@testable import EngineND
import TestSupport

/// The VGG case: the general engine's 2-D 3x3 stride-1 "same" convolution against the fast `Conv2D` that
/// stylize runs (Winograd where it chooses it, im2col for conv1_1-like 3-channel inputs and tiny images),
/// forward and input gradient, on random data. This checks the fast path against an independent implementation
/// of the same definition.
///
/// Bound, per value: ConvND's direct float32 sum is within `Float32Rounding.directBound` of the exact value,
/// Conv2D within the larger of that and `Float32Rounding.winogradBound` (it may take either path); the two
/// differ by at most the sum. Run with STYLIZE_CONV=im2col or winograd to pin Conv2D to one path.
final class ConvNDVersusConv2DTests: XCTestCase {
    /// directBound + max(directBound, winogradBound), per output.
    func bound(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        let direct = Float32Rounding.directBound(x, weight: weight, bias: bias, outChannels: outChannels)
        let winograd = Float32Rounding.winogradBound(x, weight: weight, bias: bias, outChannels: outChannels)
        return zip(direct, winograd).map { $0 + max($0, $1) }
    }

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
            Float32Rounding.assertWithin(Tensor(nd).data, fast.data,
                                         bound: bound(x, weight: conv.weight, bias: conv.bias, outChannels: s.1), label)

            let r = randomTensor(s.1, s.2, s.3, seed: UInt64(1700 + n))
            let fastGradient = conv.backward(outputGradient: r)
            let ndGradient = general.inputGradient(outputGradient: NDTensor(r), inputShape: [s.2, s.3])
            Float32Rounding.assertWithin(Tensor(ndGradient).data, fastGradient.data,
                                         bound: bound(r, weight: conv.backwardWeight, bias: nil, outChannels: s.0), label)
        }
    }
}
