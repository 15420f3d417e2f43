import XCTest
import Engine
@testable import Style

final class GramTests: XCTestCase {
    /// The normalized Gram matrix (one triangle by ssyrk, mirrored) against the sum Σ_ij a_ijk a_ijk' / N.
    func testGramMatrixMatchesTheSumOverPositions() {
        let (c, h, w) = (7, 5, 6)
        var rng = SplitMix64(seed: 9)
        let features = Tensor(channels: c, height: h, width: w, data: (0..<(c * h * w)).map { _ in Float.random(in: -2...3, using: &rng) })
        let gram = Gram.matrix(features)
        let n = h * w
        for k in 0..<c {
            for l in 0..<c {
                var sum = 0.0
                for p in 0..<n { sum += Double(features.data[k * n + p]) * Double(features.data[l * n + p]) }
                XCTAssertEqual(Double(gram[k * c + l]), sum / Double(n), accuracy: 1e-5, "entry \(k),\(l)")
            }
        }
    }
}
