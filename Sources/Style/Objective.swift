/// J and its gradient for the optimizers, computed in one pass over the whole image (`StyleObjective`) or
/// tile by tile in bounded memory (`TiledObjective`): the same values up to float32 rounding.
public protocol Objective: Sendable {
    var width: Int { get }
    var height: Int { get }
    func evaluate(_ pixels: [Float]) throws -> (cost: Cost, gradient: [Float])
    /// J alone (no backward pass): for reporting the J of an image.
    func cost(_ pixels: [Float]) throws -> Cost
    /// J, its gradient written into every entry of `gradient`, on the optimizer's own vectors
    /// (`BufferCostFunction`); `paging`: how loops over them give their pages back when they are paged.
    func evaluate(_ pixels: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, paging: Paging?) throws -> Cost
}

extension Objective {
    /// Through the arrays: a copy of the pixels in, the gradient copied out (an untiled objective, whose
    /// network's memory is some hundred times one such vector).
    public func evaluate(_ pixels: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, paging: Paging?) throws -> Cost {
        let (cost, g) = try evaluate(Array(pixels))
        precondition(g.count == gradient.count)
        _ = gradient.update(fromContentsOf: g)
        return cost
    }
}

extension StyleObjective: Objective {}
