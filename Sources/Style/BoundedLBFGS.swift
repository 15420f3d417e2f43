/// L-BFGS kept inside box bounds by projection, with an active set and a backtracking line search.
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
    public var patience: Int = 5
    /// The first step (before any curvature is known) moves the largest pixel by this much.
    public var firstStepSize: Float = 16

    public init(memory: Int = 20, relativeTolerance: Double = 0) {
        self.memory = memory
        self.relativeTolerance = relativeTolerance
    }

    public func minimize(from start: [Float], maxEvaluations: Int, cost: CostFunction,
                         progress: ProgressHandler = { _, _ in }) throws -> OptimizationResult {
        var x = bounds.clamp(start)
        var (f, g) = try cost(x)
        var evaluations = 1
        progress(evaluations, f)
        var history: [(s: [Float], y: [Float], rho: Double)] = []
        var slowSteps = 0
        let n = x.count
        while evaluations < maxEvaluations {
            var free = [Bool](repeating: true, count: n)
            for i in 0..<n where (x[i] <= bounds.lower && g[i] > 0) || (x[i] >= bounds.upper && g[i] < 0) { free[i] = false }
            var direction = searchDirection(gradient: g, free: free, history: history)
            var slope = dotProduct(g, direction)
            if slope >= 0 || history.isEmpty {
                history.removeAll()
                direction = (0..<n).map { free[$0] ? -g[$0] : 0 }
                slope = dotProduct(g, direction)
            }
            guard slope < 0 else { return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: "converged (zero projected gradient)") }
            var step: Float = 1
            if history.isEmpty {
                let largest = direction.reduce(Float(0)) { max($0, abs($1)) }
                step = firstStepSize / max(largest, 1e-20)
            }
            var accepted = false
            var trial = x, trialValue = f, trialGradient = g
            while evaluations < maxEvaluations {
                for i in 0..<n { trial[i] = bounds.clamp(x[i] + step * direction[i]) }
                (trialValue, trialGradient) = try cost(trial)
                evaluations += 1
                progress(evaluations, trialValue)
                var moved = 0.0
                for i in 0..<n { moved += Double(g[i]) * Double(trial[i] - x[i]) }
                if trialValue <= f + 1e-4 * moved && trialValue.isFinite {
                    accepted = true
                    break
                }
                step *= 0.5
                if step < 1e-12 { break }
            }
            guard accepted else {
                return OptimizationResult(solution: x, value: f, evaluations: evaluations,
                                          reason: evaluations >= maxEvaluations ? "evaluation budget" : "line search failed")
            }
            var s = [Float](repeating: 0, count: n), y = s
            for i in 0..<n {
                s[i] = trial[i] - x[i]
                y[i] = trialGradient[i] - g[i]
            }
            let sy = dotProduct(s, y)
            if sy > 1e-10 * dotProduct(y, y) {
                history.append((s, y, 1 / sy))
                if history.count > memory { history.removeFirst() }
            }
            let improvement = (f - trialValue) / max(abs(f), 1e-30)
            (x, f, g) = (trial, trialValue, trialGradient)
            if relativeTolerance > 0 {
                slowSteps = improvement < relativeTolerance ? slowSteps + 1 : 0
                if slowSteps >= patience {
                    return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: "converged (relative improvement)")
                }
            }
        }
        return OptimizationResult(solution: x, value: f, evaluations: evaluations, reason: "evaluation budget")
    }

    /// -H g on the free variables by the two-loop recursion (Nocedal and Wright, algorithm 7.4).
    func searchDirection(gradient g: [Float], free: [Bool], history: [(s: [Float], y: [Float], rho: Double)]) -> [Float] {
        let n = g.count
        var q = (0..<n).map { free[$0] ? Double(g[$0]) : 0 }
        var alphas = [Double](repeating: 0, count: history.count)
        for k in stride(from: history.count - 1, through: 0, by: -1) {
            let (s, y, rho) = history[k]
            var sq = 0.0
            for i in 0..<n where free[i] { sq += Double(s[i]) * q[i] }
            let a = rho * sq
            alphas[k] = a
            for i in 0..<n where free[i] { q[i] -= a * Double(y[i]) }
        }
        if let last = history.last {
            let gamma = 1 / (last.rho * dotProduct(last.y, last.y))
            for i in 0..<n { q[i] *= gamma }
        }
        for k in 0..<history.count {
            let (s, y, rho) = history[k]
            var yr = 0.0
            for i in 0..<n where free[i] { yr += Double(y[i]) * q[i] }
            let b = rho * yr
            for i in 0..<n where free[i] { q[i] += (alphas[k] - b) * Double(s[i]) }
        }
        return (0..<n).map { free[$0] ? Float(-q[$0]) : 0 }
    }
}
