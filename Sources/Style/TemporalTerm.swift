/// The temporal cost for frame t of a stream: J_temporal = w / (H W) Σ_i m_i Σ_c (G_ic - P_ic)², with P the
/// previous output moved by the frame's motion and m_i = 1 where the motion-compensated content did not
/// change (so the stylization may change where the scene does). Dividing by H W keeps the weight's meaning
/// the same at any size.
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

    /// Builds the term for `content` (this frame) from the previous frame's content and output, all at one size:
    /// the global shift, the warped output, and the mask of pixels whose content matches within `threshold` levels.
    public static func make(content: [Float], previousContent: [Float], previousOutput: [Float],
                            width: Int, height: Int, weight: Double, threshold: Float = 12) -> (term: TemporalTerm, warped: [Float], shift: Shift, difference: Float) {
        let (shift, difference) = MotionEstimate.shift(from: previousContent, to: content, width: width, height: height)
        let (warpedContent, valid) = MotionEstimate.warp(previousContent, width: width, height: height, by: shift, fill: content)
        let (warpedOutput, _) = MotionEstimate.warp(previousOutput, width: width, height: height, by: shift, fill: content)
        var mask = [Float](repeating: 0, count: width * height)
        for i in 0..<mask.count where valid[i] {
            let p = i * 3
            let d = max(abs(content[p] - warpedContent[p]), abs(content[p + 1] - warpedContent[p + 1]), abs(content[p + 2] - warpedContent[p + 2]))
            mask[i] = d <= threshold ? 1 : 0
        }
        return (TemporalTerm(previous: warpedOutput, mask: mask, weight: weight), warpedOutput, shift, difference)
    }

    /// The weighted cost and its gradient with respect to the pixels.
    public func loss(_ pixels: [Float]) -> (value: Double, gradient: [Float]) {
        let scale = weight / Double(mask.count)
        var sum = 0.0
        var gradient = [Float](repeating: 0, count: pixels.count)
        let g = Float(2 * scale)
        for i in 0..<mask.count where mask[i] > 0 {
            for c in 0..<3 {
                let p = i * 3 + c
                let d = pixels[p] - previous[p]
                sum += Double(mask[i] * d * d)
                gradient[p] = g * mask[i] * d
            }
        }
        return (scale * sum, gradient)
    }
}
