import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// Optimizers and the Stylizer resumed from a saved state end with exactly the bits of the run that was not
/// interrupted: no tolerance, as the same operations run on the same values (`OptimizerState`).
final class ResumeTests: XCTestCase {
    /// A chained Rosenbrock function of x/100 on 0...255 (its minimum at x = 100, inside the box; the start
    /// presses on the bounds), so L-BFGS takes many steps, backtracks, and holds pixels at a bound.
    func rosenbrock(_ n: Int = 60) -> CostFunction {
        { x in
            var value = 0.0
            var g = [Float](repeating: 0, count: n)
            for i in 0..<(n - 1) {
                let (u, v) = (Double(x[i]) / 100, Double(x[i + 1]) / 100)
                let (a, b) = (1 - u, v - u * u)
                value += a * a + 100 * b * b
                g[i] += Float((-2 * a - 400 * b * u) / 100)
                g[i + 1] += Float(200 * b / 100)
            }
            return (value, g)
        }
    }

    func start(_ n: Int = 60) -> [Float] { (0..<n).map { Float(($0 * 97) % 256) } }

    func testBoundedLBFGSResumedFromAnyStepEndsWithTheSameBits() throws {
        for tolerance in [0, 1e-3] {
            let optimizer = BoundedLBFGS(relativeTolerance: tolerance)
            var states: [LBFGSState] = []
            var seen: [Int] = []
            let whole = try optimizer.minimize(from: start(), maxEvaluations: 120, cost: rosenbrock(), progress: { e, _ in seen.append(e) },
                                               checkpoint: { states.append($0) })
            XCTAssertGreaterThan(states.count, 10, "many steps")
            XCTAssertGreaterThan(whole.evaluations, states.count + 1, "some line searches backtracked")
            XCTAssertTrue(states.contains { $0.history.count > 1 }, "curvature pairs are saved")
            for state in [states[0], states[states.count / 2], states[states.count - 1]] {
                var resumedSeen: [Int] = []
                let resumed = try optimizer.minimize(from: [Float](repeating: 0, count: 60), maxEvaluations: 120, cost: rosenbrock(),
                                                     progress: { e, _ in resumedSeen.append(e) }, resume: state)
                XCTAssertEqual(resumed.solution.map(\.bitPattern), whole.solution.map(\.bitPattern), "tolerance \(tolerance)")
                XCTAssertEqual(resumed.value.bitPattern, whole.value.bitPattern)
                XCTAssertEqual(resumed.evaluations, whole.evaluations)
                XCTAssertEqual(resumed.reason, whole.reason)
                XCTAssertEqual(resumedSeen, Array(seen.drop { $0 <= state.evaluations }), "the evaluations after the state, numbered on")
            }
        }
    }

    func testAdamResumedFromAnyStepEndsWithTheSameBits() throws {
        let optimizer = Adam(learningRate: 3)
        var states: [AdamState] = []
        let whole = try optimizer.minimize(from: start(), maxEvaluations: 40, cost: rosenbrock(), checkpoint: { states.append($0) })
        XCTAssertEqual(states.count, 39, "one state after each update; none after the last evaluation")
        for state in [states[0], states[20], states[38]] {
            let resumed = try optimizer.minimize(from: [], maxEvaluations: 40, cost: rosenbrock(), resume: state)
            XCTAssertEqual(resumed.solution.map(\.bitPattern), whole.solution.map(\.bitPattern))
            XCTAssertEqual(resumed.value.bitPattern, whole.value.bitPattern)
            XCTAssertEqual(resumed.evaluations, whole.evaluations)
        }
    }

    /// Two stages on the real network (shallow layers, 32x24): resumed in the first stage and in the second,
    /// through a checkpoint file and back, the written image, J and the stages are those of the whole run.
    func testStylizerResumedInEitherStageEndsWithTheSameBytes() throws {
        for optimizer in OptimizerKind.allCases {
            var options = StylizeOptions.defaults
            options.contentLayer = "relu2_2"
            options.styleLayers = WeightedLayer.equal(["relu1_1", "relu2_1"])
            options.schedule = [Stage(scale: 0.7, evaluations: 6), Stage(scale: 1, evaluations: 8)]
            options.optimizer = optimizer
            let stylizer = try Stylizer(network: try Fixtures.vgg16(), options: options)
            let content = RGBImage(width: 32, height: 24, pixels: texture(width: 32, height: 24, seed: 1))
            let style = try stylizer.styleTarget(image: RGBImage(width: 40, height: 40, pixels: texture(width: 40, height: 40, seed: 9)),
                                                 longest: 32, name: "style")
            var states: [StylizerState] = []
            let whole = try stylizer.run(content: content, style: style, checkpoint: StylizerCheckpoint(resume: nil) { states.append($0) })
            let first = try XCTUnwrap(states.first { $0.stage == 0 && $0.optimizer.evaluations > 2 }, "\(optimizer)")
            let second = try XCTUnwrap(states.last { $0.stage == 1 }, "\(optimizer)")
            XCTAssertNotNil(second.previousResult)
            for state in [first, second] {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString).ckpt").path
                defer { try? FileManager.default.removeItem(atPath: path) }
                try Checkpoint(identity: [("test", "1")], inputs: ["0"], inProgress: state).write(to: path)
                let saved = try XCTUnwrap(try Checkpoint(path: path).inProgress)
                XCTAssertEqual(saved, state, "the file gives back every bit of the state")
                let resumed = try stylizer.run(content: content, style: style, checkpoint: StylizerCheckpoint(resume: saved) { _ in })
                XCTAssertEqual(resumed.image, whole.image, "\(optimizer), stage \(state.stage + 1)")
                XCTAssertEqual(resumed.cost.total.bitPattern, whole.cost.total.bitPattern)
                XCTAssertEqual(resumed.stages, whole.stages)
                XCTAssertEqual(resumed.evaluations, whole.evaluations)
                XCTAssertEqual(resumed.initialCost.bitPattern, whole.initialCost.bitPattern)
            }
        }
    }

    /// A state that does not fit the image (a damaged file) is an error naming what is wrong, not a crash.
    func testAStateThatDoesNotFitIsRefused() throws {
        let lbfgs = OptimizerState.lbfgs(LBFGSState(point: [Float](repeating: 1, count: 30), value: 1, gradient: [Float](repeating: 0, count: 30),
                                                    history: [], slowSteps: 0, evaluations: 3))
        let stages = [(width: 8, height: 6), (width: 16, height: 12)]
        XCTAssertThrowsError(try StylizerState(stage: 2, evaluations: 0, ran: [], previousResult: nil, optimizer: lbfgs).check(stages: stages)) {
            XCTAssertEqual("\($0)", "the checkpoint does not fit this image: stage 3 of 2")
        }
        XCTAssertThrowsError(try StylizerState(stage: 0, evaluations: 0, ran: [], previousResult: nil, optimizer: lbfgs).check(stages: stages)) {
            XCTAssertEqual("\($0)", "the checkpoint does not fit this image: 30 values in the optimizer's state for a 8x6 stage")
        }
        XCTAssertThrowsError(try StylizerState(stage: 1, evaluations: 0, ran: [], previousResult: nil, optimizer: lbfgs).check(stages: stages)) {
            XCTAssertEqual("\($0)", "the checkpoint does not fit this image: the previous stage's result is not 8x6")
        }
    }
}
