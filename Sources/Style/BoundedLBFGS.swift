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
    public var bounds: Bounds = .pixels
    /// Stop when J improved by less than this fraction over `patience` consecutive steps.
    public var relativeTolerance: Double = 0
    public var patience: Int = BoundedLBFGS.defaultPatience
    public static let defaultPatience = 5
    /// The first step (before any curvature is known) moves the largest pixel by this much.
    public var firstStepSize: Float = 16

    public init(memory: Int = 20, relativeTolerance: Double = 0) {
        self.memory = memory
        self.relativeTolerance = relativeTolerance
    }

    /// `resume` continues from a state that `checkpoint` was given (`start` is then not used); `checkpoint`
    /// gets the state after every accepted step (`OptimizerState`).
    public func minimize(from start: [Float], maxEvaluations: Int, cost: CostFunction,
                         progress: ProgressHandler = { _, _ in }, resume: LBFGSState? = nil,
                         checkpoint: (LBFGSState) throws -> Void = { _ in }) throws -> OptimizationResult {
        var x: [Float], f: Double, g: [Float], evaluations: Int
        var history: [(s: [Float], y: [Float], rho: Double)] = []
        var slowSteps = 0
        if let resume {
            (x, f, g, evaluations, slowSteps) = (resume.point, resume.value, resume.gradient, resume.evaluations, resume.slowSteps)
            history = resume.history.map { ($0.s, $0.y, $0.rho) }
        } else {
            x = bounds.clamp(start)
            (f, g) = try cost(x)
            evaluations = 1
            progress(evaluations, f)
        }
        let n = x.count
        while evaluations < maxEvaluations {
            // 1 where the pixel may move, 0 where it sits at a bound and the gradient pushes it outward.
            var free = [Float](repeating: 0, count: n)
            VectorMath.fill(&free) { i in
                (x[i] <= bounds.lower && g[i] > 0) || (x[i] >= bounds.upper && g[i] < 0) ? 0 : 1
            }
            var direction = searchDirection(gradient: g, free: free, history: history)
            var slope = VectorMath.dot(g, direction)
            if slope >= 0 || history.isEmpty {
                history.removeAll()
                VectorMath.fill(&direction) { i in -g[i] * free[i] }
                slope = VectorMath.dot(g, direction)
            }
            guard slope < 0 else { return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .zeroProjectedGradient) }
            var step: Float = 1
            if history.isEmpty {
                let largest = direction.reduce(Float(0)) { max($0, abs($1)) }
                step = firstStepSize / max(largest, 1e-20)
            }
            var accepted = false
            var trial = x, trialValue = f, trialGradient = g
            while evaluations < maxEvaluations {
                VectorMath.fill(&trial) { i in bounds.clamp(x[i] + step * direction[i]) }
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
            var s = [Float](repeating: 0, count: n), y = s
            VectorMath.fill(&s) { i in trial[i] - x[i] }
            VectorMath.fill(&y) { i in trialGradient[i] - g[i] }
            let sy = VectorMath.dot(s, y)
            if sy > 1e-10 * VectorMath.dot(y, y) {
                history.append((s, y, 1 / sy))
                if history.count > memory { history.removeFirst() }
            }
            let improvement = (f - trialValue) / max(abs(f), 1e-30)
            (x, f, g) = (trial, trialValue, trialGradient)
            if relativeTolerance > 0 {
                slowSteps = improvement < relativeTolerance ? slowSteps + 1 : 0
                if slowSteps >= patience {
                    return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .relativeImprovement)
                }
            }
            try checkpoint(LBFGSState(point: x, value: f, gradient: g, history: history.map { LBFGSPair(s: $0.s, y: $0.y, rho: $0.rho) },
                                      slowSteps: slowSteps, evaluations: evaluations))
        }
        return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: .evaluationBudget)
    }

    /// -H g on the free variables by the two-loop recursion (Nocedal and Wright, algorithm 7.4).
    /// `free` is 1 on the free variables and 0 on the held ones; q stays 0 on the held ones, so the dot
    /// products over all entries are the dot products over the free ones.
    func searchDirection(gradient g: [Float], free: [Float], history: [(s: [Float], y: [Float], rho: Double)]) -> [Float] {
        let n = g.count
        var q = [Double](repeating: 0, count: n)
        VectorMath.maskedAdd(1, g, mask: free, to: &q)
        var alphas = [Double](repeating: 0, count: history.count)
        for k in stride(from: history.count - 1, through: 0, by: -1) {
            let (s, y, rho) = history[k]
            let a = rho * VectorMath.dot(s, q)
            alphas[k] = a
            VectorMath.maskedAdd(-a, y, mask: free, to: &q)
        }
        let gamma = history.last.map { 1 / ($0.rho * VectorMath.dot($0.y, $0.y)) } ?? 1
        for k in 0..<history.count {
            let (s, y, rho) = history[k]
            // q is kept unscaled: with q' = gamma q, q' += (alpha - rho y.q') s is q += (alpha/gamma - rho y.q) s.
            VectorMath.maskedAdd(alphas[k] / gamma - rho * VectorMath.dot(y, q), s, mask: free, to: &q)
        }
        var direction = [Float](repeating: 0, count: n)
        VectorMath.fill(&direction) { i in Float(-gamma * q[i]) }
        return direction
    }
}
