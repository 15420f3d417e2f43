/// The terms of J on the pixels themselves (J_tv, J_temporal), added after the network's terms by every
/// objective (`StyleObjective`, `TiledObjective`), and the weighted total.
enum PixelTerms {
    /// Adds tv J_tv and J_temporal (and, `withGradient`, their gradients into `gradient`) to the network's
    /// unweighted parts, and returns the whole `Cost`.
    static func finish(pixels: [Float], width: Int, height: Int, weights: CostWeights, temporal: TemporalTerm?,
                       content: Double, style: Double, styleLayers: [String: Double],
                       gradient: inout [Float], withGradient: Bool) -> Cost {
        var tvCost = 0.0
        if weights.totalVariation != 0 {
            let (value, g) = TotalVariation.loss(pixels: pixels, width: width, height: height)
            tvCost = value
            if withGradient { VectorMath.add(Float(weights.totalVariation), g, to: &gradient) }
        }
        var temporalCost = 0.0
        if let temporal {
            let (value, g) = temporal.loss(pixels)
            temporalCost = value
            if withGradient { VectorMath.add(1, g, to: &gradient) }
        }
        let total = weights.content * content + weights.style * style + weights.totalVariation * tvCost + temporalCost
        return Cost(total: total, content: content, style: style, styleLayers: styleLayers,
                    totalVariation: tvCost, temporal: temporalCost)
    }
}
