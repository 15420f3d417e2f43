/// J and its gradient for the optimizers, computed in one pass over the whole image (`StyleObjective`) or
/// tile by tile in bounded memory (`TiledObjective`): the same values up to float32 rounding.
public protocol Objective: Sendable {
    var width: Int { get }
    var height: Int { get }
    func evaluate(_ pixels: [Float]) throws -> (cost: Cost, gradient: [Float])
    /// J alone (no backward pass): for reporting the J of an image.
    func cost(_ pixels: [Float]) throws -> Cost
}

extension StyleObjective: Objective {}
