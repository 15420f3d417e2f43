import XCTest
@testable import Engine
import TestSupport

/// The real VGG16 weights on a real photo, against activations from an independent implementation
/// (fixtures/reference/photo_64x96, PyTorch in float64).
final class VGGReferenceTests: XCTestCase {
    func testStructureFollowsTheWeightsFile() throws {
        let net = try Fixtures.vgg16()
        XCTAssertEqual(net.architecture, "vgg16")
        XCTAssertEqual(net.layers.filter { $0.name.hasPrefix("conv") }.count, 13)
        XCTAssertEqual(net.layers.last?.name, "pool5")
        XCTAssertEqual(net.channels(at: try net.index(of: "relu3_1")), 256)
        XCTAssertEqual(net.input, .caffe)
    }

    /// Bound: 1e-4 of the largest activation of each tap. Each layer's outputs are float32 sums of up to 4608
    /// products, whose rounding errors, of random sign, grow like √k·u of Σ|w||a| (Higham and Mary's
    /// probabilistic bound, with λ = 4 for a failure probability below 1e-6): 4·68·6e-8 ≈ 1.6e-5 per layer
    /// relative to Σ|w||a|, which on these ReLU activations is within a few times the largest output; through
    /// the 13 layers, errors add (each layer has a gain near 1 on the largest activation), about 1e-4 at most
    /// at relu5_3. The worst-case bound γ(4609) per layer (2.7e-4) would not be a test: it is met by noise.
    func testForwardMatchesReferenceActivations() throws {
        let net = try Fixtures.vgg16()
        let reference = try SafeTensorsFile(contentsOf: Fixtures.reference("photo_64x96/reference.safetensors"))
        let xInput = try XCTUnwrap(reference.tensors["x_input"])
        let x = Tensor(channels: 3, height: 64, width: 96, data: xInput.values)
        let taps = ["relu1_1", "pool1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1", "relu5_3"]
        let result = try net.forward(x, taps: taps, keepForBackward: false)
        for tap in taps {
            let expected = try XCTUnwrap(reference.tensors["feat_\(tap)"], tap)
            let got = try XCTUnwrap(result.taps[tap], tap)
            XCTAssertEqual(got.shape, expected.shape, tap)
            XCTAssertLessThan(maxRelativeError(got.data, expected.values), 1e-4, tap)
        }
    }

    /// The same reference with each algorithm forced on every layer (automatic mixes them), with the same bound:
    /// Winograd's worst case is larger than the direct sum's, but its errors are as random and, measured, within
    /// a factor 10 of im2col's.
    func testForwardMatchesReferenceActivationsWithEachAlgorithm() throws {
        let net = try Fixtures.vgg16()
        let reference = try SafeTensorsFile(contentsOf: Fixtures.reference("photo_64x96/reference.safetensors"))
        let x = Tensor(channels: 3, height: 64, width: 96, data: try XCTUnwrap(reference.tensors["x_input"]).values)
        let taps = ["relu1_1", "pool1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1", "relu5_3"]
        for algorithm in ConvolutionAlgorithm.allCases {
            do {
                let result = try net.using(algorithm).forward(x, taps: taps, keepForBackward: false)
                var worst = 0.0
                for tap in taps {
                    let expected = try XCTUnwrap(reference.tensors["feat_\(tap)"], tap)
                    let error = maxRelativeError(try XCTUnwrap(result.taps[tap], tap).data, expected.values)
                    XCTAssertLessThan(error, 1e-4, "\(algorithm) \(tap)")
                    worst = max(worst, error)
                }
                print("photo_64x96 with \(algorithm): largest relative error over the taps \(worst)")
            }
        }
    }

    func testUnknownTapIsAnErrorNamingTheLayer() throws {
        let net = try Fixtures.vgg16()
        XCTAssertThrowsError(try net.forward(Tensor(channels: 3, height: 16, width: 16), taps: ["relu9_9"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown layer \"relu9_9\" (this network has relu1_1, relu1_2,"), "\(error)")
        }
    }

    /// Backward through the whole stack against finite differences of L = <relu2_1(x), r>: float32 sums
    /// are too noisy for single-pixel steps through five layers, so the check is along random directions d,
    /// (L(x + h d) - L(x - h d)) / 2h against <dL/dx, d>. Float32 rounding of L (about 3000) and ReLU kinks
    /// crossed by the step limit this to about 2%; the float64 reference gradient (StyleTests) checks it to 1e-4.
    func testBackwardThroughStackMatchesFiniteDifferences() throws {
        let net = try Fixtures.vgg16()
        let x = randomTensor(3, 16, 16, seed: 21, range: -100...100)
        let forward = try net.forward(x, taps: ["relu2_1"])
        let tap = try XCTUnwrap(forward.taps["relu2_1"])
        let r = randomTensor(tap.channels, tap.height, tap.width, seed: 22)
        let grad = try net.backward(forward, tapGradients: ["relu2_1": r])
        XCTAssertEqual(grad.shape, x.shape)
        func loss(_ t: Tensor) throws -> Double {
            dot(try XCTUnwrap(net.forward(t, taps: ["relu2_1"], keepForBackward: false).taps["relu2_1"]).data, r.data)
        }
        for seed in UInt64(30)..<33 {
            let d = randomTensor(3, 16, 16, seed: seed)
            let h: Float = 0.01
            var plus = x, minus = x
            for i in 0..<x.count {
                plus.data[i] += h * d.data[i]
                minus.data[i] -= h * d.data[i]
            }
            let numeric = (try loss(plus) - loss(minus)) / (2 * Double(h))
            let analytic = dot(grad.data, d.data)
            XCTAssertEqual(numeric, analytic, accuracy: 2e-2 * abs(analytic), "direction \(seed)")
        }
    }
}
