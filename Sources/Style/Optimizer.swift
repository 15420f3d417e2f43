/// J and its gradient at a point: what every optimizer here minimizes.
public typealias CostFunction = ([Float]) throws -> (value: Double, gradient: [Float])

/// J at `point`, its gradient written into every entry of `gradient`: the optimizer's own vectors, lent for
/// the call. `paging` (nil: in memory) says how loops over them give their pages back (`Paging`), when the
/// optimizer's vectors are paged to files (`BoundedLBFGS.vectorStorage`).
public typealias BufferCostFunction = (_ point: UnsafeBufferPointer<Float>, _ gradient: UnsafeMutableBufferPointer<Float>,
                                       _ paging: Paging?) throws -> Double

/// Called after every evaluation with its number (1-based) and J there.
public typealias ProgressHandler = (_ evaluation: Int, _ value: Double) -> Void

/// Where an optimizer stopped.
public struct OptimizationResult: Sendable {
    public var solution: [Float]
    public var value: Double
    public var evaluations: Int
    public var reason: StopReason
}

/// Why an optimizer stopped.
public enum StopReason: String, Sendable, Equatable {
    /// It used all the evaluations it was given.
    case evaluationBudget = "evaluation budget"
    /// It was given none: the start, clamped to the bounds, is the result.
    case noEvaluations = "no evaluations"
    /// The projected gradient is zero: no feasible descent direction (L-BFGS).
    case zeroProjectedGradient = "converged (zero projected gradient)"
    /// J improved by less than the relative tolerance for `patience` steps in a row (L-BFGS).
    case relativeImprovement = "converged (relative improvement)"
    /// No step along the search direction lowered J enough (L-BFGS).
    case lineSearchFailed = "line search failed"
}

/// The pixel range, kept during optimization: quality is judged on the 8-bit image written, so the
/// optimizer must not wander outside 0...255 and be clamped only at the end.
public struct Bounds: Sendable, Equatable {
    public var lower: Float
    public var upper: Float
    public static let pixels = Bounds(lower: 0, upper: 255)

    @inline(__always) func clamp(_ v: Float) -> Float { min(max(v, lower), upper) }
    func clamp(_ x: [Float]) -> [Float] { x.map(clamp) }
}

public enum OptimizerKind: String, Sendable, CaseIterable {
    case lbfgs
    case adam
}
