import CBLAS
import Engine

/// Gram matrices normalized per position: g = A Aᵀ / (nH nW), with A the C x (nH nW) feature matrix.
/// Departure from Gatys et al. (README, "The method"): the paper's Gram is A Aᵀ.
///
/// The seed's style cost is 1/(2 nH nW nC)² Σ (G(S) - G(G))² with the raw Gram G = A Aᵀ. Dividing G by the
/// number of positions N gives the same value, Σ (g(S) - g(G))² / (4 nC²), when S and G have the same size,
/// and lets a style image (or a stored Gram file) of any size be compared with a generated image of any size.
public enum Gram {
    /// The normalized Gram matrix, row-major C x C.
    ///
    /// A Aᵀ is symmetric: ssyrk computes one triangle (half the flops of sgemm), mirrored to the other.
    public static func matrix(_ features: Tensor) -> [Float] {
        symmetricProduct(features.data, channels: features.channels, positions: features.planeSize,
                         scale: 1 / Float(features.planeSize))
    }

    /// scale · A Aᵀ for A row-major `channels` x `positions`, both triangles filled (ssyrk computes one).
    static func symmetricProduct(_ data: [Float], channels c: Int, positions n: Int, scale: Float) -> [Float] {
        var gram = [Float](repeating: 0, count: c * c)
        data.withUnsafeBufferPointer { a in
            gram.withUnsafeMutableBufferPointer { g in
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(c), Int32(n),
                            scale, a.baseAddress!, Int32(n), 0, g.baseAddress!, Int32(c))
                for i in 0..<c {
                    for j in 0..<i { g[i * c + j] = g[j * c + i] }
                }
            }
        }
        return gram
    }

    /// The style cost of one layer, Σ (g - target)² / (4 nC²), and its gradient with respect to the features,
    /// (g - target) A / (nC² N), multiplied by `gradientScale` (the layer's weight in J) inside the product.
    public static func loss(features: Tensor, target: [Float], gradientScale: Float = 1) -> (value: Double, gradient: Tensor) {
        let (difference, value) = compare(features, target)
        let n = features.planeSize
        let gradient = featureGradient(difference: difference, features: features, positions: n, gradientScale: gradientScale)
        return (value, gradient)
    }

    /// (g - target) A / (nC² N) times `gradientScale`: the gradient of Σ (g - target)² / (4 nC²) with respect
    /// to the features A of some positions, where g (and `difference` = g - target) is the Gram of a whole
    /// layer of N = `positions` positions. For a tile of the layer (`TiledObjective`) A holds the tile's
    /// positions and `positions` counts the whole layer's.
    static func featureGradient(difference: [Float], features: Tensor, positions: Int, gradientScale: Float) -> Tensor {
        let (c, n) = (features.channels, features.planeSize)
        let cc = Float(c) * Float(c)
        var gradient = Tensor(channels: c, height: features.height, width: features.width)
        guard n > 0 else { return gradient }
        difference.withUnsafeBufferPointer { d in
            features.data.withUnsafeBufferPointer { a in
                gradient.data.withUnsafeMutableBufferPointer { g in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(c), Int32(n), Int32(c),
                                gradientScale / (cc * Float(positions)), d.baseAddress!, Int32(c), a.baseAddress!, Int32(n), 0,
                                g.baseAddress!, Int32(n))
                }
            }
        }
        return gradient
    }

    /// Adds A Aᵀ (unnormalized) of some positions' features to `sum`, a row-major C x C matrix in Double: the
    /// Gram of a whole layer summed tile by tile (`TiledObjective`). Each tile's product is one float32 ssyrk,
    /// the tiles are summed in Double, so the result carries the rounding of the largest tile's sum only.
    static func accumulate(_ features: Tensor, into sum: inout [Double]) {
        let (c, n) = (features.channels, features.planeSize)
        precondition(sum.count == c * c)
        guard n > 0 else { return }
        let part = symmetricProduct(features.data, channels: c, positions: n, scale: 1)
        for k in 0..<(c * c) { sum[k] += Double(part[k]) }
    }

    /// The style cost of one layer alone, without the gradient's matrix product.
    public static func cost(features: Tensor, target: [Float]) -> Double {
        compare(features, target).value
    }

    /// g - target, and Σ (g - target)² / (4 nC²).
    static func compare(_ features: Tensor, _ target: [Float]) -> (difference: [Float], value: Double) {
        let c = features.channels
        precondition(target.count == c * c, "Gram target has \(target.count) entries for \(c) channels")
        var difference = matrix(features)
        VectorMath.add(-1, target, to: &difference)
        return (difference, VectorMath.dot(difference, difference) / (4 * Double(c) * Double(c)))
    }
}
