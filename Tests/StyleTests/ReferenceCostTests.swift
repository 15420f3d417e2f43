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
    /// Why: the activations carry at most about 1e-5 of relative rounding at relu4_2 and relu5_1 (the
    /// VGGReferenceTests argument, 9 to 11 layers deep). J_content is quadratic in the activation difference
    /// and J_style quadratic in the Gram difference, itself quadratic in the activations; the three images are
    /// independent random images, so neither difference cancels, and J carries at most about 2·2·1e-5 = 4e-5,
    /// below 1e-4. The gradient goes back through up to 13 layers more, each adding about as much as a forward
    /// layer (the transposed sums): about 2e-4 of its largest entry, below 1e-3. The forward-only J and the J
    /// of evaluate() are the same float64 sums of the same float32 values: 1e-9 allows only summation order.
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
        // The sign and size of the gradient, not only its largest entries: the cosine with the reference (errors
        // of relative size ε ≈ 2e-4 move it from 1 by about ε²/2 ≈ 2e-8; 1e-5 leaves room).
        let cosine = dot(gradient, expected) / (dot(gradient, gradient).squareRoot() * dot(expected, expected).squareRoot())
        XCTAssertGreaterThan(cosine, 0.99999)
    }

    func testSquareCaseMatchesReference() throws { try checkCase("case_32x32") }
    func testRectangularCaseMatchesReference() throws { try checkCase("case_32x48") }
}
