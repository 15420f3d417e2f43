import XCTest
@testable import Engine
import TestSupport

/// Winograd F(4x4, 3x3) against the im2col reference path and a float64 loop, forward and backward,
/// on shapes that exercise every edge: sizes that are not multiples of the 4x4 tile, odd sizes,
/// 1-pixel images and rows, 3 input channels, more channels than pixels.
///
/// Error bounds, element by element (TestSupport/Float32Rounding.swift has the derivations): im2col is a
/// direct float32 sum, within γ(9·Cin + 2) of |b| + Σ|w||x| of the exact value; Winograd is within
/// γ(Cin + 21) of the same computation on absolute values (its transforms scale by up to 10 and 19 per side,
/// so these magnitudes are up to about 10⁴ times the direct ones). Two evaluations that differ only in
/// blocking or threads differ by at most the sum of their bounds.
final class WinogradTests: XCTestCase {
    /// (in channels, out channels, height, width)
    static let shapes: [(Int, Int, Int, Int)] = [
        (3, 5, 7, 9), (3, 64, 33, 31), (16, 8, 1, 1), (8, 4, 1, 13), (5, 7, 13, 1), (2, 3, 2, 2),
        (4, 6, 4, 4), (32, 16, 17, 23), (64, 64, 20, 20), (17, 9, 5, 6), (128, 32, 8, 8), (9, 130, 3, 5),
    ]

    func makeConv(_ cin: Int, _ cout: Int, seed: UInt64) -> Conv2D {
        let w = randomTensor(cout * cin, 3, 3, seed: seed).data
        let b = randomTensor(cout, 1, 1, seed: seed + 1).data
        return Conv2D(inChannels: cin, outChannels: cout, weight: w, bias: b)
    }

    /// The textbook sum in float64: out[o,y,x] = b[o] + sum_i,ky,kx w[o,i,ky,kx] * in[i, y+ky-1, x+kx-1].
    func exactConv(_ x: Tensor, _ w: [Float], _ b: [Float]?, outChannels: Int) -> Tensor {
        var out = Tensor(channels: outChannels, height: x.height, width: x.width)
        for o in 0..<outChannels {
            for y in 0..<x.height {
                for xx in 0..<x.width {
                    var sum = Double(b?[o] ?? 0)
                    for i in 0..<x.channels {
                        for ky in 0..<3 {
                            let sy = y + ky - 1
                            guard sy >= 0, sy < x.height else { continue }
                            for kx in 0..<3 {
                                let sx = xx + kx - 1
                                guard sx >= 0, sx < x.width else { continue }
                                sum += Double(w[((o * x.channels + i) * 3 + ky) * 3 + kx]) * Double(x[i, sy, sx])
                            }
                        }
                    }
                    out[o, y, xx] = Float(sum)
                }
            }
        }
        return out
    }

    func testForwardMatchesIm2colAndExactSum() {
        var worst = 0.0
        for (n, (cin, cout, h, w)) in Self.shapes.enumerated() {
            let conv = makeConv(cin, cout, seed: UInt64(100 + n))
            let x = randomTensor(cin, h, w, seed: UInt64(200 + n))
            let exact = exactConv(x, conv.weight, conv.bias, outChannels: cout)
            let reference = conv.using(.im2col).forward(x)
            let winograd = conv.using(.winograd).forward(x)
            XCTAssertEqual(winograd.shape, [cout, h, w])
            let label = "forward \(cin)->\(cout) \(h)x\(w)"
            let direct = Float32Rounding.directBound(x, weight: conv.weight, bias: conv.bias, outChannels: cout)
            let transformed = Float32Rounding.winogradBound(x, weight: conv.weight, bias: conv.bias, outChannels: cout)
            Float32Rounding.assertWithin(reference.data, exact.data, bound: direct, "im2col " + label)
            worst = max(worst, Float32Rounding.assertWithin(winograd.data, exact.data, bound: transformed, label))
            Float32Rounding.assertWithin(winograd.data, reference.data, bound: zip(direct, transformed).map(+), label)
        }
        print("Winograd forward: largest error \(worst) of its bound")
    }

    func testBackwardMatchesIm2colAndExactSum() {
        var worst = 0.0
        for (n, (cin, cout, h, w)) in Self.shapes.enumerated() {
            let conv = makeConv(cin, cout, seed: UInt64(300 + n))
            let g = randomTensor(cout, h, w, seed: UInt64(400 + n))
            let exact = exactConv(g, conv.backwardWeight, nil, outChannels: cin)
            let reference = conv.using(.im2col).backward(outputGradient: g)
            let winograd = conv.using(.winograd).backward(outputGradient: g)
            XCTAssertEqual(winograd.shape, [cin, h, w])
            let label = "backward \(cin)<-\(cout) \(h)x\(w)"
            Float32Rounding.assertWithin(reference.data, exact.data, bound: Float32Rounding.directBound(
                g, weight: conv.backwardWeight, bias: nil, outChannels: cin), "im2col " + label)
            worst = max(worst, Float32Rounding.assertWithin(winograd.data, exact.data, bound: Float32Rounding.winogradBound(
                g, weight: conv.backwardWeight, bias: nil, outChannels: cin), label))
        }
        print("Winograd backward: largest error \(worst) of its bound")
    }

    /// bfloat16 backward products (CPUs with AVX-512 BF16) against the float64 sum: both operands of each product
    /// rounded to bfloat16 add a factor (1 + 2⁻⁸)² to Winograd's float32 bound (`Float32Rounding.winogradBFloat16Bound`).
    /// The float32 path's bound is about 2⁸ times tighter, so the test would fail if the rounding were coarser
    /// or the products wrong. Small chunks (`scratchBudget` 1) too: a product shape per tile count.
    func testBFloat16BackwardWithinItsBound() throws {
        guard BackwardProducts.bfloat16.runsHere else { throw XCTSkip("this CPU has \(InstructionLevel.cpu), not AVX-512 BF16") }
        var worst = 0.0, beyondFloat32 = 0.0
        for budget in [32 << 20, 1] {
            for (n, (cin, cout, h, w)) in Self.shapes.enumerated() {
                let conv = makeConv(cin, cout, seed: UInt64(300 + n))
                let g = randomTensor(cout, h, w, seed: UInt64(400 + n))
                let exact = exactConv(g, conv.backwardWeight, nil, outChannels: cin)
                let half = conv.using(ConvolutionSettings(algorithm: .winograd, scratchBudget: budget, backwardProducts: .bfloat16))
                let gradient = half.backward(outputGradient: g)
                XCTAssertEqual(gradient.shape, [cin, h, w])
                let label = "bfloat16 backward \(cin)<-\(cout) \(h)x\(w), budget \(budget)"
                worst = max(worst, Float32Rounding.assertWithin(gradient.data, exact.data, bound: Float32Rounding.winogradBFloat16Bound(
                    g, weight: conv.backwardWeight, bias: nil, outChannels: cin), label))
                let float32Bound = Float32Rounding.winogradBound(g, weight: conv.backwardWeight, bias: nil, outChannels: cin)
                for (i, bound) in float32Bound.enumerated() {
                    beyondFloat32 = max(beyondFloat32, abs(Double(gradient.data[i]) - Double(exact.data[i])) / bound)
                }
            }
        }
        // The products were rounded: somewhere the error is beyond what float32 products could make.
        XCTAssertGreaterThan(beyondFloat32, 1, "no error beyond float32's bound: were the products bfloat16?")
        print("Winograd bfloat16 backward: largest error \(worst) of its bound, \(beyondFloat32) of float32's")
    }

    /// The backward products' format is kept when a network or layer is pinned to one path.
    func testPinningAPathKeepsTheBackwardProducts() {
        let conv = makeConv(4, 6, seed: 1).using(ConvolutionSettings(backwardProducts: .bfloat16))
        XCTAssertEqual(conv.using(.im2col).settings.backwardProducts, .bfloat16)
        XCTAssertEqual(conv.using(.winograd).settings.algorithm, .winograd)
    }

    /// Twice the Winograd bound: two Winograd evaluations that may differ in blocking (and so in rounding).
    func twoEvaluationsBound(_ x: Tensor, _ conv: Conv2D) -> [Double] {
        Float32Rounding.winogradBound(x, weight: conv.weight, bias: conv.bias, outChannels: conv.outChannels).map { 2 * $0 }
    }

    /// Chunks of a single tile (the smallest scratch) against one chunk per worker: sgemm's blocking changes
    /// with the number of tiles, so only rounding may differ (within two Winograd bounds).
    func testChunkingDoesNotChangeTheResult() {
        let conv = makeConv(12, 10, seed: 500)
        let x = randomTensor(12, 19, 14, seed: 501)
        let g = x.sliced(channels: 10)
        let flipped = Conv2D(inChannels: 10, outChannels: 12, weight: conv.backwardWeight, bias: [Float](repeating: 0, count: 12))
        let whole = conv.using(.winograd).forward(x)
        let tinyConv = conv.using(ConvolutionSettings(algorithm: .winograd, scratchBudget: 1))
        let tiny = tinyConv.forward(x)
        Float32Rounding.assertWithin(tiny.data, whole.data, bound: twoEvaluationsBound(x, conv), "forward")
        let back = tinyConv.backward(outputGradient: g)
        let backWhole = conv.using(.winograd).backward(outputGradient: g)
        Float32Rounding.assertWithin(back.data, backWhole.data, bound: twoEvaluationsBound(g, flipped), "backward")
    }

    /// One worker and several give the same result within rounding (the chunks are the same; only who runs
    /// them changes, and with it OpenBLAS's choice of blocking may change): two Winograd bounds.
    func testSingleWorkerMatchesParallel() {
        let conv = makeConv(24, 20, seed: 600)
        let x = randomTensor(24, 37, 29, seed: 601)
        let parallel = conv.using(.winograd).forward(x)
        let saved = ThreadSettings.workers
        ThreadSettings.set(1)
        defer { ThreadSettings.set(saved) }
        let serial = conv.using(.winograd).forward(x)
        Float32Rounding.assertWithin(serial.data, parallel.data, bound: twoEvaluationsBound(x, conv))
    }

    /// L = <conv(x), r>: dL/dx from Winograd's backward against central differences of Winograd's forward.
    func testWinogradBackwardMatchesFiniteDifferences() {
        let conv = makeConv(5, 4, seed: 700)
        let x = randomTensor(5, 9, 7, seed: 701)
        let r = randomTensor(4, 9, 7, seed: 702)
        let grad = conv.using(.winograd).backward(outputGradient: r)
        XCTAssertEqual(grad.shape, x.shape)
        // Corners, borders and the interior of the first and last channels.
        let coordinates = [0, 6, 56, 62, 31, 63 + 10, 4 * 63 + 62, 4 * 63 + 28]
        do {
            checkFiniteDifferences(x, analytic: grad.data, coordinates: coordinates, step: 0.05, tolerance: 1e-3) {
                dot(conv.using(.winograd).forward($0).data, r.data)
            }
        }
    }

    /// The automatic choice keeps im2col for conv1_1's 3 input channels and small maps, Winograd elsewhere
    /// (including conv1_1's backward, 64 -> 3 channels).
    func testAutomaticChoice() {
        XCTAssertFalse(Conv2D.prefersWinograd(inChannels: 3, outChannels: 64, width: 512, height: 512))
        XCTAssertTrue(Conv2D.prefersWinograd(inChannels: 64, outChannels: 3, width: 512, height: 512))
        XCTAssertTrue(Conv2D.prefersWinograd(inChannels: 64, outChannels: 64, width: 512, height: 512))
        XCTAssertTrue(Conv2D.prefersWinograd(inChannels: 512, outChannels: 512, width: 32, height: 32))
        XCTAssertFalse(Conv2D.prefersWinograd(inChannels: 512, outChannels: 512, width: 16, height: 16))
        XCTAssertFalse(Conv2D.prefersWinograd(inChannels: 512, outChannels: 512, width: 1, height: 1))
    }
}

extension Tensor {
    /// The first `channels` channels.
    func sliced(channels: Int) -> Tensor {
        Tensor(channels: channels, height: height, width: width, data: Array(data[0..<(channels * height * width)]))
    }
}

extension WinogradTests {
    /// backward(outputGradient:inputMask:) is backward followed by the ReLU mask, on both paths.
    func testBackwardWithFusedMask() {
        for (n, (cin, cout, h, w)) in [(5, 6, 7, 9), (16, 8, 13, 70), (64, 3, 9, 300), (3, 64, 1, 5)].enumerated() {
            let conv = makeConv(cin, cout, seed: UInt64(800 + n))
            let g = randomTensor(cout, h, w, seed: UInt64(900 + n))
            var pre = randomTensor(cin, h, w, seed: UInt64(1000 + n))
            var mask = BitMask(count: 0)
            ReLU.forward(&pre, mask: &mask)
            for algorithm in [ConvolutionAlgorithm.im2col, .winograd] {
                var expected = conv.using(algorithm).backward(outputGradient: g)
                ReLU.backward(mask: mask, gradient: &expected)
                let fused = conv.using(algorithm).backward(outputGradient: g, inputMask: mask)
                XCTAssertEqual(fused, expected, "\(algorithm) \(cin)<-\(cout) \(h)x\(w)")
            }
        }
    }
}
