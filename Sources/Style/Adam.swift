import Foundation

/// Adam (Kingma and Ba 2014) on the pixels, clamped to the bounds after every step.
/// Steps are in pixel units, so the learning rate means "about this many levels per step".
public struct Adam: Sendable {
    public static let defaultLearningRate: Float = 4
    public var learningRate: Float = Adam.defaultLearningRate
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var bounds: Bounds = .pixels

    public init(learningRate: Float = Adam.defaultLearningRate) {
        self.learningRate = learningRate
    }

    /// `resume` continues from a state that `checkpoint` was given (`start` is then not used); `checkpoint`
    /// gets the state after every update (`OptimizerState`).
    public func minimize(from start: [Float], maxEvaluations: Int, cost: CostFunction,
                         progress: ProgressHandler = { _, _ in }, resume: AdamState? = nil,
                         checkpoint: (AdamState) throws -> Void = { _ in }) throws -> OptimizationResult {
        var x = resume?.point ?? bounds.clamp(start)
        var m = resume?.firstMoment ?? [Float](repeating: 0, count: x.count)
        var v = resume?.secondMoment ?? m
        var best = resume?.best ?? x, bestValue = resume?.bestValue ?? Double.infinity
        for t in stride(from: (resume?.step ?? 0) + 1, through: max(1, maxEvaluations), by: 1) {
            let (f, g) = try cost(x)
            progress(t, f)
            if f < bestValue { (best, bestValue) = (x, f) }
            if t == maxEvaluations { break }
            let c1 = 1 - pow(beta1, Float(t)), c2 = 1 - pow(beta2, Float(t))
            for i in 0..<x.count {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                x[i] = bounds.clamp(x[i] - learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon))
            }
            try checkpoint(AdamState(step: t, point: x, firstMoment: m, secondMoment: v, best: best, bestValue: bestValue))
        }
        return OptimizationResult(solution: best, value: bestValue, evaluations: max(1, maxEvaluations), reason: .evaluationBudget)
    }
}
