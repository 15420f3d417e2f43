/// How frame t of a stream starts and what holds it, by the method of Ruder, Dosovitskiy and Brox (2016):
/// the previous output moved along the optical flow between the input frames is the warm start, and the
/// temporal term holds the new output to it with per-pixel weights from the forward-backward consistency
/// check (FlowConsistency): 0 where the content is new (disocclusions) or the flow is unsure (motion
/// boundaries), so new content is painted fresh and old content is held where it moved.
public struct FlowWarmStart: Sendable {
    /// The temporal term: previous = the warped previous output, mask = the consistency weights.
    public var term: TemporalTerm
    /// The start: the warped previous output, except at disocclusions, which start from this frame's content
    /// (the warp there would drag in what covered them: the ghost trail of a moving object).
    public var start: [Float]
    /// Mean |content - previous content warped| (0...255) over all pixels and channels: the scene-cut measure.
    public var difference: Float
    /// The mean weight (0...1): the share of the frame held.
    public var held: Float

    /// All images interleaved RGB (0...255) of one size. Throws when the flow fails.
    public static func make(content: [Float], previousContent: [Float], previousOutput: [Float], width: Int, height: Int,
                            weight: Double, preset: FlowPreset) throws -> FlowWarmStart {
        let backward = try OpticalFlow.dis(from: content, to: previousContent, width: width, height: height, preset: preset)
        let forward = try OpticalFlow.dis(from: previousContent, to: content, width: width, height: height, preset: preset)
        let (weights, verdicts) = FlowConsistency.weights(backward: backward, forward: forward)
        let warpedOutput = FlowWarp.warp(previousOutput, by: backward)
        let warpedContent = FlowWarp.warp(previousContent, by: backward)
        var start = warpedOutput
        var sum = 0.0
        for i in 0..<width * height {
            for c in 0..<3 { sum += Double(abs(content[3 * i + c] - warpedContent[3 * i + c])) }
            if verdicts[i] == .disoccluded {
                for c in 0..<3 { start[3 * i + c] = content[3 * i + c] }
            }
        }
        let held = weights.reduce(0, +) / Float(max(1, weights.count))
        return FlowWarmStart(term: TemporalTerm(previous: warpedOutput, mask: weights, weight: weight), start: start,
                             difference: Float(sum / Double(max(1, 3 * width * height))), held: held)
    }
}
