import XCTest
import Engine
import TestSupport
@testable import Style

final class ContentTermTests: XCTestCase {
    let features = randomTensor(3, 4, 5, seed: 11, range: -2...3)
    let target = randomTensor(3, 4, 5, seed: 12, range: -2...3)

    /// ½ Σ (a - c)² in float64. The float32 differences carry ε = 2⁻²⁴ each, so the value is within about
    /// 2ε of it relative (the squares are summed in float64); 1e-6 leaves room.
    func testValueIsHalfTheSumOfSquaredDifferences() {
        let exact = zip(features.data, target.data).reduce(0.0) { $0 + 0.5 * pow(Double($1.0) - Double($1.1), 2) }
        XCTAssertEqual(ContentTerm.cost(features: features, target: target), exact, accuracy: 1e-6 * exact)
        XCTAssertEqual(ContentTerm.loss(features: features, target: target).value, exact, accuracy: 1e-6 * exact)
    }

    /// The gradient (times alpha) against central differences of the float64 value. J is quadratic, so
    /// central differences have no truncation error; what is left is the float32 rounding of x ± h (about
    /// ε|x|/h ≈ 2e-7 relative for |x| ≤ 3, h = 0.5) and of the analytic difference (ε): 1e-5 leaves room.
    func testGradientAgainstFiniteDifferences() {
        let alpha: Float = 3
        let (_, gradient) = ContentTerm.loss(features: features, target: target, gradientScale: alpha)
        checkFiniteDifferences(features, analytic: gradient.data, coordinates: Array(0..<features.count), step: 0.5, tolerance: 1e-5) {
            Double(alpha) * zip($0.data, self.target.data).reduce(0.0) { $0 + 0.5 * pow(Double($1.0) - Double($1.1), 2) }
        }
    }
}
