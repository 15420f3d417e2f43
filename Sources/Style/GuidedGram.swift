import CBLAS
import Engine

/// Guided Gram matrices (Gatys et al. 2017, section 4.1): the Gram of one region of a layer, the features
/// weighted per position by the region's guidance t (`Guidance`) and normalized by the region's own weight,
///
///     g_r = A diag(t²) Aᵀ / Σ_p t_p²
///
/// which is `gram_matrix_guided` of leongatys/NeuralImageSynthesis with its guides normalized by
/// √(mean t²). With t = 1 everywhere it is `Gram.matrix` (A Aᵀ / N), so a style image's plain Gram is the
/// target of a region painted with that whole image, and a guided Gram over a region of a style image
/// (`gram --mask`) is comparable with either. Its cost and gradient with respect to the features:
///
///     J_r = Σ (g_r - s_r)² / (4 nC²),     ∂J_r/∂A = (g_r - s_r) A diag(t²) / (nC² Σ t²)
///
/// The gradient is zero at positions with t = 0: a region's term moves only the units that see it.
///
/// Rounding: as `Gram` (float32 sums of N products by ssyrk, γ(N + 2) of Σ|a_k a_l| t² / Σt² per entry),
/// the weights t² and Σ t² (float64) adding one rounding each.
public enum GuidedGram {
    /// Σ_p t_p², in Float64: the region's weight at this layer. 0: the region has no unit here.
    public static func weight(_ guide: [Float]) -> Double {
        guide.reduce(0) { $0 + Double($1) * Double($1) }
    }

    /// The guided Gram, row-major C x C. `guide` has one entry per position and a positive weight. The scale
    /// is 1 / Float(Σt²) as `Gram.matrix`'s 1 / Float(N), so a guide of ones gives its bits exactly.
    public static func matrix(_ features: Tensor, guide: [Float]) -> [Float] {
        let (c, n) = (features.channels, features.planeSize)
        let total = weight(guide)
        precondition(guide.count == n && total > 0, "guide of \(guide.count) positions (weight \(total)) for \(n)")
        return Gram.symmetricProduct(scaledColumns(features, by: guide), channels: c, positions: n, scale: 1 / Float(total))
    }

    /// J_r and its gradient with respect to the features, multiplied by `gradientScale` inside the product.
    public static func loss(features: Tensor, guide: [Float], target: [Float],
                            gradientScale: Float = 1) -> (value: Double, gradient: Tensor) {
        let (c, n) = (features.channels, features.planeSize)
        let (difference, value) = compare(features, guide, target)
        // A diag(t²): the features weighted twice.
        let squared = guide.map { $0 * $0 }
        let weighted = scaledColumns(features, by: squared)
        let scale = gradientScale / Float(Double(c) * Double(c) * weight(guide))
        var gradient = Tensor(channels: c, height: features.height, width: features.width)
        difference.withUnsafeBufferPointer { d in
            weighted.withUnsafeBufferPointer { a in
                gradient.data.withUnsafeMutableBufferPointer { g in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(c), Int32(n), Int32(c),
                                scale, d.baseAddress!, Int32(c), a.baseAddress!, Int32(n), 0, g.baseAddress!, Int32(n))
                }
            }
        }
        return (value, gradient)
    }

    /// J_r alone.
    public static func cost(features: Tensor, guide: [Float], target: [Float]) -> Double {
        compare(features, guide, target).value
    }

    static func compare(_ features: Tensor, _ guide: [Float], _ target: [Float]) -> (difference: [Float], value: Double) {
        let c = features.channels
        precondition(target.count == c * c, "Gram target has \(target.count) entries for \(c) channels")
        var difference = matrix(features, guide: guide)
        VectorMath.add(-1, target, to: &difference)
        return (difference, VectorMath.dot(difference, difference) / (4 * Double(c) * Double(c)))
    }

    /// A with column p (position p of every channel) multiplied by s_p.
    static func scaledColumns(_ features: Tensor, by s: [Float]) -> [Float] {
        let n = features.planeSize
        var out = features.data
        VectorMath.fill(&out) { i in features.data[i] * s[i % n] }
        return out
    }
}
