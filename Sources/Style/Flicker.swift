import ImageIO

/// Flicker of a stylized frame stream: the mean absolute difference (0..255) between consecutive output
/// frames, over the pixels where the consecutive input frames are (nearly) equal, so that only change the
/// stylization invented is counted, not change that was in the video.
public enum Flicker {
    /// `tolerance`: input pixels whose channels all differ by at most this much count as unchanged.
    public static func measure(inputs: [RGBImage], outputs: [RGBImage], tolerance: Float = 3) -> (flicker: Double, pixels: Int) {
        var sum = 0.0, count = 0
        for (a, b, p, q) in FramePairs.comparable(inputs: inputs, outputs: outputs) {
            for i in stride(from: 0, to: a.pixels.count, by: 3) {
                let change = max(abs(a.pixels[i] - b.pixels[i]), abs(a.pixels[i + 1] - b.pixels[i + 1]), abs(a.pixels[i + 2] - b.pixels[i + 2]))
                guard change <= tolerance else { continue }
                sum += Double(abs(p.pixels[i] - q.pixels[i]) + abs(p.pixels[i + 1] - q.pixels[i + 1]) + abs(p.pixels[i + 2] - q.pixels[i + 2])) / 3
                count += 1
            }
        }
        return (count > 0 ? sum / Double(count) : 0, count)
    }
}

/// Consecutive frames of a stylized stream, for the measures of temporal consistency.
enum FramePairs {
    /// (input t-1, input t, output t-1, output t) for each t > 0 where all four are of one size (a frame of a
    /// new size starts a new scene and is not compared with the one before).
    static func comparable(inputs: [RGBImage], outputs: [RGBImage]) -> [(RGBImage, RGBImage, RGBImage, RGBImage)] {
        precondition(inputs.count == outputs.count, "as many outputs as inputs")
        return (1..<max(1, inputs.count)).compactMap { t in
            let (a, b, p, q) = (inputs[t - 1], inputs[t], outputs[t - 1], outputs[t])
            guard a.width == b.width, a.height == b.height, p.width == q.width, p.height == q.height,
                  p.width == a.width, p.height == a.height else { return nil }
            return (a, b, p, q)
        }
    }
}
