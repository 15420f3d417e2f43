import ImageIO

/// Temporal consistency of a stylized frame stream under motion: the mean |O_t - warp(O_t-1)| (0...255, per
/// channel) over the pixels the consistency check keeps (weight at least 1/2), with the flow taken between
/// the input frames (DIS "medium", backward for the warp, forward for the check). Unlike `Flicker`, it counts
/// what the stylization did on moving content too: a painting that moves with the scene scores near 0, one
/// repainted every frame (or dragged behind the scene) scores high.
public enum WarpingError {
    /// Frames of a new size start a new scene and are not compared with the frame before.
    public static func measure(inputs: [RGBImage], outputs: [RGBImage], preset: FlowPreset = .medium) throws -> (error: Double, pixels: Int) {
        var sum = 0.0, count = 0
        for (a, b, p, q) in FramePairs.comparable(inputs: inputs, outputs: outputs) {
            let backward = try OpticalFlow.dis(from: b.pixels, to: a.pixels, width: a.width, height: a.height, preset: preset)
            let forward = try OpticalFlow.dis(from: a.pixels, to: b.pixels, width: a.width, height: a.height, preset: preset)
            let weights = FlowConsistency.weights(backward: backward, forward: forward).weights
            let warped = FlowWarp.warp(p.pixels, by: backward)
            for i in 0..<weights.count where weights[i] >= 0.5 {
                sum += Double(abs(q.pixels[3 * i] - warped[3 * i]) + abs(q.pixels[3 * i + 1] - warped[3 * i + 1])
                              + abs(q.pixels[3 * i + 2] - warped[3 * i + 2])) / 3
                count += 1
            }
        }
        return (count > 0 ? sum / Double(count) : 0, count)
    }
}
