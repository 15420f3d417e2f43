import ImageIO

/// How the frames of a stream are made, with the defaults the commands show.
public struct StreamOptions: Sendable, Equatable {
    /// Working size (longest side, px), which is then the output size too; nil: the input's size, optimized
    /// at 512 px at most (`Stylizer.workingSize`).
    public var size: Int? = nil
    /// Whose colours the result has (`ColorChoice`); `.luminance` is `--preserve-colors`.
    public var colors = ColorChoice.default
    /// w of `TemporalTerm` for frames after the first; 0: warm start without the term.
    public var temporalWeight: Double = 2e4
    /// Evaluations of J for each warm-started frame (one stage at full size instead of the schedule).
    public var frameEvaluations = 30
    /// A mean change above this many levels (0..255, after motion compensation) is a scene cut: the frame
    /// restarts from the content with the full schedule.
    public var sceneCut: Float = 25
    /// Stylize every frame on its own: no warm start, no temporal term.
    public var independentFrames = false
    /// How much work the optical flow (DIS) spends.
    public var flow = FlowPreset.medium

    public init() {}
    public static let defaults = StreamOptions()
}

/// How a frame of a stream started.
public enum FrameStart: Sendable, Equatable {
    /// From the start the options choose (the content, noise or an image), with the full schedule: the first
    /// frame and every frame with `independentFrames`.
    case fresh
    /// From the previous output moved along the optical flow, held by the temporal term with the consistency
    /// weights (`held`: their mean, 0...1), for `frameEvaluations` evaluations (`FlowWarmStart`).
    case warm(held: Float)
    /// A scene cut: the content changed by `change` levels on average after the warp; fresh start.
    case sceneCut(change: Float)
    /// The working size differs from the previous frame's: a new scene, fresh start.
    case newSize
    /// The optical flow failed (`reason`): fresh start for this frame.
    case flowFailed(reason: String)
}

/// One stylized frame.
public struct Frame: Sendable {
    /// The output, at the output size (the input's size, or `StreamOptions.size`), colors preserved if asked.
    public var image: RGBImage
    /// The stylization at the working size (J of the written image, evaluations).
    public var result: StylizeResult
    public var start: FrameStart
    /// The size the frame was optimized at.
    public var workingWidth: Int
    public var workingHeight: Int
}

/// The stream method: the frames of a stream (video frames, or unrelated images back to back), each
/// stylized in turn, by the method of Ruder, Dosovitskiy and Brox (2016): frame t > 1 of the same working
/// size starts from the output of frame t-1 moved along the optical flow between the two input frames, and
/// J gets the temporal term (`TemporalTerm`) that holds it there with the per-pixel weights of the
/// forward-backward consistency check (`FlowWarmStart`); it gets `frameEvaluations` evaluations instead of
/// the schedule. A mean change above `sceneCut` after the warp, a new working size or a failed flow restarts it.
///
/// It keeps the previous frame's content and output (at the working size) between calls: one value per
/// stream, used from one thread.
public struct FrameSequence {
    public let stylizer: Stylizer
    public let options: StreamOptions
    /// The previous frame's content and output at the working size: what the next frame is warm-started from
    /// (set by `next`; a checkpoint saves and restores it).
    public var previous: (content: RGBImage, output: RGBImage)? = nil

    public init(stylizer: Stylizer, options: StreamOptions = .defaults) {
        self.stylizer = stylizer
        self.options = options
    }

    /// Stylizes the next frame of the stream. `style` gives the style target for a working size (its
    /// longest side), so that a style image is scaled with the content.
    /// `checkpoint` resumes the frame from a saved state and is given its state after every optimizer step.
    public mutating func next(_ original: RGBImage, style: (_ workingLongest: Int) throws -> StyleTarget,
                              checkpoint: StylizerCheckpoint? = nil,
                              progress: (StylizeProgress) -> Void = { _ in }) throws -> Frame {
        try next(original, goal: { .whole(try style($0)) }, checkpoint: checkpoint, progress: progress)
    }

    /// As `next(_:style:progress:)`, toward a style per region of a label map or one for the whole image.
    public mutating func next(_ original: RGBImage, goal: (_ workingLongest: Int) throws -> StyleGoal,
                              checkpoint: StylizerCheckpoint? = nil,
                              progress: (StylizeProgress) -> Void = { _ in }) throws -> Frame {
        let working = Stylizer.workingSize(width: original.width, height: original.height, requested: options.size)
        try stylizer.checkSize(width: working.width, height: working.height)
        var content = RGBImage(width: working.width, height: working.height,
                               pixels: Resample.resize(original.pixels, width: original.width, height: original.height,
                                                       toWidth: working.width, toHeight: working.height))
        let target = try goal(max(working.width, working.height))
        if options.colors == .histogram {
            content.pixels = try ColorTransfer.before(content.pixels, width: working.width, height: working.height, goal: target)
        }
        var start: RGBImage? = nil, temporal: TemporalTerm? = nil, schedule: [Stage]? = nil
        var how = FrameStart.fresh
        if let previous, !options.independentFrames {
            if (previous.content.width, previous.content.height) != (content.width, content.height) {
                how = .newSize
            } else {
                do {
                    let made = try FlowWarmStart.make(content: content.pixels, previousContent: previous.content.pixels,
                                                      previousOutput: previous.output.pixels, width: content.width,
                                                      height: content.height, weight: options.temporalWeight, preset: options.flow)
                    if made.difference <= options.sceneCut {
                        start = RGBImage(width: content.width, height: content.height, pixels: made.start)
                        temporal = options.temporalWeight > 0 ? made.term : nil
                        schedule = [Stage(scale: 1, evaluations: options.frameEvaluations)]
                        how = .warm(held: made.held)
                    } else {
                        how = .sceneCut(change: made.difference)
                    }
                } catch {
                    how = .flowFailed(reason: "\(error)")
                }
            }
        }
        let result = try stylizer.run(content: content, goal: target, start: start, temporal: temporal,
                                      schedule: schedule, checkpoint: checkpoint, progress: progress)
        previous = (content, result.image)

        let (outWidth, outHeight) = options.size == nil ? (original.width, original.height) : (working.width, working.height)
        var pixels = Resample.resize(result.image.pixels, width: working.width, height: working.height,
                                     toWidth: outWidth, toHeight: outHeight)
        if options.colors == .luminance || options.colors == .content {
            let reference = Resample.resize(original.pixels, width: original.width, height: original.height,
                                            toWidth: outWidth, toHeight: outHeight)
            pixels = options.colors == .luminance ? ColorPreservation.apply(stylized: pixels, content: reference)
                : ColorTransfer.after(pixels, content: reference, width: outWidth, height: outHeight, goal: target)
        }
        return Frame(image: RGBImage(width: outWidth, height: outHeight, pixels: pixels), result: result, start: how,
                     workingWidth: working.width, workingHeight: working.height)
    }
}
