/// What an optimizer carries from one step to the next: everything its next steps depend on, so that a run
/// resumed from a saved state (`Checkpoint`) makes exactly the evaluations, and ends with exactly the bits,
/// of the run that was not interrupted (J and its gradient are deterministic for a fixed thread count and
/// OpenBLAS kernel; `ChunkLayout` cuts work by count, never by timing).
///
/// States are taken between steps only, after an accepted step (L-BFGS) or an update (Adam): a backtracking
/// line search under way is not saved, it starts again from the last accepted point, which is what the
/// uninterrupted run did at that point too. No random numbers are drawn while optimizing (`--init noise` is
/// drawn once, from `--seed`, before the first stage), so there is no generator state to save.
public enum OptimizerState: Sendable, Equatable {
    case lbfgs(LBFGSState)
    case adam(AdamState)

    /// Evaluations of J made in the stage so far.
    public var evaluations: Int {
        switch self {
        case .lbfgs(let state): state.evaluations
        case .adam(let state): state.step
        }
    }
}

/// `BoundedLBFGS` between two steps: the accepted point, J and the gradient there, the curvature pairs,
/// the count of slow steps toward `patience`, and the evaluations made.
public struct LBFGSState: Sendable, Equatable {
    /// Where it lies (the optimizer's vector, a checkpoint file's tensor) or in memory (`StoredVector`).
    public var point: StoredVector
    public var value: Double
    public var gradient: StoredVector
    /// Oldest first, at most `memory` pairs: s = x_{k+1} - x_k, y = g_{k+1} - g_k, rho = 1 / (s . y).
    public var history: [LBFGSPair]
    public var slowSteps: Int
    public var evaluations: Int

    public init(point: [Float], value: Double, gradient: [Float], history: [LBFGSPair], slowSteps: Int, evaluations: Int) {
        self.init(point: StoredVector(point), value: value, gradient: StoredVector(gradient), history: history,
                  slowSteps: slowSteps, evaluations: evaluations)
    }

    public init(point: StoredVector, value: Double, gradient: StoredVector, history: [LBFGSPair], slowSteps: Int, evaluations: Int) {
        self.point = point
        self.value = value
        self.gradient = gradient
        self.history = history
        self.slowSteps = slowSteps
        self.evaluations = evaluations
    }
}

/// One curvature pair, its vectors in memory or where they are kept (`StoredVector`).
public struct LBFGSPair: Sendable, Equatable {
    public var s: StoredVector
    public var y: StoredVector
    public var rho: Double

    public init(s: StoredVector, y: StoredVector, rho: Double) {
        self.s = s
        self.y = y
        self.rho = rho
    }

    public init(s: [Float], y: [Float], rho: Double) {
        self.init(s: StoredVector(s), y: StoredVector(y), rho: rho)
    }
}

/// `Adam` after `step` updates: the point, the two moment estimates, and the best point seen with its J.
public struct AdamState: Sendable, Equatable {
    /// Evaluations (and so updates) made; the next evaluation is number step + 1.
    public var step: Int
    public var point: [Float]
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    public var best: [Float]
    public var bestValue: Double

    public init(step: Int, point: [Float], firstMoment: [Float], secondMoment: [Float], best: [Float], bestValue: Double) {
        self.step = step
        self.point = point
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.best = best
        self.bestValue = bestValue
    }
}
