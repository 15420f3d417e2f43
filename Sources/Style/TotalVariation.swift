import Engine

/// Squared total variation of an interleaved RGB image: Σ over horizontally and vertically adjacent
/// pixel pairs and channels of (p - q)², on 0..255 values. A small weight of it removes the
/// high-frequency noise that pure feature matching leaves.
public enum TotalVariation {
    /// The value and its gradient. Each row computes its own gradient entries from its neighbours (a gather,
    /// not a scatter), so rows run in parallel; the value sums each pixel's right and lower differences.
    public static func loss(pixels: [Float], width: Int, height: Int) -> (value: Double, gradient: [Float]) {
        precondition(pixels.count == width * height * 3)
        var gradient = [Float](repeating: 0, count: pixels.count)
        // 0 + 1 x is x: the same bits as a gradient of its own.
        let sum = pixels.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { accumulate(pixels: p, width: width, height: height, scale: 1, into: $0) }
        }
        return (sum, gradient)
    }

    /// The value, with `scale` times its gradient added into `gradient` (when given; `gradient[i] += scale g_i`,
    /// the same bits as adding `loss`'s gradient with `VectorMath.add`). `paging`: the rows are walked in blocks
    /// whose pages are given back (paged vectors: `Paging`), the same sum.
    static func accumulate(pixels p: UnsafeBufferPointer<Float>, width: Int, height: Int, scale: Float,
                           into g: UnsafeMutableBufferPointer<Float>?, paging: Paging? = nil) -> Double {
        precondition(p.count == width * height * 3 && (g == nil || g!.count == p.count))
        let stride = width * 3
        let rowPaging = paging.map { paging in
            Paging(block: max(1, paging.block / max(stride, 1))) { rows in paging.release(rows.lowerBound * stride..<rows.upperBound * stride) }
        }
        return parallelSum(height, minChunk: max(1, VectorMath.minChunk / max(stride, 1))) { rows in
            var sum = 0.0
            rowPaging.blocks(rows) { block in
                for y in block {
                    for x in 0..<width {
                        for c in 0..<3 {
                            let i = y * stride + x * 3 + c
                            var d: Float = 0
                            if x + 1 < width {
                                let right = p[i] - p[i + 3]
                                sum += Double(right * right)
                                d += right
                            }
                            if y + 1 < height {
                                let down = p[i] - p[i + stride]
                                sum += Double(down * down)
                                d += down
                            }
                            if x > 0 { d += p[i] - p[i - 3] }
                            if y > 0 { d += p[i] - p[i - stride] }
                            if let g { g[i] += scale * (2 * d) }
                        }
                    }
                }
            }
            return sum
        }
    }
}
