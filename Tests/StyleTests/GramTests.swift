import XCTest
import Engine
import TestSupport
@testable import Style

final class GramTests: XCTestCase {
    /// The normalized Gram matrix (one triangle by ssyrk, mirrored) against the sum Σ_ij a_ijk a_ijk' / N.
    func testGramMatrixMatchesTheSumOverPositions() {
        let (c, h, w) = (7, 5, 6)
        let features = randomTensor(c, h, w, seed: 9, range: -2...3)
        let gram = Gram.matrix(features)
        let n = h * w
        for k in 0..<c {
            for l in 0..<c {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<n {
                    let product = Double(features.data[k * n + p]) * Double(features.data[l * n + p])
                    sum += product
                    magnitude += abs(product)
                }
                // A float32 sum of n products (ssyrk, any blocking), scaled by 1/n: γ(n + 2) of Σ|a_k a_l| / n.
                XCTAssertEqual(Double(gram[k * c + l]), sum / Double(n),
                               accuracy: Float32Rounding.gamma(n + 2) * magnitude / Double(n), "entry \(k),\(l)")
            }
        }
    }

    /// Σ (g - t)² / (4 nC²) with g = A Aᵀ / N, in float64 from the definition.
    func exactStyleCost(_ a: [Float], channels c: Int, positions n: Int, target: [Float]) -> Double {
        var sum = 0.0
        for k in 0..<c {
            for l in 0..<c {
                var g = 0.0
                for p in 0..<n { g += Double(a[k * n + p]) * Double(a[l * n + p]) }
                sum += pow(g / Double(n) - Double(target[k * c + l]), 2)
            }
        }
        return sum / (4 * Double(c * c))
    }

    /// One layer's style cost and its gradient (times the layer's weight) against central differences of
    /// the float64 cost. Truncation: J is quartic in each activation, so central differences err by h²/6 times
    /// the third derivative, about h² / (N |g - t|) ≈ 1e-5 of the gradient for h = 0.01, N = 30. Rounding:
    /// x ± h in float32 moves the step by ε|x|, about 2e-5 of h for |x| ≤ 3, and the analytic gradient is a
    /// float32 product of nC = 6 terms after ssyrk's sums of N: a few ε of Σ|d||a|. 1e-3 covers the sum.
    func testStyleLossAgainstFiniteDifferences() {
        let (c, h, w) = (6, 5, 6)
        let features = randomTensor(c, h, w, seed: 21, range: -1...3)
        let target = Gram.matrix(randomTensor(c, h, w, seed: 22, range: 0...2))
        let weight: Float = 0.7
        let (value, gradient) = Gram.loss(features: features, target: target, gradientScale: weight)
        let exact = exactStyleCost(features.data, channels: c, positions: h * w, target: target)
        // The value: the Gram's float32 rounding, γ(N + 2) of Σ|a||a| / N per entry, doubled by the square.
        XCTAssertEqual(value, exact, accuracy: 1e-5 * exact)
        XCTAssertEqual(Gram.cost(features: features, target: target), value)
        checkFiniteDifferences(features, analytic: gradient.data, coordinates: Array(stride(from: 0, to: features.count, by: 7)),
                               step: 0.01, tolerance: 1e-3) {
            Double(weight) * self.exactStyleCost($0.data, channels: c, positions: h * w, target: target)
        }
    }
}
