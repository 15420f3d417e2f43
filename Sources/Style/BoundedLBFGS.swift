/// L-BFGS kept inside box bounds by projection, with an active set and a backtracking line search.
/// Departure from Gatys et al. (README, "The method"): the paper uses unconstrained L-BFGS.
///
/// Each step: pixels at a bound whose gradient pushes outward are held (the active set); the L-BFGS
/// two-loop recursion gives a direction on the others; the trial point is projected onto the box and
/// accepted under an Armijo condition measured along the projected step, else the step is halved.
/// This is the projected-gradient idea of L-BFGS-B without its Cauchy-point machinery: cheap, and
/// (measured on this problem) as good as clamping after every step or better.
public struct BoundedLBFGS: Sendable {
    public var memory: Int = 20
    /// Where the `memory` pairs are kept: in memory, or paged to a file (`HistoryStorage`; the same bits).
    public var historyStorage: HistoryStorage = .memory
    public var bounds: Bounds = .pixels
    /// Stop when J improved by less than this fraction over `patience` consecutive steps.
    public var relativeTolerance: Double = 0
    public var patience: Int = BoundedLBFGS.defaultPatience
    public static let defaultPatience = 5
    /// The first step (before any curvature is known) moves the largest pixel by this much.
    public var firstStepSize: Float = 16

    public init(memory: Int = 20, relativeTolerance: Double = 0, historyStorage: HistoryStorage = .memory) {
        self.memory = memory
        self.relativeTolerance = relativeTolerance
        self.historyStorage = historyStorage
    }

    /// `resume` continues from a state that `checkpoint` was given (`start` is then not used). After every
    /// accepted step, `checkpointDue(evaluations)` is asked whether a state is wanted, and if so `checkpoint`
    /// gets it (`OptimizerState`). A paged history's pairs are given as where they lie in its file
    /// (`StoredVector`), valid during the call: `checkpoint` writes them from there, one at a time.
    /// `start` is consumed: its storage becomes x when the caller lets go of it (one image-sized vector less).
    public func minimize(from start: consuming [Float], maxEvaluations: Int, cost: CostFunction,
                         progress: ProgressHandler = { _, _ in }, resume: LBFGSState? = nil,
                         checkpointDue: (Int) -> Bool = { _ in true },
                         checkpoint: (LBFGSState) throws -> Void = { _ in }) throws -> OptimizationResult {
        var x: [Float], f: Double, g: [Float], evaluations: Int
        var slowSteps = 0
        let n = resume?.point.count ?? start.count
        let history = try CurvatureHistory(length: n, capacity: memory, storage: historyStorage)
        if let resume {
            (x, f, g, evaluations, slowSteps) = (resume.point, resume.value, resume.gradient, resume.evaluations, resume.slowSteps)
            try history.restore(resume.history)
        } else {
            x = start
            x.withUnsafeMutableBufferPointer { p in VectorMath.fill(p) { i in bounds.clamp(p[i]) } }
            (f, g) = try cost(x)
            evaluations = 1
            progress(evaluations, f)
        }
        while evaluations < maxEvaluations {
            // 1 where the pixel may move, 0 where it sits at a bound and the gradient pushes it outward.
            var free = [UInt8](repeating: 0, count: n)
            VectorMath.fill(&free) { i in
                (x[i] <= bounds.lower && g[i] > 0) || (x[i] >= bounds.upper && g[i] < 0) ? 0 : 1
            }
            var direction = try searchDirection(gradient: g, free: free, history: history)
            var slope = VectorMath.dot(g, direction)
            if slope >= 0 || history.count == 0 {
                history.removeAll()
                VectorMath.fill(&direction) { i in free[i] != 0 ? -g[i] : 0 }
                slope = VectorMath.dot(g, direction)
            }
            guard slope < 0 else { return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .zeroProjectedGradient) }
            var step: Float = 1
            if history.count == 0 {
                let largest = direction.reduce(Float(0)) { max($0, abs($1)) }
                step = firstStepSize / max(largest, 1e-20)
            }
            var accepted = false
            var trial = x, trialValue = f, trialGradient = g
            while evaluations < maxEvaluations {
                VectorMath.fill(&trial) { i in bounds.clamp(x[i] + step * direction[i]) }
                // A rejected trial's gradient is let go before the next is made (one image-sized vector less).
                trialGradient = []
                (trialValue, trialGradient) = try cost(trial)
                evaluations += 1
                progress(evaluations, trialValue)
                let moved = VectorMath.sum(n) { i in Double(g[i]) * Double(trial[i] - x[i]) }
                if trialValue <= f + 1e-4 * moved && trialValue.isFinite {
                    accepted = true
                    break
                }
                step *= 0.5
                if step < 1e-12 { break }
            }
            guard accepted else {
                return OptimizationResult(solution: x, value: f, evaluations: evaluations,
                                          reason: evaluations >= maxEvaluations ? .evaluationBudget : .lineSearchFailed)
            }
            free = []
            try history.consider({ s, y in
                VectorMath.fill(s) { i in trial[i] - x[i] }
                VectorMath.fill(y) { i in trialGradient[i] - g[i] }
            }, keep: { sy, yy in sy > 1e-10 * yy })
            let improvement = (f - trialValue) / max(abs(f), 1e-30)
            (x, f, g) = (trial, trialValue, trialGradient)
            if relativeTolerance > 0 {
                slowSteps = improvement < relativeTolerance ? slowSteps + 1 : 0
                if slowSteps >= patience {
                    return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .relativeImprovement)
                }
            }
            if checkpointDue(evaluations) {
                try checkpoint(LBFGSState(point: x, value: f, gradient: g, history: history.pairs(),
                                          slowSteps: slowSteps, evaluations: evaluations))
            }
        }
        return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .evaluationBudget)
    }

    /// -H g on the free variables by the two-loop recursion (Nocedal and Wright, algorithm 7.4).
    /// `free` is 1 on the free variables and 0 on the held ones; q stays 0 on the held ones, so the dot
    /// products over all entries are the dot products over the free ones.
    func searchDirection(gradient g: [Float], free: [UInt8], history: CurvatureHistory) throws -> [Float] {
        let n = g.count
        var q = [Double](repeating: 0, count: n)
        VectorMath.maskedAdd(1, g, mask: free, to: &q)
        var alphas = [Double](repeating: 0, count: history.count)
        for k in stride(from: history.count - 1, through: 0, by: -1) {
            let a = history.rhos[k] * (try history.withS(k) { VectorMath.dot($0, q) })
            alphas[k] = a
            try history.withY(k) { VectorMath.maskedAdd(-a, $0, mask: free, to: &q) }
        }
        let gamma = history.count > 0 ? 1 / (history.rhos[history.count - 1] * history.newestYY) : 1
        for k in 0..<history.count {
            let rho = history.rhos[k]
            // q is kept unscaled: with q' = gamma q, q' += (alpha - rho y.q') s is q += (alpha/gamma - rho y.q) s.
            let b = alphas[k] / gamma - rho * (try history.withY(k) { VectorMath.dot($0, q) })
            try history.withS(k) { VectorMath.maskedAdd(b, $0, mask: free, to: &q) }
        }
        var direction = [Float](repeating: 0, count: n)
        VectorMath.fill(&direction) { i in Float(-gamma * q[i]) }
        return direction
    }
}
