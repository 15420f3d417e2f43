/// Squared total variation of an interleaved RGB image: Σ over horizontally and vertically adjacent
/// pixel pairs and channels of (p - q)², on 0..255 values. A small weight of it removes the
/// high-frequency noise that pure feature matching leaves.
public enum TotalVariation {
    public static func loss(pixels: [Float], width: Int, height: Int) -> (value: Double, gradient: [Float]) {
        var gradient = [Float](repeating: 0, count: pixels.count)
        var sum = 0.0
        let stride = width * 3
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let i = y * stride + x * 3 + c
                    if x + 1 < width {
                        let d = pixels[i] - pixels[i + 3]
                        sum += Double(d * d)
                        gradient[i] += 2 * d
                        gradient[i + 3] -= 2 * d
                    }
                    if y + 1 < height {
                        let d = pixels[i] - pixels[i + stride]
                        sum += Double(d * d)
                        gradient[i] += 2 * d
                        gradient[i + stride] -= 2 * d
                    }
                }
            }
        }
        return (sum, gradient)
    }
}
