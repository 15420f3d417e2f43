import XCTest
@testable import Engine
import TestSupport

/// Winograd F(4x4, 3x3) against the im2col reference path and a float64 loop, forward and backward,
/// on shapes that exercise every edge: sizes that are not multiples of the 4x4 tile, odd sizes,
/// 1-pixel images and rows, 3 input channels, more channels than pixels.
///
/// Error bound: the largest |winograd - exact| is at most 2e-5 of the largest |exact| output (measured: up to
/// 7e-6 forward and 6e-6 backward on these shapes; the transforms scale inputs by up to 25 and outputs by up
/// to 100, so F(4x4, 3x3) loses about three bits against a direct float32 sum). im2col is within 1e-6 of exact.
final class WinogradTests: XCTestCase {
    static let bound = 2e-5

    /// (in channels, out channels, height, width)
    static let shapes: [(Int, Int, Int, Int)] = [
        (3, 5, 7, 9), (3, 64, 33, 31), (16, 8, 1, 1), (8, 4, 1, 13), (5, 7, 13, 1), (2, 3, 2, 2),
        (4, 6, 4, 4), (32, 16, 17, 23), (64, 64, 20, 20), (17, 9, 5, 6), (128, 32, 8, 8), (9, 130, 3, 5),
    ]

    override func tearDown() {
        Conv2D.algorithm = .automatic
        super.tearDown()
    }

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
            let reference = Conv2D.withAlgorithm(.im2col) { conv.forward(x) }
            let winograd = Conv2D.withAlgorithm(.winograd) { conv.forward(x) }
            XCTAssertEqual(winograd.shape, [cout, h, w])
            let label = "forward \(cin)->\(cout) \(h)x\(w)"
            XCTAssertLessThan(maxRelativeError(reference.data, exact.data), 1e-6, label)
            let error = maxRelativeError(winograd.data, exact.data)
            XCTAssertLessThan(error, Self.bound, label)
            XCTAssertLessThan(maxRelativeError(winograd.data, reference.data), Self.bound, label)
            worst = max(worst, error)
        }
        print("Winograd forward: largest relative error \(worst) (bound \(Self.bound))")
    }

    func testBackwardMatchesIm2colAndExactSum() {
        var worst = 0.0
        for (n, (cin, cout, h, w)) in Self.shapes.enumerated() {
            let conv = makeConv(cin, cout, seed: UInt64(300 + n))
            let g = randomTensor(cout, h, w, seed: UInt64(400 + n))
            let exact = exactConv(g, conv.backwardWeight, nil, outChannels: cin)
            let reference = Conv2D.withAlgorithm(.im2col) { conv.backward(outputGradient: g) }
            let winograd = Conv2D.withAlgorithm(.winograd) { conv.backward(outputGradient: g) }
            XCTAssertEqual(winograd.shape, [cin, h, w])
            let label = "backward \(cin)<-\(cout) \(h)x\(w)"
            XCTAssertLessThan(maxRelativeError(reference.data, exact.data), 1e-6, label)
            let error = maxRelativeError(winograd.data, exact.data)
            XCTAssertLessThan(error, Self.bound, label)
            worst = max(worst, error)
        }
        print("Winograd backward: largest relative error \(worst) (bound \(Self.bound))")
    }

    /// Chunks of a single tile (the smallest scratch) against one chunk per worker: only rounding in sgemm may differ.
    func testChunkingDoesNotChangeTheResult() {
        let conv = makeConv(12, 10, seed: 500)
        let x = randomTensor(12, 19, 14, seed: 501)
        let whole = Conv2D.withAlgorithm(.winograd) { conv.forward(x) }
        let saved = Conv2D.scratchBudget
        Conv2D.scratchBudget = 1
        defer { Conv2D.scratchBudget = saved }
        let tiny = Conv2D.withAlgorithm(.winograd) { conv.forward(x) }
        XCTAssertLessThan(maxRelativeError(tiny.data, whole.data), 1e-6)
        let back = Conv2D.withAlgorithm(.winograd) { conv.backward(outputGradient: x.sliced(channels: 10)) }
        Conv2D.scratchBudget = saved
        let backWhole = Conv2D.withAlgorithm(.winograd) { conv.backward(outputGradient: x.sliced(channels: 10)) }
        XCTAssertLessThan(maxRelativeError(back.data, backWhole.data), 1e-6)
    }

    /// One worker and several give the same result (the chunks are the same; only who runs them changes).
    func testSingleWorkerMatchesParallel() {
        let conv = makeConv(24, 20, seed: 600)
        let x = randomTensor(24, 37, 29, seed: 601)
        let parallel = Conv2D.withAlgorithm(.winograd) { conv.forward(x) }
        let saved = ThreadSettings.workers
        ThreadSettings.set(1)
        defer { ThreadSettings.set(saved) }
        let serial = Conv2D.withAlgorithm(.winograd) { conv.forward(x) }
        XCTAssertLessThan(maxRelativeError(serial.data, parallel.data), 1e-6)
    }

    /// L = <conv(x), r>: dL/dx from Winograd's backward against central differences of Winograd's forward.
    func testWinogradBackwardMatchesFiniteDifferences() {
        let conv = makeConv(5, 4, seed: 700)
        let x = randomTensor(5, 9, 7, seed: 701)
        let r = randomTensor(4, 9, 7, seed: 702)
        let grad = Conv2D.withAlgorithm(.winograd) { conv.backward(outputGradient: r) }
        XCTAssertEqual(grad.shape, x.shape)
        // Corners, borders and the interior of the first and last channels.
        let coordinates = [0, 6, 56, 62, 31, 63 + 10, 4 * 63 + 62, 4 * 63 + 28]
        Conv2D.withAlgorithm(.winograd) {
            checkFiniteDifferences(x, analytic: grad.data, coordinates: coordinates, step: 0.05, tolerance: 1e-3) {
                dot(conv.forward($0).data, r.data)
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
                var expected = Conv2D.withAlgorithm(algorithm) { conv.backward(outputGradient: g) }
                ReLU.backward(mask: mask, gradient: &expected)
                let fused = Conv2D.withAlgorithm(algorithm) { conv.backward(outputGradient: g, inputMask: mask) }
                XCTAssertEqual(fused, expected, "\(algorithm) \(cin)<-\(cout) \(h)x\(w)")
            }
        }
    }
}
