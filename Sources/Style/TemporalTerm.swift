import Engine

/// The temporal cost for frame t of a stream: J_temporal = w / (H W) Σ_i m_i Σ_c (G_ic - P_ic)², with P the
/// previous output moved by the frame's motion and m_i = 1 where the (motion-compensated) content did not
/// change (so the stylization may change where the scene does). Dividing by H W keeps the weight's meaning
/// the same at any size. Departure from Gatys et al. (README, "The method"), after Ruder et al. 2016.
public struct TemporalTerm: Sendable {
    public var previous: [Float]
    public var mask: [Float]
    public var weight: Double

    public init(previous: [Float], mask: [Float], weight: Double) {
        precondition(previous.count == mask.count * 3)
        self.previous = previous
        self.mask = mask
        self.weight = weight
    }

    /// Builds the term for `content` (this frame) from the previous frame's content and output, all at one size.
    ///
    /// Each pixel takes the previous output from one of two candidates: the same place (a still background,
    /// flat areas) or the place the global shift says it came from (what the camera's motion carried). The
    /// same place wins whenever its content is unchanged within `threshold` levels, so that what looks the same
    /// in both frames is held exactly in place; else the better match. It is held (mask 1) when the chosen
    /// candidate's content matches within `threshold`.
    /// Pixels new to the view start from the content and are not held.
    public static func make(content: [Float], previousContent: [Float], previousOutput: [Float],
                            width: Int, height: Int, weight: Double, threshold: Float = 12) -> (term: TemporalTerm, warped: [Float], shift: Shift, difference: Float) {
        let (shift, difference) = MotionEstimate.shift(from: previousContent, to: content, width: width, height: height)
        let (movedContent, valid) = MotionEstimate.warp(previousContent, width: width, height: height, by: shift, fill: content)
        let (movedOutput, _) = MotionEstimate.warp(previousOutput, width: width, height: height, by: shift, fill: content)
        func change(_ a: [Float], _ b: [Float], _ p: Int) -> Float {
            max(abs(a[p] - b[p]), abs(a[p + 1] - b[p + 1]), abs(a[p + 2] - b[p + 2]))
        }
        var start = content
        var mask = [Float](repeating: 0, count: width * height)
        for i in 0..<mask.count {
            let p = i * 3
            let still = change(content, previousContent, p)
            let moved = valid[i] ? change(content, movedContent, p) : .infinity
            let source: [Float]
            let best: Float
            if still <= threshold || still <= moved {
                (source, best) = (previousOutput, still)
            } else {
                (source, best) = (movedOutput, moved)
            }
            if best <= threshold {
                mask[i] = 1
                start[p] = source[p]; start[p + 1] = source[p + 1]; start[p + 2] = source[p + 2]
            } else if valid[i] {
                start[p] = movedOutput[p]; start[p + 1] = movedOutput[p + 1]; start[p + 2] = movedOutput[p + 2]
            }
        }
        return (TemporalTerm(previous: start, mask: mask, weight: weight), start, shift, difference)
    }

    /// The weighted cost and its gradient with respect to the pixels.
    public func loss(_ pixels: [Float]) -> (value: Double, gradient: [Float]) {
        let scale = weight / Double(mask.count)
        var gradient = [Float](repeating: 0, count: pixels.count)
        let g = Float(2 * scale)
        let (mask, previous) = (self.mask, self.previous)
        // The gradient and the sum in one pass (chunked as VectorMath.sum, so the same sum).
        let sum = gradient.withUnsafeMutableBufferPointer { out in
            parallelSum(pixels.count, minChunk: VectorMath.minChunk) { range in
                var sum = 0.0
                for p in range {
                    let m = mask[p / 3], d = pixels[p] - previous[p]
                    out[p] = g * m * d
                    sum += Double(m * d * d)
                }
                return sum
            }
        }
        return (scale * sum, gradient)
    }
}
