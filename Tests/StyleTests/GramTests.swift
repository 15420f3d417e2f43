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
}
