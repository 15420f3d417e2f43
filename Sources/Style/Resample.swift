/// Resizing of interleaved images with a triangle (bilinear) filter widened when shrinking, so that
/// downscaling averages every source pixel (no aliasing) and upscaling interpolates bilinearly.
public enum Resample {
    /// The size whose longest side is `longest`, keeping the aspect ratio (each side at least 1).
    public static func fit(width: Int, height: Int, longest: Int) -> (width: Int, height: Int) {
        let scale = Double(longest) / Double(max(width, height))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    public static func resize(_ pixels: [Float], width: Int, height: Int, channels: Int = 3,
                              toWidth: Int, toHeight: Int) -> [Float] {
        precondition(pixels.count == width * height * channels)
        if width == toWidth && height == toHeight { return pixels }
        // Horizontal pass, then vertical.
        let across = taps(from: width, to: toWidth)
        var middle = [Float](repeating: 0, count: toWidth * height * channels)
        for y in 0..<height {
            for (x, tap) in across.enumerated() {
                for c in 0..<channels {
                    var sum: Float = 0
                    for (i, w) in zip(tap.indices, tap.weights) { sum += w * pixels[(y * width + i) * channels + c] }
                    middle[(y * toWidth + x) * channels + c] = sum
                }
            }
        }
        let down = taps(from: height, to: toHeight)
        var out = [Float](repeating: 0, count: toWidth * toHeight * channels)
        let row = toWidth * channels
        for (y, tap) in down.enumerated() {
            for j in 0..<row {
                var sum: Float = 0
                for (i, w) in zip(tap.indices, tap.weights) { sum += w * middle[i * row + j] }
                out[y * row + j] = sum
            }
        }
        return out
    }

    /// For each output coordinate, the source coordinates and normalized weights that make it.
    static func taps(from size: Int, to newSize: Int) -> [(indices: [Int], weights: [Float])] {
        let scale = Double(size) / Double(newSize)
        let support = max(1.0, scale)
        return (0..<newSize).map { o in
            let center = (Double(o) + 0.5) * scale - 0.5
            let first = Int((center - support).rounded(.up)), last = Int((center + support).rounded(.down))
            var indices: [Int] = [], weights: [Float] = []
            for i in first...last {
                let w = 1 - abs(Double(i) - center) / support
                guard w > 0 else { continue }
                indices.append(min(max(i, 0), size - 1))
                weights.append(Float(w))
            }
            if indices.isEmpty {
                indices = [min(max(Int(center.rounded()), 0), size - 1)]
                weights = [1]
            }
            let total = weights.reduce(0, +)
            return (indices, weights.map { $0 / total })
        }
    }
}
