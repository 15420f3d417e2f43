import XCTest
import Engine
import TestSupport
@testable import Style

final class GuidedGramTests: XCTestCase {
    /// A guide with zeros, fractions and ones: a region with a soft border.
    func guide(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in
            let u = Float.random(in: 0...1, using: &rng)
            return u < 0.3 ? 0 : (u > 0.7 ? 1 : u)
        }
    }

    /// Σ_p t_p² a_kp a_lp / Σ_p t_p², in float64 from the definition.
    func exactGram(_ a: [Float], channels c: Int, guide t: [Float]) -> [Double] {
        let n = t.count
        let total = t.reduce(0.0) { $0 + Double($1) * Double($1) }
        var g = [Double](repeating: 0, count: c * c)
        for k in 0..<c {
            for l in 0..<c {
                var sum = 0.0
                for p in 0..<n { sum += Double(t[p]) * Double(t[p]) * Double(a[k * n + p]) * Double(a[l * n + p]) }
                g[k * c + l] = sum / total
            }
        }
        return g
    }

    func exactCost(_ a: [Float], channels c: Int, guide t: [Float], target: [Float]) -> Double {
        zip(exactGram(a, channels: c, guide: t), target).reduce(0) { $0 + pow($1.0 - Double($1.1), 2) } / (4 * Double(c * c))
    }

    /// The guided Gram against the sum over positions. Each entry is a float32 sum of N products t²a_k a_l
    /// (ssyrk on the features scaled by t, each scaling one rounding), scaled by 1/Σt²: γ(N + 4) of
    /// Σ|t² a_k a_l| / Σt², as `Gram.matrix`'s bound with two more roundings.
    func testGuidedGramMatchesTheWeightedSumOverPositions() {
        let (c, h, w) = (7, 5, 6)
        let features = randomTensor(c, h, w, seed: 31, range: -2...3)
        let t = guide(h * w, seed: 32)
        let gram = GuidedGram.matrix(features, guide: t)
        let exact = exactGram(features.data, channels: c, guide: t)
        let total = t.reduce(0.0) { $0 + Double($1) * Double($1) }
        let n = h * w
        for k in 0..<c {
            for l in 0..<c {
                let magnitude = (0..<n).reduce(0.0) { $0 + Double(t[$1] * t[$1]) * abs(Double(features.data[k * n + $1]) * Double(features.data[l * n + $1])) }
                XCTAssertEqual(Double(gram[k * c + l]), exact[k * c + l],
                               accuracy: Float32Rounding.gamma(n + 4) * magnitude / total, "entry \(k),\(l)")
            }
        }
    }

    /// With t = 1 everywhere the guided Gram is the plain one, to the last bit: the same ssyrk on the same
    /// numbers (features times 1) with the same scale 1/N.
    func testGuideOfOnesGivesThePlainGram() {
        let features = randomTensor(6, 4, 5, seed: 33, range: -1...2)
        XCTAssertEqual(GuidedGram.matrix(features, guide: [Float](repeating: 1, count: 20)), Gram.matrix(features))
    }

    /// The guided cost and its gradient (times a weight) against central differences of the float64 cost, as
    /// `GramTests.testStyleLossAgainstFiniteDifferences`: J_r is quartic in each activation, the truncation
    /// h²/6 times the third derivative is about h² t² / (Σt² |g - s|), 1e-5 of the gradient for h = 0.01 and
    /// Σt² ≈ 12; rounding of x ± h in float32 (2e-5 of h) and of the float32 gradient (a few ε of Σ|d||a|t²)
    /// stay below 1e-4. 1e-3 covers the sum; a wrong factor (t instead of t², N instead of Σt²) is off by O(1).
    /// The gradient is exactly 0 where t = 0: the term does not move what the region does not see.
    func testGuidedLossAgainstFiniteDifferences() {
        let (c, h, w) = (6, 5, 6)
        let features = randomTensor(c, h, w, seed: 34, range: -1...3)
        let t = guide(h * w, seed: 35)
        let target = Gram.matrix(randomTensor(c, h, w, seed: 36, range: 0...2))
        let weight: Float = 0.7
        let (value, gradient) = GuidedGram.loss(features: features, guide: t, target: target, gradientScale: weight)
        let exact = exactCost(features.data, channels: c, guide: t, target: target)
        XCTAssertEqual(value, exact, accuracy: 1e-5 * exact)
        XCTAssertEqual(GuidedGram.cost(features: features, guide: t, target: target), value)
        let n = h * w
        let outside = (0..<features.count).filter { t[$0 % n] == 0 }
        XCTAssertFalse(outside.isEmpty)
        XCTAssertTrue(outside.allSatisfy { gradient.data[$0] == 0 })
        let inside = (0..<features.count).filter { t[$0 % n] != 0 }
        checkFiniteDifferences(features, analytic: gradient.data, coordinates: Array(inside.enumerated().filter { $0.offset % 5 == 0 }.map(\.element)),
                               step: 0.01, tolerance: 1e-3) {
            Double(weight) * self.exactCost($0.data, channels: c, guide: t, target: target)
        }
    }
}
