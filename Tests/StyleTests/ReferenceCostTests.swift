import Foundation
import XCTest
import Engine
import TestSupport
@testable import Style

/// J and dJ/dpixels against an independent implementation (fixtures/reference/case_*: PyTorch, float64 autograd).
final class ReferenceCostTests: XCTestCase {
    struct Case {
        let values: [String: Any]
        let tensors: SafeTensorsFile
        let height: Int, width: Int
        init(_ name: String) throws {
            let json = try Data(contentsOf: URL(fileURLWithPath: Fixtures.reference("\(name)/values.json")))
            values = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            tensors = try SafeTensorsFile(contentsOf: Fixtures.reference("\(name)/reference.safetensors"))
            height = try XCTUnwrap(values["H"] as? Int)
            width = try XCTUnwrap(values["W"] as? Int)
        }
        func rgb(_ key: String) throws -> [Float] { try XCTUnwrap(tensors.tensors[key]).values }
        func double(_ key: String) throws -> Double { try XCTUnwrap((values[key] as? NSNumber)?.doubleValue, key) }
    }

    func objective(_ c: Case, net: VGG) throws -> StyleObjective {
        let layers = try XCTUnwrap(c.values["style_layers"] as? [String])
        let layerWeights = try XCTUnwrap(c.values["style_weights"] as? [Double])
        let style = try StyleTarget(network: net, pixels: c.rgb("style_rgb"), width: c.width, height: c.height, layers: layers)
        return try StyleObjective(
            network: net, content: c.rgb("content_rgb"), width: c.width, height: c.height,
            contentLayer: try XCTUnwrap(c.values["content_layer"] as? String),
            styleLayers: zip(layers, layerWeights).map { WeightedLayer($0, weight: $1) }, style: style,
            weights: CostWeights(content: try c.double("alpha"), style: try c.double("beta"), totalVariation: 0))
    }

    /// Cost parts to 1e-4 relative; the gradient to 1e-3 of its largest entry (float32 against float64).
    func checkCase(_ name: String) throws {
        let c = try Case(name)
        let net = try Fixtures.vgg16()
        let objective = try objective(c, net: net)
        let (cost, gradient) = try objective.evaluate(try c.rgb("generated_rgb"))
        XCTAssertEqual(cost.total, try c.double("J_total"), accuracy: 1e-4 * (try c.double("J_total")))
        // The forward-only J used for reports is the same number.
        XCTAssertEqual(try objective.cost(try c.rgb("generated_rgb")).total, cost.total, accuracy: 1e-9 * cost.total)
        XCTAssertEqual(cost.content, try c.double("J_content"), accuracy: 1e-4 * (try c.double("J_content")))
        XCTAssertEqual(cost.style, try c.double("J_style"), accuracy: 1e-4 * (try c.double("J_style")))
        let layers = try XCTUnwrap(c.values["J_style_layers"] as? [String: Double])
        for (layer, value) in layers {
            XCTAssertEqual(try XCTUnwrap(cost.styleLayers[layer]), value, accuracy: 1e-4 * value, layer)
        }
        let expected = try c.rgb("grad_rgb")
        XCTAssertEqual(gradient.count, expected.count)
        XCTAssertLessThan(maxRelativeError(gradient, expected), 1e-3)
        // The sign and size of the gradient, not only its largest entries: the cosine with the reference.
        let cosine = dot(gradient, expected) / (dot(gradient, gradient).squareRoot() * dot(expected, expected).squareRoot())
        XCTAssertGreaterThan(cosine, 0.99999)
    }

    func testSquareCaseMatchesReference() throws { try checkCase("case_32x32") }
    func testRectangularCaseMatchesReference() throws { try checkCase("case_32x48") }

    /// Total variation's gradient against finite differences (it is not in the reference).
    func testTotalVariationGradient() {
        var rng = SplitMix64(seed: 5)
        let pixels = (0..<(4 * 5 * 3)).map { _ in Float.random(in: 0...255, using: &rng) }
        let (_, gradient) = TotalVariation.loss(pixels: pixels, width: 5, height: 4)
        let x = Tensor(channels: 1, height: 1, width: pixels.count, data: pixels)
        checkFiniteDifferences(x, analytic: gradient, coordinates: Array(0..<pixels.count), step: 0.5, tolerance: 1e-4) {
            TotalVariation.loss(pixels: $0.data, width: 5, height: 4).value
        }
    }

    /// On an image large enough to be split by rows over the cores: the same value and gradient as the
    /// definition summed pair by pair.
    func testTotalVariationOfALargeImageMatchesPairByPairSums() {
        let (width, height) = (130, 90)
        let pixels = randomTensor(3, height, width, seed: 6, range: 0...255).data
        var value = 0.0
        var expected = [Double](repeating: 0, count: pixels.count)
        func pair(_ i: Int, _ j: Int) {
            let d = Double(pixels[i]) - Double(pixels[j])
            value += d * d
            expected[i] += 2 * d
            expected[j] -= 2 * d
        }
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let i = (y * width + x) * 3 + c
                    if x + 1 < width { pair(i, i + 3) }
                    if y + 1 < height { pair(i, i + width * 3) }
                }
            }
        }
        let (tv, gradient) = TotalVariation.loss(pixels: pixels, width: width, height: height)
        XCTAssertEqual(tv, value, accuracy: value * 1e-6)
        XCTAssertLessThan(maxRelativeError(gradient, expected.map { Float($0) }), 1e-5)
    }
}
