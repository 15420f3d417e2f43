import Engine

/// The temporal cost for frame t of a stream: J_temporal = w / (H W) Σ_i m_i Σ_c (G_ic - P_ic)², with P the
/// previous output moved along the optical flow and m_i in [0, 1] the per-pixel weights of the consistency
/// check (FlowWarmStart makes both), so the stylization may change where the scene does. Dividing by H W
/// keeps the weight's meaning the same at any size. Departure from Gatys et al. (README, "The method"), after
/// Ruder et al. 2016.
public struct TemporalTerm: Sendable {
    public var previous: [Float]
    public var mask: [Float]
    public var weight: Double

    public init(previous: [Float], mask: [Float], weight: Double) {
        precondition(previous.count == mask.count * 3)
        self.previous = previous
        self.mask = mask
        self.weight = weight
    }

    /// The weighted cost and its gradient with respect to the pixels.
    public func loss(_ pixels: [Float]) -> (value: Double, gradient: [Float]) {
        let scale = weight / Double(mask.count)
        var gradient = [Float](repeating: 0, count: pixels.count)
        let g = Float(2 * scale)
        let (mask, previous) = (self.mask, self.previous)
        // The gradient and the sum in one pass (chunked as VectorMath.sum, so the same sum).
        let sum = gradient.withUnsafeMutableBufferPointer { out in
            parallelSum(pixels.count, minChunk: VectorMath.minChunk) { range in
                var sum = 0.0
                for p in range {
                    let m = mask[p / 3], d = pixels[p] - previous[p]
                    out[p] = g * m * d
                    sum += Double(m * d * d)
                }
                return sum
            }
        }
        return (scale * sum, gradient)
    }
}
