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
                var sum = 0.0
                for p in 0..<n { sum += Double(features.data[k * n + p]) * Double(features.data[l * n + p]) }
                XCTAssertEqual(Double(gram[k * c + l]), sum / Double(n), accuracy: 1e-5, "entry \(k),\(l)")
            }
        }
    }
}
