import XCTest
import Foundation
@testable import Style

/// The L-BFGS history paged to a file (`HistoryStorage.file`) gives exactly the bits of the history in memory:
/// the same `VectorMath` runs over the same values, only where they are kept differs. No tolerance.
final class CurvatureHistoryTests: XCTestCase {
    /// A separable, badly scaled function of n values on 0...255 (minimum 100 + 50 sin i inside the box, a
    /// start pressing on both bounds), long enough (n = 100,003: four chunks of VectorMath, and a vector that is
    /// not a whole number of pages) that the parallel sums and the file's page rounding are exercised.
    func cost(_ n: Int) -> CostFunction {
        { x in
            var value = 0.0
            var g = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let scale = 1 + Double(i % 7)
                let d = Double(x[i]) - (100 + 50 * sin(Double(i)))
                let quartic = d * d / 1e4
                value += scale * d * d + quartic * quartic
                g[i] = Float(2 * scale * d + 4 * quartic * d / 1e4 * 1)
            }
            return (value, g)
        }
    }

    func testPagedHistoryEndsWithTheSameBitsAsInMemory() throws {
        let n = 100_003
        let start = (0..<n).map { Float(($0 * 97) % 256) }
        for memory in [3, 8] {
            var runs: [OptimizationResult] = []
            var evaluations: [[Double]] = []
            for storage in [HistoryStorage.memory, .file(directory: NSTemporaryDirectory())] {
                var values: [Double] = []
                runs.append(try BoundedLBFGS(memory: memory, historyStorage: storage)
                    .minimize(from: start, maxEvaluations: 30, cost: cost(n), progress: { _, v in values.append(v) }))
                evaluations.append(values)
            }
            XCTAssertEqual(runs[0].evaluations, 30, "memory \(memory): the budget is used (more steps than pairs)")
            XCTAssertEqual(evaluations[1].map(\.bitPattern), evaluations[0].map(\.bitPattern), "memory \(memory): every J")
            XCTAssertEqual(runs[1].solution.map(\.bitPattern), runs[0].solution.map(\.bitPattern), "memory \(memory)")
            XCTAssertLessThan(runs[0].value, evaluations[0][0] * 1e-2, "it converges")
        }
    }

    /// The step's own vectors paged too (`BoundedLBFGS.vectorStorage`), walked in blocks of 4099 values (inside
    /// VectorMath's chunks, not on page boundaries) whose pages are given back after each: the same J at every
    /// evaluation, the same solution, and the same checkpointed states, bit for bit, as all in memory.
    func testPagedVectorsEndWithTheSameBitsAsInMemory() throws {
        let n = 100_003
        let start = (0..<n).map { Float(($0 * 97) % 256) }
        let file = HistoryStorage.file(directory: NSTemporaryDirectory())
        var runs: [OptimizationResult] = []
        var evaluations: [[Double]] = []
        var states: [[[UInt32]]] = []
        for storage in [HistoryStorage.memory, file] {
            var optimizer = BoundedLBFGS(memory: 5, historyStorage: storage, vectorStorage: storage)
            optimizer.pagingBlock = 4099
            var values: [Double] = [], saved: [[UInt32]] = []
            runs.append(try optimizer.minimize(from: start, maxEvaluations: 25, cost: cost(n), progress: { _, v in values.append(v) },
                                               checkpoint: { state in
                                                   saved.append(try state.point.values().map(\.bitPattern) + state.gradient.values().map(\.bitPattern)
                                                                + state.history.last!.y.values().map(\.bitPattern))
                                               }))
            evaluations.append(values)
            states.append(saved)
        }
        XCTAssertEqual(runs[0].evaluations, 25)
        XCTAssertEqual(evaluations[1].map(\.bitPattern), evaluations[0].map(\.bitPattern), "every J")
        XCTAssertEqual(runs[1].solution.map(\.bitPattern), runs[0].solution.map(\.bitPattern))
        XCTAssertGreaterThan(states[0].count, 5)
        XCTAssertEqual(states[1], states[0], "the states given to checkpoint")
        XCTAssertLessThan(runs[0].value, evaluations[0][0] * 1e-2, "it converges")
    }

    /// A paged run resumed from a state saved mid-way (its vectors copied out during the call, as a checkpoint
    /// file is written) ends with the bits of the run that was not interrupted.
    func testPagedVectorsResumeToTheSameBits() throws {
        let n = 50_001
        let start = (0..<n).map { Float(($0 * 31) % 256) }
        let file = HistoryStorage.file(directory: NSTemporaryDirectory())
        var optimizer = BoundedLBFGS(memory: 4, historyStorage: file, vectorStorage: file)
        optimizer.pagingBlock = 1000
        var saved: LBFGSState?
        let whole = try optimizer.minimize(from: start, maxEvaluations: 20, cost: cost(n), checkpoint: { state in
            guard saved == nil, state.evaluations >= 8 else { return }
            saved = LBFGSState(point: try state.point.values(), value: state.value, gradient: try state.gradient.values(),
                               history: try state.history.map { LBFGSPair(s: try $0.s.values(), y: try $0.y.values(), rho: $0.rho) },
                               slowSteps: state.slowSteps, evaluations: state.evaluations)
        })
        let state = try XCTUnwrap(saved)
        XCTAssertEqual(state.history.count, 4)
        let resumed = try optimizer.minimize(from: [], maxEvaluations: 20, cost: cost(n), resume: state)
        XCTAssertEqual(resumed.evaluations, whole.evaluations)
        XCTAssertEqual(resumed.value.bitPattern, whole.value.bitPattern)
        XCTAssertEqual(resumed.solution.map(\.bitPattern), whole.solution.map(\.bitPattern))
    }

    /// The file's pairs: a candidate that is not kept leaves the pairs alone; beyond capacity the oldest goes.
    func testFileKeepsTheNewestPairs() throws {
        let history = try CurvatureHistory(length: 5, capacity: 2, storage: .file(directory: NSTemporaryDirectory()))
        func offer(_ k: Float, keep: Bool) throws {
            try history.consider({ s, y in
                for i in 0..<5 { (s[i], y[i]) = (k, 2 * k) }
            }, keep: { _, _ in keep })
        }
        try offer(1, keep: true)
        try offer(2, keep: true)
        try offer(9, keep: false)
        XCTAssertEqual(try history.pairs().map { try $0.s.values()[0] }, [1, 2])
        try offer(3, keep: true)
        let pairs = history.pairs()
        XCTAssertEqual(try pairs.map { try $0.s.values() }, [[Float](repeating: 2, count: 5), [Float](repeating: 3, count: 5)])
        XCTAssertEqual(try pairs.map { try $0.y.values()[4] }, [4, 6])
        XCTAssertEqual(pairs.map(\.rho), [1 / 40, 1 / 90], "rho = 1 / s.y")
        XCTAssertEqual(history.newestYY, 180)
    }

    func testAFolderThatCannotHoldTheFileIsAnError() {
        XCTAssertThrowsError(try CurvatureHistory(length: 10, capacity: 2, storage: .file(directory: "/nonexistent-folder"))) { error in
            XCTAssertEqual("\(error)", "L-BFGS history file: cannot make a file in /nonexistent-folder: No such file or directory")
        }
    }
}
