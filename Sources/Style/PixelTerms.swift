/// The terms of J on the pixels themselves (J_tv, J_temporal), added after the network's terms by every
/// objective (`StyleObjective`, `TiledObjective`), and the weighted total.
enum PixelTerms {
    /// Adds tv J_tv and J_temporal (and, `withGradient`, their gradients into `gradient`) to the network's
    /// unweighted parts, and returns the whole `Cost`.
    static func finish(pixels: [Float], width: Int, height: Int, weights: CostWeights, temporal: TemporalTerm?,
                       content: Double, style: Double, styleLayers: [String: Double],
                       gradient: inout [Float], withGradient: Bool) -> Cost {
        pixels.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                finish(pixels: p, width: width, height: height, weights: weights, temporal: temporal, content: content,
                       style: style, styleLayers: styleLayers, gradient: withGradient ? g : nil)
            }
        }
    }

    /// The same on buffers (the optimizer's vectors: `BufferCostFunction`); `gradient` nil: J alone.
    /// `paging`: J_tv's loop gives its pages back as it goes (`Paging`), the same bits.
    static func finish(pixels: UnsafeBufferPointer<Float>, width: Int, height: Int, weights: CostWeights, temporal: TemporalTerm?,
                       content: Double, style: Double, styleLayers: [String: Double],
                       gradient: UnsafeMutableBufferPointer<Float>?, paging: Paging? = nil) -> Cost {
        var tvCost = 0.0
        if weights.totalVariation != 0 {
            tvCost = TotalVariation.accumulate(pixels: pixels, width: width, height: height,
                                               scale: Float(weights.totalVariation), into: gradient, paging: paging)
        }
        var temporalCost = 0.0
        if let temporal {
            let (value, g) = temporal.loss(Array(pixels))
            temporalCost = value
            if let gradient { g.withUnsafeBufferPointer { VectorMath.add(1, $0, to: gradient) } }
        }
        let total = weights.content * content + weights.style * style + weights.totalVariation * tvCost + temporalCost
        return Cost(total: total, content: content, style: style, styleLayers: styleLayers,
                    totalVariation: tvCost, temporal: temporalCost)
    }
}
