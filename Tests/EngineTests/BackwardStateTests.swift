import XCTest
@testable import Engine
import TestSupport

/// Backward keeps only bits and bytes (ReLU masks, pooling windows) instead of activations: these must
/// give exactly what the activations gave.
final class BackwardStateTests: XCTestCase {
    func testReLUMaskMatchesTheOutput() {
        for count in [1, 63, 64, 65, 200, 5000, 70_001] {
            var x = randomTensor(1, 1, count, seed: UInt64(count))
            x.data[0] = 0   // zero is not positive
            var plain = x
            ReLU.forward(&plain)
            var masked = x
            var mask = BitMask(count: 0)
            ReLU.forward(&masked, mask: &mask)
            XCTAssertEqual(masked.data, plain.data, "\(count)")
            XCTAssertEqual(mask.count, count)
            for i in 0..<count { XCTAssertEqual(mask[i], plain.data[i] > 0, "\(count) [\(i)]") }
            let r = randomTensor(1, 1, count, seed: UInt64(count) + 1)
            var g1 = r, g2 = r
            ReLU.backward(output: plain, gradient: &g1)
            ReLU.backward(mask: mask, gradient: &g2)
            XCTAssertEqual(g1.data, g2.data, "\(count)")
        }
    }

    func testPoolingWindowsMatchTheInput() {
        for (c, h, w) in [(2, 6, 7), (3, 7, 6), (1, 1, 5), (1, 5, 1), (4, 9, 9), (2, 2, 2), (64, 33, 17)] {
            let x = randomTensor(c, h, w, seed: UInt64(c * 100 + h * 10 + w))
            let r = randomTensor(c, h / 2, w / 2, seed: 9)
            for kind in PoolingKind.allCases {
                let (y, windows) = Pool2x2.forward(x, kind: kind, recordWindows: true)
                XCTAssertEqual(y, Pool2x2.forward(x, kind: kind))
                XCTAssertEqual(windows == nil, kind == .average)
                let expected = Pool2x2.backward(input: x, outputGradient: r, kind: kind)
                let got = Pool2x2.backward(inputShape: x.shape, windows: windows, outputGradient: r, kind: kind)
                XCTAssertEqual(got, expected, "\(kind) \(c)x\(h)x\(w)")
                // A fused ReLU mask is the same as applying the mask after.
                var relu = x
                var mask = BitMask(count: 0)
                ReLU.forward(&relu, mask: &mask)
                let (_, reluWindows) = Pool2x2.forward(relu, kind: kind, recordWindows: true)
                var separate = Pool2x2.backward(inputShape: x.shape, windows: reluWindows, outputGradient: r, kind: kind)
                ReLU.backward(mask: mask, gradient: &separate)
                let fused = Pool2x2.backward(inputShape: x.shape, windows: reluWindows, outputGradient: r, kind: kind, mask: mask)
                XCTAssertEqual(fused, separate, "\(kind) \(c)x\(h)x\(w) fused")
            }
        }
    }

    /// What a forward pass keeps for backward is a small fraction of the activations.
    func testForwardKeepsBitsNotActivations() throws {
        let net = try Fixtures.vgg16()
        let x = randomTensor(3, 64, 64, seed: 3, range: -100...100)
        let forward = try net.forward(x, taps: ["relu3_1"])
        // relu1_1, relu1_2: 64 x 64 x 64; relu2_1, relu2_2: 128 x 32 x 32; relu3_1: 256 x 16 x 16 (one bit each);
        // pool1, pool2: 64 x 32 x 32 and 128 x 16 x 16 (one byte each).
        let bits = 2 * 64 * 64 * 64 + 2 * 128 * 32 * 32 + 256 * 16 * 16
        XCTAssertEqual(forward.backwardBytes, bits / 8 + 64 * 32 * 32 + 128 * 16 * 16)
        let none = try net.forward(x, taps: ["relu3_1"], keepForBackward: false)
        XCTAssertEqual(none.backwardBytes, 0)
        XCTAssertThrowsError(try net.backward(none, tapGradients: ["relu3_1": forward.taps["relu3_1"]!]))
    }

    /// Tap gradients entering at several depths, including a ReLU right before a pooling (no fusion there)
    /// and a conv tap, against a backward built from the layers' reference functions on kept activations,
    /// on each convolution path (Winograd forced makes the fused unpooling run on these small maps).
    func testBackwardWithSeveralTapsMatchesLayerByLayer() throws {
        for algorithm in ConvolutionAlgorithm.allCases {
            try checkBackwardLayerByLayer(taps: ["relu1_2", "conv2_1", "relu2_1", "relu3_1"], size: (20, 18), algorithm: algorithm)
            try checkBackwardLayerByLayer(taps: ["relu3_1"], size: (27, 35), algorithm: algorithm)
        }
    }

    func checkBackwardLayerByLayer(taps: [String], size: (Int, Int), algorithm: ConvolutionAlgorithm) throws {
        let net = try Fixtures.vgg16().using(algorithm)
        do {
            let x = randomTensor(3, size.0, size.1, seed: 4, range: -100...100)
            let forward = try net.forward(x, taps: taps)
            var gradients: [String: Tensor] = [:]
            for (n, tap) in taps.enumerated() {
                let t = forward.taps[tap]!
                gradients[tap] = randomTensor(t.channels, t.height, t.width, seed: UInt64(50 + n))
            }
            let got = try net.backward(forward, tapGradients: gradients)

            // Reference: keep every activation, run each layer's backward.
            let depth = try taps.map { try net.index(of: $0) }.max()!
            var inputs: [Tensor] = []
            var current = x
            for layer in net.layers[...depth] {
                inputs.append(current)
                switch layer.kind {
                case .conv(let conv): current = conv.forward(current)
                case .relu: ReLU.forward(&current)
                case .pool: current = Pool2x2.forward(current, kind: net.pooling)
                }
            }
            var g: Tensor? = nil
            for i in stride(from: depth, through: 0, by: -1) {
                let layer = net.layers[i]
                if let t = gradients[layer.name] {
                    if g == nil { g = t } else { for k in 0..<t.count { g!.data[k] += t.data[k] } }
                }
                guard var grad = g else { continue }
                switch layer.kind {
                case .conv(let conv): grad = conv.backward(outputGradient: grad)
                case .relu:
                    var out = inputs[i]
                    ReLU.forward(&out)
                    ReLU.backward(output: out, gradient: &grad)
                case .pool: grad = Pool2x2.backward(input: inputs[i], outputGradient: grad, kind: net.pooling)
                }
                g = grad
            }
            XCTAssertEqual(got.shape, x.shape)
            XCTAssertEqual(got.data, g!.data, "\(algorithm) \(taps) \(size)")
        }
    }

    /// A convolution's backward from a pooling's output gradient (the pooling's backward fused into the Winograd
    /// input transform) equals pooling backward, then convolution backward.
    func testFusedUnpoolingMatchesPoolingThenConvolution() {
        let shapes = [(4, 6, 9, 7), (16, 8, 20, 300), (8, 3, 33, 17), (5, 5, 2, 2), (6, 4, 3, 3), (3, 7, 1, 9)]
        for (n, (cin, cout, h, w)) in shapes.enumerated() {
            let conv = Conv2D(inChannels: cin, outChannels: cout, weight: randomTensor(cout * cin, 3, 3, seed: UInt64(n)).data,
                              bias: randomTensor(cout, 1, 1, seed: 99).data)
            var relu = randomTensor(cout, h, w, seed: UInt64(10 + n))
            var poolMask = BitMask(count: 0)
            ReLU.forward(&relu, mask: &poolMask)
            var before = randomTensor(cin, h, w, seed: UInt64(20 + n))
            var inputMask = BitMask(count: 0)
            ReLU.forward(&before, mask: &inputMask)
            let r = randomTensor(cout, h / 2, w / 2, seed: UInt64(30 + n))
            for kind in PoolingKind.allCases {
                let (_, windows) = Pool2x2.forward(relu, kind: kind, recordWindows: true)
                for masks in [false, true] {
                    for algorithm in [ConvolutionAlgorithm.winograd, .im2col] {
                        do {
                            let conv = conv.using(algorithm)
                            let unpooled = Pool2x2.backward(inputShape: relu.shape, windows: windows, outputGradient: r, kind: kind,
                                                            mask: masks ? poolMask : nil)
                            let expected = conv.backward(outputGradient: unpooled, inputMask: masks ? inputMask : nil)
                            let fused = conv.backward(pooledGradient: r, poolInputShape: relu.shape, windows: windows, kind: kind,
                                                      poolInputMask: masks ? poolMask : nil, inputMask: masks ? inputMask : nil)
                            XCTAssertEqual(fused, expected, "\(kind) masks \(masks) \(algorithm) \(cin)<-\(cout) \(h)x\(w)")
                        }
                    }
                }
            }
        }
    }
}
