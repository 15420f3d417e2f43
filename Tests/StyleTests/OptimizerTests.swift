import XCTest
import Engine
import TestSupport
@testable import Style

/// The optimizers on problems with known minima, including ones outside the pixel box.
final class OptimizerTests: XCTestCase {
    /// f(x) = Σ a_i (x_i - c_i)², with some c_i outside 0...255: the box minimum is c clamped.
    func boxedQuadratic(_ n: Int = 200) -> (cost: CostFunction, expected: [Float], start: [Float]) {
        var rng = SplitMix64(seed: 3)
        let a = (0..<n).map { _ in Float.random(in: 0.1...10, using: &rng) }
        let c = (0..<n).map { _ in Float.random(in: -100...355, using: &rng) }
        let cost: CostFunction = { x in
            var value = 0.0
            var g = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let d = x[i] - c[i]
                value += Double(a[i] * d * d)
                g[i] = 2 * a[i] * d
            }
            return (value, g)
        }
        return (cost, c.map { min(max($0, 0), 255) }, [Float](repeating: 128, count: n))
    }

    func testBoundedLBFGSFindsTheBoxMinimum() throws {
        let (cost, expected, start) = boxedQuadratic()
        var seen: [Double] = []
        let result = try BoundedLBFGS().minimize(from: start, maxEvaluations: 200, cost: cost) { _, value in seen.append(value) }
        XCTAssertEqual(result.evaluations, seen.count)
        XCTAssertLessThan(maxRelativeError(result.solution, expected), 1e-3)
        XCTAssertTrue(result.solution.allSatisfy { $0 >= 0 && $0 <= 255 }, "never outside the box")
    }

    /// Enough variables for the vector work to be split in two (chunks of at least 32768).
    func testBoundedLBFGSFindsTheBoxMinimumOfALargeProblem() throws {
        let (cost, expected, start) = boxedQuadratic(40_000)
        let result = try BoundedLBFGS().minimize(from: start, maxEvaluations: 200, cost: cost)
        XCTAssertLessThan(maxRelativeError(result.solution, expected), 1e-3)
        XCTAssertTrue(result.solution.allSatisfy { $0 >= 0 && $0 <= 255 }, "never outside the box")
    }

    func testAdamStaysInTheBoxAndApproachesTheMinimum() throws {
        let (cost, expected, start) = boxedQuadratic()
        let result = try Adam(learningRate: 2).minimize(from: start, maxEvaluations: 400, cost: cost)
        XCTAssertTrue(result.solution.allSatisfy { $0 >= 0 && $0 <= 255 })
        XCTAssertLessThan(maxRelativeError(result.solution, expected), 2e-2)
        XCTAssertEqual(result.evaluations, 400)
    }

    /// Rosenbrock's valley (scaled into the box): L-BFGS must follow curvature, not just the gradient.
    func testBoundedLBFGSOnRosenbrock() throws {
        let cost: CostFunction = { p in
            let (x, y) = (Double(p[0]) / 50 - 2, Double(p[1]) / 50 - 2)   // (150, 150) is the minimum (1, 1)
            let value = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
            let gx = -2 * (1 - x) - 400 * x * (y - x * x), gy = 200 * (y - x * x)
            return (value, [Float(gx / 50), Float(gy / 50)])
        }
        let result = try BoundedLBFGS().minimize(from: [60, 200], maxEvaluations: 500, cost: cost)
        XCTAssertEqual(result.solution[0], 150, accuracy: 1)
        XCTAssertEqual(result.solution[1], 150, accuracy: 1)
    }

    func testRelativeToleranceStopsEarly() throws {
        let (cost, _, start) = boxedQuadratic()
        let result = try BoundedLBFGS(relativeTolerance: 1e-3).minimize(from: start, maxEvaluations: 1000, cost: cost)
        XCTAssertLessThan(result.evaluations, 1000)
        XCTAssertEqual(result.reason, .relativeImprovement)
    }
}
