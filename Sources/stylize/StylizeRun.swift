import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// One invocation: loads the network and styles, then stylizes every image of standard input in turn,
/// writing and flushing each before reading the next.
struct StylizeRun {
    let command: StylizeCommand
    let diagnostics: Diagnostics

    func options() throws -> StylizeOptions {
        var options = StylizeOptions()
        options.contentLayer = command.contentLayer
        options.styleLayers = try parseWeightedLayers(command.styleLayers)
        options.contentWeight = command.contentWeight
        options.styleWeight = command.styleWeight
        options.totalVariationWeight = command.tvWeight
        options.schedule = try Stage.parseSchedule(command.schedule)
        if let iterations = command.iterations { options.setFinalEvaluations(iterations) }
        options.optimizer = OptimizerKind(rawValue: command.optimizer)!
        options.learningRate = command.learningRate
        options.relativeTolerance = command.tolerance
        options.seed = command.seed
        switch command.initialization {
        case "content": options.initialization = .content
        case "noise": options.initialization = .noise
        case let path:
            guard let image = try NetpbmReader(path: path).next() else { throw CommandError.noImageInFile(path) }
            options.initialization = .image(image.rgb())
        }
        return options
    }

    func run() throws {
        let options = try options()
        let network = try command.networkOptions.loadNetwork(pooling: PoolingKind(rawValue: command.pooling)!)
        let stylizer = try Stylizer(network: network, options: options)
        let styles = try StyleSources(styleImages: command.styleImages, gramFiles: command.gramFiles,
                                      blend: try command.styleBlend.map(parseWeights), styleScale: command.styleScale,
                                      network: network, layers: options.styleLayers.map(\.name), minimumSide: stylizer.minimumSide)
        let reader = try NetpbmReader(fileDescriptor: 0, name: "stdin")
        let writer = try NetpbmWriter(fileDescriptor: 1, name: "stdout")
        let progress = ProgressLine(diagnostics: diagnostics)
        var previous: PreviousFrame? = nil
        var index = 0
        while true {
            let input: NetpbmImage
            do {
                guard let next = try reader.next() else { break }
                input = next
            } catch {
                throw index == 0 ? error : CommandError.image(index + 1, error)
            }
            index += 1
            let started = Date()
            let output: NetpbmImage
            let result: StylizeResult
            do {
                (output, result, previous) = try stylize(input, stylizer: stylizer, styles: styles, progress: progress,
                                                         index: index, previous: previous)
            } catch {
                progress.clear()
                throw CommandError.image(index, error)
            }
            progress.clear()
            try writer.write(output)
            diagnostics.message("image \(index): \(input.width)x\(input.height)\(previous?.note ?? ""), \(result.evaluations) evaluations, "
                                + "J \(scientific(result.initialCost)) -> \(scientific(result.cost.total)) (written image), "
                                + String(format: "%.1f s", Date().timeIntervalSince(started)))
        }
        guard index > 0 else { throw CommandError.noImageOnStandardInput }
    }

    func stylize(_ input: NetpbmImage, stylizer: Stylizer, styles: StyleSources, progress: ProgressLine,
                 index: Int, previous: PreviousFrame?) throws -> (NetpbmImage, StylizeResult, PreviousFrame) {
        let original = input.rgb()
        let working = Stylizer.workingSize(width: original.width, height: original.height, requested: command.size)
        try stylizer.checkSize(width: working.width, height: working.height)
        let content = RGBImage(width: working.width, height: working.height,
                               pixels: Resample.resize(original.pixels, width: original.width, height: original.height,
                                                       toWidth: working.width, toHeight: working.height))
        let style = try styles.target(for: stylizer, workingLongest: max(working.width, working.height))
        var start: RGBImage? = nil, temporal: TemporalTerm? = nil, schedule: [Stage]? = nil
        var note = command.size == nil && (working.width, working.height) != (original.width, original.height)
            ? " at \(working.width)x\(working.height)" : ""
        if let previous, !command.independentFrames, previous.content.width == content.width, previous.content.height == content.height {
            let made = TemporalTerm.make(content: content.pixels, previousContent: previous.content.pixels,
                                         previousOutput: previous.output.pixels, width: content.width, height: content.height,
                                         weight: command.temporalWeight)
            if made.difference <= command.sceneCut {
                start = RGBImage(width: content.width, height: content.height, pixels: made.warped)
                temporal = command.temporalWeight > 0 ? made.term : nil
                schedule = [Stage(scale: 1, evaluations: command.frameIterations)]
                let held = made.term.mask.reduce(0, +) / Float(made.term.mask.count)
                note += String(format: ", warm start (shift %d,%d, %.0f%% held)", made.shift.dx, made.shift.dy, held * 100)
            } else {
                note += String(format: ", scene cut (change %.0f levels)", made.difference)
            }
        }
        let result = try stylizer.run(content: content, style: style, start: start, temporal: temporal, schedule: schedule) { p in
            if command.verbose {
                diagnostics.message("image \(index) stage \(p.stage)/\(p.stages) \(p.width)x\(p.height) evaluation \(p.evaluation)/\(p.evaluations): J \(scientific(p.cost))")
            }
            progress.update(fraction: (Double(p.stage - 1) + Double(p.evaluation) / Double(max(1, p.evaluations))) / Double(p.stages),
                            label: "image \(index), stage \(p.stage)/\(p.stages), J \(scientific(p.cost))")
        }
        var pixels = result.image.pixels
        let (outWidth, outHeight) = command.size == nil ? (original.width, original.height) : (working.width, working.height)
        pixels = Resample.resize(pixels, width: working.width, height: working.height, toWidth: outWidth, toHeight: outHeight)
        if command.preserveColors {
            let reference = Resample.resize(original.pixels, width: original.width, height: original.height,
                                            toWidth: outWidth, toHeight: outHeight)
            pixels = ColorPreservation.apply(stylized: pixels, content: reference)
        }
        let image = RGBImage(width: outWidth, height: outHeight, pixels: pixels)
        let frame = PreviousFrame(content: content, output: result.image, note: note)
        if outWidth == input.width && outHeight == input.height {
            return (input.replacingColor(with: image), result, frame)
        }
        // Resized output: a new image of the input's kind without the (now mis-sized) alpha.
        var resized = NetpbmImage(rgb: image, maxval: input.paintingMaxval)
        if input.format == .pam {
            resized.format = .pam
            resized.tupleType = "RGB"
        }
        resized.plain = input.plain
        return (resized, result, frame)
    }
}

/// What the next frame of a stream starts from: this frame's content and output at the working size.
struct PreviousFrame {
    var content: RGBImage
    var output: RGBImage
    /// How this frame was made, for the message after it.
    var note: String
}
