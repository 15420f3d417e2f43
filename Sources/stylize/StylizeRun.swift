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
        let checkpoints = try command.checkpoint.map {
            try CheckpointSession(path: $0, policy: try CheckpointPolicy(command.checkpointEvery), diagnostics: diagnostics)
        }
        let network = try command.networkOptions.loadNetwork(pooling: command.pooling,
                                                             backwardProducts: try command.backwardPrecision.resolved())
        if command.verbose {
            diagnostics.message("\(BLASKernel.current()); Winograd transforms: \(network.convolution.loops); "
                                + "backward products: \(network.convolution.backwardProducts)")
        }
        let stylizer = try Stylizer(network: network, options: options)
        let layers = options.styleLayers.map(\.name)
        let regions = try command.mask.map {
            try RegionSources(maskPath: $0, regions: try command.regionSpecs(), mode: command.guidance, styleScale: command.styleScale,
                              network: network, layers: layers, minimumSide: stylizer.minimumSide)
        }
        let styles = regions != nil ? nil
            : try StyleSources(styleImages: command.styleImages, gramFiles: command.gramFiles,
                               blend: try command.styleBlend.map(parseWeights), styleScale: command.styleScale,
                               network: network, layers: layers, minimumSide: stylizer.minimumSide)
        let goal: (Int) throws -> StyleGoal = { longest in
            if let regions { return try regions.goal(for: stylizer, workingLongest: longest) { diagnostics.message($0) } }
            return .whole(try styles!.target(for: stylizer, workingLongest: longest) { diagnostics.message($0) })
        }
        var frames = FrameSequence(stylizer: stylizer, options: streamOptions())
        try checkpoints?.adopt(identity: try checkpointIdentity(options: options, network: network))
        StandardStreams.announceTerminalInput("images", diagnostics: diagnostics)
        let reader = try NetpbmReader(fileDescriptor: 0, name: "stdin")
        let (size, colors) = (command.size, streamOptions().colors)
        let explicitBudget = command.memory.flatMap(MemorySize.parse)   // nil: the default share of what is available
        reader.admit = { width, height, depth in
            try MemoryEstimate.check(width: width, height: height, depth: depth, requestedSize: size, colors: colors, budget: explicitBudget)
            let working = Stylizer.workingSize(width: width, height: height, requested: size)
            AllocatorSettings.adopt(returningLargeBlocks: stylizer.memoryPlan(width: working.width, height: working.height).returnsLargeBlocks)
        }
        let writer = try NetpbmWriter(fileDescriptor: 1, name: "stdout")
        let progress = ProgressLine(diagnostics: diagnostics, every: command.progressEvery)
        var index = 0
        while let input = try next(reader, index: index) {
            index += 1
            let started = Date()
            let rgb = input.rgb()
            if let done = try checkpoints?.begin(index: index, input: rgb, frames: &frames) {
                try writer.write(Self.output(done, like: input))
                diagnostics.message("image \(index): finished before, written again from \(command.checkpoint ?? "")")
                continue
            }
            let frame: Frame
            var timeLeft = TimeLeft()
            var namedPlans = 0   // the stages whose plan --verbose has named (a resumed stage's too)
            do {
                defer { progress.clear() }
                try regions?.check(width: input.width, height: input.height, image: "the image")
                frame = try frames.next(rgb, goal: goal, checkpoint: checkpoints?.stylizerCheckpoint(index: index),
                                        progress: { report($0, index: index, styleLayers: options.styleLayers.map(\.name),
                                                           directory: options.historyDirectory, progress: progress, timeLeft: &timeLeft,
                                                           namedPlans: &namedPlans) })
                try checkpoints?.finish(output: frame.image, evaluations: frame.result.evaluations, frames: frames)
            } catch {
                throw CommandError.image(index, error)
            }
            let output = Self.output(frame.image, like: input)
            try writer.write(output)
            let sizes = "\(input.width)x\(input.height) in, \(frame.workingWidth)x\(frame.workingHeight) working, \(output.width)x\(output.height) out"
            let stages = frame.result.stages.map { "\($0.scale.formatted()):\($0.evaluations)" }.joined(separator: " + ")
            diagnostics.message("image \(index): \(sizes), evaluations \(stages) = \(frame.result.evaluations)\(note(frame)), "
                                + "J \(scientific(frame.result.initialCost)) -> \(scientific(frame.result.cost.total)) (written image), "
                                + String(format: "%.1f s", Date().timeIntervalSince(started)))
        }
        guard index > 0 else { throw CommandError.noImageOnStandardInput }
        checkpoints?.complete()
    }

    /// The options of the method, from the command line; an --init file is read now.
    func stylizeOptions() throws -> StylizeOptions {
        var options = StylizeOptions.defaults
        options.contentLayer = command.contentLayer
        options.styleLayers = try parseWeightedLayers(command.styleLayers)
        options.contentWeight = command.contentWeight
        options.styleWeight = command.styleWeight
        options.totalVariationWeight = command.tvWeight
        if let schedule = command.schedule {
            options.schedule = try Stage.parseSchedule(schedule)
        }
        if let iterations = command.iterations { options.setFinalEvaluations(iterations) }
        options.optimizer = command.optimizer
        options.learningRate = command.learningRate
        options.relativeTolerance = command.tolerance
        options.seed = command.seed
        options.initialization = try command.initialization.initialization()
        options.memoryBudget = command.memoryBudget
        options.historyDirectory = FileManager.default.temporaryDirectory.path
        return options
    }

    func streamOptions() -> StreamOptions {
        var options = StreamOptions.defaults
        options.size = command.size
        options.colors = command.preserveColors ? .luminance : command.colors
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

    /// `namedPlans`: the last stage whose plan was named; a stage's plan is named at its first evaluation
    /// reported, which for a stage resumed from a checkpoint is not its first.
    func report(_ p: StylizeProgress, index: Int, styleLayers: [String], directory: String, progress: ProgressLine,
                timeLeft: inout TimeLeft, namedPlans: inout Int) {
        if command.verbose, p.stage > namedPlans, let plan = p.plan {
            diagnostics.message("image \(index) stage \(p.stage)/\(p.stages) \(p.width)x\(p.height): \(plan.describe(directory: directory))")
            namedPlans = p.stage
        }
        if command.verbose {
            diagnostics.message("image \(index) stage \(p.stage)/\(p.stages) \(p.width)x\(p.height) evaluation \(p.evaluation)/\(p.evaluations): J \(scientific(p.cost))"
                                + (p.parts.map { " (" + Self.describe($0, layers: styleLayers) + ")" } ?? ""))
        }
        let line = ProgressReport(image: index, stage: p.stage, stages: p.stages, width: p.width, height: p.height,
                                  evaluation: p.evaluation, evaluations: p.evaluations, cost: p.cost,
                                  residentBytes: ResidentMemory.current(),
                                  secondsLeft: timeLeft.update(workLeft: p.workLeft, now: ProcessInfo.processInfo.systemUptime)).line
        progress.update(fraction: (Double(p.stage - 1) + Double(p.evaluation) / Double(max(1, p.evaluations))) / Double(p.stages),
                        label: line)
    }

    /// How the frame was made, for the message after it.
    func note(_ frame: Frame) -> String {
        switch frame.start {
        case .fresh: ""
        case .warm(let held): String(format: ", warm start from the previous image (--frame-iterations; flow, %.0f%% held)", held * 100)
        case .sceneCut(let change): String(format: ", scene cut (change %.0f levels): the full schedule", change)
        case .newSize: ", new size: new scene, the full schedule"
        case .flowFailed(let reason): ", no warm start (\(reason)): the full schedule"
        }
    }

    /// J's parts as --verbose prints them, unweighted as in J = alpha J_content + beta sum_l w_l J_style[l] + tv J_tv:
    /// "J_content 1.2e5, J_style 3.4e-2 (relu1_1 1e-2, ...), J_tv 5e3[, temporal 7e2]", where J_style is
    /// sum_l w_l J_style[l], the layers in the order of --style-layers, and the temporal term is weighted.
    static func describe(_ cost: Cost, layers: [String]) -> String {
        let perLayer = layers.compactMap { name in cost.styleLayers[name].map { "\(name) \(scientific($0))" } }
        var text = "J_content \(scientific(cost.content)), J_style \(scientific(cost.style)) (\(perLayer.joined(separator: ", "))), "
            + "J_tv \(scientific(cost.totalVariation))"
        if cost.temporal != 0 { text += ", temporal \(scientific(cost.temporal))" }
        return text
    }

    /// The output image in the input's kind (format, tuple type, maxval, plain): its alpha kept, and at
    /// another size (--size) resized with the picture (`NetpbmImage.resized`).
    static func output(_ image: RGBImage, like input: NetpbmImage) -> NetpbmImage {
        input.resized(toWidth: image.width, toHeight: image.height).replacingColor(with: image)
    }
}
