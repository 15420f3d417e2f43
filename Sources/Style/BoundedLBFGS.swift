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
    /// Where the `memory` pairs are kept: in memory, or paged to files (`HistoryStorage`; the same bits).
    public var historyStorage: HistoryStorage = .memory
    /// Where the step's own vectors are kept (x, the gradients, the direction, the trial point, the free mask,
    /// the two-loop's Double vector): in memory, or paged to files (`PagedVector`; the same bits again). Paged,
    /// a step costs the process a few megabytes of them at a time, and the cost function is given `Paging`
    /// to read the point and write the gradient the same way (`TiledObjective` does, tile by tile).
    public var vectorStorage: HistoryStorage = .memory
    public var bounds: Bounds = .pixels
    /// Stop when J improved by less than this fraction over `patience` consecutive steps.
    public var relativeTolerance: Double = 0
    public var patience: Int = BoundedLBFGS.defaultPatience
    public static let defaultPatience = 5
    /// The first step (before any curvature is known) moves the largest pixel by this much.
    public var firstStepSize: Float = 16
    /// Values per block of the loops over paged vectors (`Paging`; tests make it small). Any block gives the same bits.
    var pagingBlock = Paging.defaultBlock

    public init(memory: Int = 20, relativeTolerance: Double = 0, historyStorage: HistoryStorage = .memory,
                vectorStorage: HistoryStorage = .memory) {
        self.memory = memory
        self.relativeTolerance = relativeTolerance
        self.historyStorage = historyStorage
        self.vectorStorage = vectorStorage
    }

    /// As below, for a cost function that takes and returns arrays (its point is a copy of the optimizer's).
    public func minimize(from start: consuming [Float], maxEvaluations: Int, cost: CostFunction,
                         progress: ProgressHandler = { _, _ in }, resume: LBFGSState? = nil,
                         checkpointDue: (Int) -> Bool = { _ in true },
                         checkpoint: (LBFGSState) throws -> Void = { _ in }) throws -> OptimizationResult {
        try minimize(from: start, maxEvaluations: maxEvaluations, evaluate: { point, gradient, _ in
            let (value, g) = try cost(Array(point))
            precondition(g.count == gradient.count, "\(g.count) gradient entries for \(gradient.count) values")
            _ = gradient.update(fromContentsOf: g)
            return value
        }, progress: progress, resume: resume, checkpointDue: checkpointDue, checkpoint: checkpoint)
    }

    /// `resume` continues from a state that `checkpoint` was given (`start` is then not used). After every
    /// accepted step, `checkpointDue(evaluations)` is asked whether a state is wanted, and if so `checkpoint`
    /// gets it (`OptimizerState`). Its vectors are given as where they lie (`StoredVector`), valid during the
    /// call: `checkpoint` writes them from there, one at a time.
    /// `start` is consumed: it is let go once x is made from it.
    public func minimize(from start: consuming [Float], maxEvaluations: Int, evaluate: BufferCostFunction,
                         progress: ProgressHandler = { _, _ in }, resume: LBFGSState? = nil,
                         checkpointDue: (Int) -> Bool = { _ in true },
                         checkpoint: (LBFGSState) throws -> Void = { _ in }) throws -> OptimizationResult {
        let n = resume?.point.count ?? start.count
        let pager = VectorPager(storage: vectorStorage)
        let history = try CurvatureHistory(length: n, capacity: memory, storage: historyStorage, pager: pager, pagingBlock: pagingBlock)
        let paging = pager.paging(block: pagingBlock)
        func vector<Element>(_ of: Element.Type = Float.self) throws -> PagedVector<Element> { try pager.make(n) }
        var x = try vector(), g = try vector(), f: Double, evaluations: Int
        var slowSteps = 0
        func cost(_ point: PagedVector<Float>, _ gradient: PagedVector<Float>) throws -> Double {
            let value = try evaluate(UnsafeBufferPointer(point.buffer), gradient.buffer, paging)
            paging?.releaseAll(n)
            return value
        }
        if let resume {
            (f, evaluations, slowSteps) = (resume.value, resume.evaluations, resume.slowSteps)
            try resume.point.read(into: x.buffer, paging: paging)
            try resume.gradient.read(into: g.buffer, paging: paging)
            try history.restore(resume.history)
        } else {
            start.withUnsafeBufferPointer { s in VectorMath.fill(x.buffer, paging: paging) { i in bounds.clamp(s[i]) } }
            start = []
            f = try cost(x, g)
            evaluations = 1
            progress(evaluations, f)
        }
        func finish(_ reason: StopReason) -> OptimizationResult {
            let solution = [Float](unsafeUninitializedCapacity: n) { out, count in
                VectorMath.fill(out, paging: paging) { i in x.buffer[i] }
                count = n
            }
            return OptimizationResult(solution: solution, value: f, evaluations: evaluations, reason: reason)
        }
        while evaluations < maxEvaluations {
            // 1 where the pixel may move, 0 where it sits at a bound and the gradient pushes it outward.
            var free: PagedVector<UInt8>? = try vector(UInt8.self)
            let (xs, gs, mask) = (x.buffer, g.buffer, free!.buffer)
            VectorMath.fill(mask, paging: paging) { i in
                (xs[i] <= bounds.lower && gs[i] > 0) || (xs[i] >= bounds.upper && gs[i] < 0) ? 0 : 1
            }
            let direction = try searchDirection(gradient: UnsafeBufferPointer(gs), free: UnsafeBufferPointer(mask),
                                                history: history, pager: pager, paging: paging)
            let d = direction.buffer
            var slope = VectorMath.dot(UnsafeBufferPointer(gs), UnsafeBufferPointer(d), paging: paging)
            if slope >= 0 || history.count == 0 {
                history.removeAll()
                VectorMath.fill(d, paging: paging) { i in mask[i] != 0 ? -gs[i] : 0 }
                slope = VectorMath.dot(UnsafeBufferPointer(gs), UnsafeBufferPointer(d), paging: paging)
            }
            guard slope < 0 else { return finish(.zeroProjectedGradient) }
            var step: Float = 1
            if history.count == 0 {
                let largest = VectorMath.largestMagnitude(UnsafeBufferPointer(d), paging: paging)
                step = firstStepSize / max(largest, 1e-20)
            }
            var accepted = false
            let trial = try vector(), trialGradient = try vector()
            let ts = trial.buffer
            var trialValue = f
            while evaluations < maxEvaluations {
                VectorMath.fill(ts, paging: paging) { i in bounds.clamp(xs[i] + step * d[i]) }
                // A rejected trial's gradient is overwritten by the next trial's.
                trialValue = try cost(trial, trialGradient)
                evaluations += 1
                progress(evaluations, trialValue)
                let moved = VectorMath.sum(n, paging: paging) { i in Double(gs[i]) * Double(ts[i] - xs[i]) }
                if trialValue <= f + 1e-4 * moved && trialValue.isFinite {
                    accepted = true
                    break
                }
                step *= 0.5
                if step < 1e-12 { break }
            }
            guard accepted else { return finish(evaluations >= maxEvaluations ? .evaluationBudget : .lineSearchFailed) }
            free = nil
            let tg = trialGradient.buffer
            try history.consider({ s, y in
                VectorMath.fill(s, paging: paging) { i in ts[i] - xs[i] }
                VectorMath.fill(y, paging: paging) { i in tg[i] - gs[i] }
            }, keep: { sy, yy in sy > 1e-10 * yy })
            let improvement = (f - trialValue) / max(abs(f), 1e-30)
            (x, f, g) = (trial, trialValue, trialGradient)
            if relativeTolerance > 0 {
                slowSteps = improvement < relativeTolerance ? slowSteps + 1 : 0
                if slowSteps >= patience { return finish(.relativeImprovement) }
            }
            if checkpointDue(evaluations) {
                try checkpoint(LBFGSState(point: StoredVector(lending: x), value: f, gradient: StoredVector(lending: g),
                                          history: history.pairs(), slowSteps: slowSteps, evaluations: evaluations))
            }
        }
        return finish(.evaluationBudget)
    }

    /// -H g on the free variables by the two-loop recursion (Nocedal and Wright, algorithm 7.4).
    /// `free` is 1 on the free variables and 0 on the held ones; q stays 0 on the held ones, so the dot
    /// products over all entries are the dot products over the free ones.
    func searchDirection(gradient g: UnsafeBufferPointer<Float>, free: UnsafeBufferPointer<UInt8>, history: CurvatureHistory,
                         pager: VectorPager, paging: Paging?) throws -> PagedVector<Float> {
        let n = g.count
        let q = try pager.make(n, of: Double.self)
        let qs = q.buffer
        VectorMath.maskedAdd(1, g, mask: free, to: qs, paging: paging)
        var alphas = [Double](repeating: 0, count: history.count)
        for k in stride(from: history.count - 1, through: 0, by: -1) {
            let a = history.rhos[k] * (try history.withS(k) { VectorMath.dot($0, UnsafeBufferPointer(qs), paging: paging) })
            alphas[k] = a
            try history.withY(k) { VectorMath.maskedAdd(-a, $0, mask: free, to: qs, paging: paging) }
        }
        let gamma = history.count > 0 ? 1 / (history.rhos[history.count - 1] * history.newestYY) : 1
        for k in 0..<history.count {
            let rho = history.rhos[k]
            // q is kept unscaled: with q' = gamma q, q' += (alpha - rho y.q') s is q += (alpha/gamma - rho y.q) s.
            let b = alphas[k] / gamma - rho * (try history.withY(k) { VectorMath.dot($0, UnsafeBufferPointer(qs), paging: paging) })
            try history.withS(k) { VectorMath.maskedAdd(b, $0, mask: free, to: qs, paging: paging) }
        }
        let direction = try pager.make(n, of: Float.self)
        VectorMath.fill(direction.buffer, paging: paging) { i in Float(-gamma * qs[i]) }
        return direction
    }
}
