/// J and its gradient at a point: what every optimizer here minimizes.
public typealias CostFunction = ([Float]) throws -> (value: Double, gradient: [Float])

/// Called after every evaluation with its number (1-based) and J there.
public typealias ProgressHandler = (_ evaluation: Int, _ value: Double) -> Void

/// Where an optimizer stopped.
public struct OptimizationResult: Sendable {
    public var solution: [Float]
    public var value: Double
    public var evaluations: Int
    /// Why it stopped: "evaluation budget", "converged", ...
    public var reason: String
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
