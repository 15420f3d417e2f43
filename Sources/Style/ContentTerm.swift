import Engine

/// The content term of J (Gatys et al. 2015, eq. 1): J_content = ½ Σ_i (a_i(G) - a_i(C))² over the
/// C x nH x nW activations a of the content layer, for the generated image G and the content image C.
/// Its gradient with respect to the activations is ∂J_content/∂a(G) = a(G) - a(C).
///
/// Not normalized by the layer's size, as in the paper: the default alpha (`DefaultWeights`) divides by the
/// number of positions instead, so the weight means the same at any size.
///
/// Rounding: each difference is one float32 subtraction (relative ε = 2⁻²⁴); the value sums k = C nH nW
/// float32 squares in float64 (`VectorMath.dot`), so it carries about 2ε relative to the exact sum of squares.
public enum ContentTerm {
    /// J_content and its gradient with respect to the features, multiplied by `gradientScale` (alpha).
    public static func loss(features: Tensor, target: Tensor, gradientScale: Float = 1) -> (value: Double, gradient: Tensor) {
        let value: Double
        var gradient: Tensor
        (value, gradient) = difference(features, target)
        VectorMath.scale(&gradient.data, by: gradientScale)
        return (value, gradient)
    }

    /// J_content alone.
    public static func cost(features: Tensor, target: Tensor) -> Double {
        difference(features, target).value
    }

    /// (½ Σ d², d) with d = a(G) - a(C).
    static func difference(_ features: Tensor, _ target: Tensor) -> (value: Double, difference: Tensor) {
        precondition(features.shape == target.shape, "content features \(features.shape), target \(target.shape)")
        var d = features
        let (a, c) = (features.data, target.data)
        VectorMath.fill(&d.data) { i in a[i] - c[i] }
        return (VectorMath.dot(d.data, d.data) / 2, d)
    }
}
