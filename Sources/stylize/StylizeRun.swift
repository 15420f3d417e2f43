import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// One invocation, as netpbm's pamcut: set up from the options, then one loop over the images of standard
/// input, one call per image, each written and flushed before the next is read. The stream method (warm
/// start, temporal term, scene cuts) is `FrameSequence`'s.
struct StylizeRun {
    let command: StylizeCommand
    let diagnostics: Diagnostics

    func run() throws {
        let options = try stylizeOptions()
        let network = try command.networkOptions.loadNetwork(pooling: command.pooling)
        let stylizer = try Stylizer(network: network, options: options)
        let styles = try StyleSources(styleImages: command.styleImages, gramFiles: command.gramFiles,
                                      blend: try command.styleBlend.map(parseWeights), styleScale: command.styleScale,
                                      network: network, layers: options.styleLayers.map(\.name), minimumSide: stylizer.minimumSide)
        var frames = FrameSequence(stylizer: stylizer, options: streamOptions())
        StandardStreams.announceTerminalInput("images", diagnostics: diagnostics)
        let reader = try NetpbmReader(fileDescriptor: 0, name: "stdin")
        let size = command.size
        reader.admit = { width, height, depth in
            try MemoryEstimate.check(width: width, height: height, depth: depth, requestedSize: size)
        }
        let writer = try NetpbmWriter(fileDescriptor: 1, name: "stdout")
        let progress = ProgressLine(diagnostics: diagnostics)
        var index = 0
        while let input = try next(reader, index: index) {
            index += 1
            let started = Date()
            let frame: Frame
            do {
                defer { progress.clear() }
                frame = try frames.next(input.rgb(), style: { try styles.target(for: stylizer, workingLongest: $0) },
                                        progress: { report($0, index: index, progress: progress) })
            } catch {
                throw CommandError.image(index, error)
            }
            try writer.write(Self.output(frame.image, like: input))
            diagnostics.message("image \(index): \(input.width)x\(input.height)\(note(frame, input)), \(frame.result.evaluations) evaluations, "
                                + "J \(scientific(frame.result.initialCost)) -> \(scientific(frame.result.cost.total)) (written image), "
                                + String(format: "%.1f s", Date().timeIntervalSince(started)))
        }
        guard index > 0 else { throw CommandError.noImageOnStandardInput }
    }

    /// The options of the method, from the command line; an --init file is read now.
    func stylizeOptions() throws -> StylizeOptions {
        var options = StylizeOptions.defaults
        options.contentLayer = command.contentLayer
        options.styleLayers = try parseWeightedLayers(command.styleLayers)
        options.contentWeight = command.contentWeight
        options.styleWeight = command.styleWeight
        options.totalVariationWeight = command.tvWeight
        options.schedule = try Stage.parseSchedule(command.schedule)
        if let iterations = command.iterations { options.setFinalEvaluations(iterations) }
        options.optimizer = command.optimizer
        options.learningRate = command.learningRate
        options.relativeTolerance = command.tolerance
        options.seed = command.seed
        options.initialization = try command.initialization.initialization()
        return options
    }

    func streamOptions() -> StreamOptions {
        var options = StreamOptions.defaults
        options.size = command.size
        options.preserveColors = command.preserveColors
        options.temporalWeight = command.temporalWeight
        options.frameEvaluations = command.frameIterations
        options.sceneCut = command.sceneCut
        options.flow = command.flow
        options.independentFrames = command.independentFrames
        return options
    }

    /// The next image of standard input; an error after the first image names the image.
    func next(_ reader: NetpbmReader, index: Int) throws -> NetpbmImage? {
        do {
            return try reader.next()
        } catch {
            throw index == 0 ? error : CommandError.image(index + 1, error)
        }
    }

    func report(_ p: StylizeProgress, index: Int, progress: ProgressLine) {
        if command.verbose {
            diagnostics.message("image \(index) stage \(p.stage)/\(p.stages) \(p.width)x\(p.height) evaluation \(p.evaluation)/\(p.evaluations): J \(scientific(p.cost))")
        }
        progress.update(fraction: (Double(p.stage - 1) + Double(p.evaluation) / Double(max(1, p.evaluations))) / Double(p.stages),
                        label: "image \(index), stage \(p.stage)/\(p.stages), J \(scientific(p.cost))")
    }

    /// How the frame was made, for the message after it.
    func note(_ frame: Frame, _ input: NetpbmImage) -> String {
        var note = command.size == nil && (frame.workingWidth, frame.workingHeight) != (input.width, input.height)
            ? " at \(frame.workingWidth)x\(frame.workingHeight)" : ""
        switch frame.start {
        case .fresh: break
        case .warm(let held): note += String(format: ", warm start (flow, %.0f%% held)", held * 100)
        case .sceneCut(let change): note += String(format: ", scene cut (change %.0f levels)", change)
        case .newSize: note += ", new size: new scene"
        case .flowFailed(let reason): note += ", no warm start (\(reason))"
        }
        return note
    }

    /// The output image in the input's kind (format, tuple type, maxval, plain): its alpha kept, and at
    /// another size (--size) resized with the picture (`NetpbmImage.resized`).
    static func output(_ image: RGBImage, like input: NetpbmImage) -> NetpbmImage {
        input.resized(toWidth: image.width, toHeight: image.height).replacingColor(with: image)
    }
}
