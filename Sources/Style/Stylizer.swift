import Engine
import ImageIO

/// Where a stylization is: reported after every evaluation of J.
public struct StylizeProgress: Sendable {
    public var stage: Int
    public var stages: Int
    public var width: Int
    public var height: Int
    public var evaluation: Int
    public var evaluations: Int
    public var cost: Double
    /// J's parts at this evaluation (`cost` is their total).
    public var parts: Cost? = nil
    /// The work left in this run after this evaluation, in pixel-evaluations (evaluations times the pixels of
    /// their stage: an evaluation's time grows with its pixels), if every stage uses all it is given.
    public var workLeft: Double = 0
    /// How this stage runs within the memory budget (`MemoryPlan`); nil for Adam, whose objective follows the
    /// plan's tiles but which keeps no history and pages nothing (the plan's other half is L-BFGS's).
    public var plan: MemoryPlan? = nil
}

/// The outcome of a stylization at the working size.
public struct StylizeResult: Sendable {
    /// The image, in 0...255, each value rounded to an integer: what an 8-bit file will hold.
    public var image: RGBImage
    /// J of that written image (not of the floats the optimizer last saw).
    public var cost: Cost
    /// J of the content-initialized (or noise-initialized) start, at the working size.
    public var initialCost: Double
    public var evaluations: Int
    /// The stages that ran, each with the evaluations it made (a coarse stage too small for the network is
    /// skipped; a stage that converged made fewer than it was given).
    public var stages: [Stage] = []
}

/// Gatys et al.'s method, coarse to fine: for each stage of the schedule, resize the content (and the
/// previous stage's result) to that scale and minimize J with the chosen optimizer inside 0...255.
public final class Stylizer: Sendable {
    public let network: VGG
    public let options: StylizeOptions

    public init(network: VGG, options: StylizeOptions) throws {
        for layer in options.allLayers { _ = try network.index(of: layer) }
        self.network = network
        self.options = options
    }

    /// The smallest side an image may have for these layers (16 px for relu5_1 in VGG).
    public var minimumSide: Int { (try? network.minimumInputSide(for: options.allLayers)) ?? 1 }

    /// The working size for an input: `requested` as the longest side, or the input's size capped at 512.
    public static func workingSize(width: Int, height: Int, requested: Int?) -> (width: Int, height: Int) {
        let longest = requested ?? min(512, max(width, height))
        return Resample.fit(width: width, height: height, longest: longest)
    }

    /// The style's Grams, from a style image scaled so that its longest side is `longest`, in tiles when the
    /// memory plan for an image of that size is tiled (the forward pass alone is most of its memory).
    public func styleTarget(image: RGBImage, longest: Int, name: String) throws -> StyleTarget {
        let size = Resample.fit(width: image.width, height: image.height, longest: longest)
        return try styleTarget(image: image, longest: longest, name: name, tileSize: memoryPlan(width: size.width, height: size.height).tileSize)
    }

    /// As above, in tiles of `tileSize` px (nil: untiled).
    public func styleTarget(image: RGBImage, longest: Int, name: String, tileSize: Int?) throws -> StyleTarget {
        let size = Resample.fit(width: image.width, height: image.height, longest: longest)
        guard min(size.width, size.height) >= minimumSide else {
            throw StyleError.imageTooSmall(name: name, width: size.width, height: size.height, minimum: minimumSide, atScale: true)
        }
        let pixels = Resample.resize(image.pixels, width: image.width, height: image.height,
                                     toWidth: size.width, toHeight: size.height)
        let layers = options.styleLayers.map(\.name)
        var target = try tileSize.map {
            try StyleTarget(network: network, pixels: pixels, width: size.width, height: size.height, layers: layers, tileSize: $0)
        } ?? StyleTarget(network: network, pixels: pixels, width: size.width, height: size.height, layers: layers)
        target.palette = StyleTarget.paletteSample(pixels)
        return target
    }

    /// The guided Grams (`GuidedGram`) of a region of a style image (`gram --mask`): the image scaled as
    /// `styleTarget`, `guide` (one weight per pixel of the image, 0...1) sampled to it (nearest) and carried to
    /// each layer by `mode`. A region with no unit at some layer is refused.
    public func styleTarget(image: RGBImage, longest: Int, name: String, guide: [Float], mode: GuidanceMode) throws -> StyleTarget {
        let size = Resample.fit(width: image.width, height: image.height, longest: longest)
        guard min(size.width, size.height) >= minimumSide else {
            throw StyleError.imageTooSmall(name: name, width: size.width, height: size.height, minimum: minimumSide, atScale: true)
        }
        let pixels = Resample.resize(image.pixels, width: image.width, height: image.height,
                                     toWidth: size.width, toHeight: size.height)
        let layers = options.styleLayers.map(\.name)
        let sampled = LabelMask.nearest(guide, width: image.width, height: image.height, toWidth: size.width, toHeight: size.height)
        let guides = try Guidance.propagate(sampled, width: size.width, height: size.height, network: network, layers: layers, mode: mode)
        let x = network.input.networkInput(pixels: pixels, width: size.width, height: size.height)
        let result = try network.forward(x, taps: layers, keepForBackward: false)
        var grams: [String: [Float]] = [:]
        for layer in layers {
            guard GuidedGram.weight(guides[layer]!) > 0 else {
                throw StyleError.emptyRegion(color: "of \(name)", layer: layer, width: size.width, height: size.height, mode: mode)
            }
            grams[layer] = GuidedGram.matrix(result.taps[layer]!, guide: guides[layer]!)
        }
        let selected = (0..<(size.width * size.height)).filter { sampled[$0] >= 0.5 }
        return StyleTarget(grams: grams, palette: selected.flatMap { pixels[(3 * $0)..<(3 * $0 + 3)] })
    }

    /// Refuses a working size too small for the deepest layer used.
    public func checkSize(width: Int, height: Int) throws {
        guard min(width, height) >= minimumSide else {
            throw StyleError.imageTooSmall(name: nil, width: width, height: height, minimum: minimumSide, atScale: false)
        }
    }

    /// Stylizes `content` (already at the working size) toward `style`.
    ///
    /// For a frame of a stream, `start` (the previous output moved by the motion), `temporal` and a
    /// one-stage `schedule` warm-start it instead of the coarse-to-fine run from the content.
    /// `checkpoint` resumes from a saved state and is given the state after every optimizer step.
    public func run(content: RGBImage, style: StyleTarget, start: RGBImage? = nil, temporal: TemporalTerm? = nil,
                    schedule: [Stage]? = nil, checkpoint: StylizerCheckpoint? = nil,
                    progress: (StylizeProgress) -> Void = { _ in }) throws -> StylizeResult {
        try run(content: content, goal: .whole(style), start: start, temporal: temporal, schedule: schedule,
                checkpoint: checkpoint, progress: progress)
    }

    /// Stylizes `content` toward `goal`: one style over the whole image, or one per region of a label map.
    /// With regions, a coarse stage at which a styled region has no unit at some layer is skipped (as one too
    /// small for the network); at full size that is an error (`StyleError.emptyRegion`).
    public func run(content: RGBImage, goal: StyleGoal, start: RGBImage? = nil, temporal: TemporalTerm? = nil,
                    schedule: [Stage]? = nil, checkpoint: StylizerCheckpoint? = nil,
                    progress: (StylizeProgress) -> Void = { _ in }) throws -> StylizeResult {
        try checkSize(width: content.width, height: content.height)
        // Each stage with its size; coarse stages too small for the network (or for a region) are skipped.
        let stages: [(stage: Stage, size: (width: Int, height: Int))] = try (schedule ?? options.schedule(longest: max(content.width, content.height))).map { stage -> (stage: Stage, size: (width: Int, height: Int)) in
            let size = stage.scale == 1 ? (width: content.width, height: content.height)
                : Resample.fit(width: content.width, height: content.height,
                               longest: Int((Double(max(content.width, content.height)) * stage.scale).rounded()))
            return (stage, size)
        }.filter { stage, size in
            if stage.scale == 1 {
                _ = try guidedRegions(goal, width: size.width, height: size.height)
                return true
            }
            guard min(size.width, size.height) >= minimumSide else { return false }
            return (try? guidedRegions(goal, width: size.width, height: size.height)) != nil
        }
        let first = start ?? startImage(for: content)
        let resume = checkpoint?.resume
        try resume?.check(stages: stages.map(\.size))
        var current = resume?.previousResult ?? first
        var evaluations = resume?.evaluations ?? 0
        var ran: [Stage] = resume?.ran ?? []
        var fullSize: (any Objective)? = nil
        let work = stages.map { Double($0.size.width * $0.size.height * $0.stage.evaluations) }
        for (index, (stage, size)) in stages.enumerated() {
            if let resume, index < resume.stage { continue }
            // What the heap kept from the style's Grams and the previous stage goes back before this stage's
            // vectors are made (`AllocatorSettings.releaseFreedMemory`).
            AllocatorSettings.releaseFreedMemory()
            let target = Resample.resize(content.pixels, width: content.width, height: content.height,
                                         toWidth: size.width, toHeight: size.height)
            // Handed to the optimizer (consumed): an image-sized vector the caller does not keep for the stage.
            let start = index == 0 ? Resample.resize(current.pixels, width: current.width, height: current.height,
                                                     toWidth: size.width, toHeight: size.height)
                : Self.upsample(current, addingDetailOf: target, width: size.width, height: size.height)
            let plan = memoryPlan(width: size.width, height: size.height)
            let objective = try makeObjective(content: target, width: size.width, height: size.height, goal: goal,
                                              temporal: stage.scale == 1 ? temporal : nil, tileSize: plan.tileSize,
                                              paged: plan.pagedHistory, keepForwardPasses: plan.keptForwardPasses)
            if stage.scale == 1 { fullSize = objective }
            // The optimizers report right after each evaluation, so the parts kept here are those of `value`.
            var parts: Cost? = nil
            let lbfgs = options.optimizer == .lbfgs
            let report: ProgressHandler = { evaluation, value in
                progress(StylizeProgress(stage: index + 1, stages: stages.count, width: size.width, height: size.height,
                                         evaluation: evaluation, evaluations: stage.evaluations, cost: value,
                                         parts: parts?.total == value ? parts : nil,
                                         workLeft: work[(index + 1)...].reduce(0, +)
                                            + Double(size.width * size.height * max(0, stage.evaluations - evaluation)),
                                         plan: lbfgs ? plan : nil))
            }
            let resumed = index == resume?.stage ? resume?.optimizer : nil
            let due = { (stageEvaluations: Int) in checkpoint?.due(evaluations + stageEvaluations) ?? false }
            let save = { (state: OptimizerState) throws in
                try checkpoint?.save(StylizerState(stage: index, evaluations: evaluations, ran: ran,
                                                   previousResult: index == 0 ? nil : current, optimizer: state))
            }
            let cost: CostFunction = { pixels in
                let (c, g) = try objective.evaluate(pixels)
                parts = c
                return (c.total, g)
            }
            // L-BFGS lends its own vectors: a tiled objective reads and writes them a crop at a time.
            let evaluate: BufferCostFunction = { pixels, gradient, paging in
                let c = try objective.evaluate(pixels, gradient: gradient, paging: paging)
                parts = c
                return c.total
            }
            let result: OptimizationResult
            if stage.evaluations == 0 {
                result = OptimizationResult(solution: Bounds.pixels.clamp(consume start), value: .nan, evaluations: 0, reason: .noEvaluations)
            } else {
                switch options.optimizer {
                case .lbfgs:
                    result = try BoundedLBFGS(memory: plan.history, relativeTolerance: options.relativeTolerance,
                                              historyStorage: plan.pagedHistory ? .file(directory: options.historyDirectory) : .memory,
                                              vectorStorage: plan.pagedVectors ? .file(directory: options.historyDirectory) : .memory)
                        .minimize(from: consume start, maxEvaluations: stage.evaluations, evaluate: evaluate, progress: report,
                                  resume: resumed?.lbfgs, checkpointDue: due, checkpoint: { try save(.lbfgs($0)) })
                case .adam:
                    result = try Adam(learningRate: options.learningRate)
                        .minimize(from: consume start, maxEvaluations: stage.evaluations, cost: cost, progress: report,
                                  resume: resumed?.adam, checkpoint: { if due($0.step) { try save(.adam($0)) } })
                }
            }
            evaluations += result.evaluations
            ran.append(Stage(scale: stage.scale, evaluations: result.evaluations))
            current = RGBImage(width: size.width, height: size.height, pixels: result.solution)
        }
        // Rounded in place: the last result's vector becomes the written image (no second image-sized copy).
        var pixels = current.pixels
        current = RGBImage(width: 0, height: 0, pixels: [])
        for i in pixels.indices { pixels[i] = min(max(pixels[i].rounded(), 0), 255) }
        let written = RGBImage(width: content.width, height: content.height, pixels: pixels)
        // J at the working size, for the report: the last stage's objective when it ran at full size.
        let objective = try fullSize ?? makeObjective(content: content.pixels, width: content.width, height: content.height,
                                                      goal: goal, temporal: temporal,
                                                      tileSize: memoryPlan(width: content.width, height: content.height).tileSize)
        let inside = first.pixels.allSatisfy { (0...255).contains($0) }   // the content always is: no copy then
        let initial = try objective.cost(inside ? first.pixels : Bounds.pixels.clamp(first.pixels)).total
        return StylizeResult(image: written, cost: try objective.cost(written.pixels),
                             initialCost: initial, evaluations: evaluations, stages: ran)
    }

    /// The next stage's start: the previous stage's result upsampled, plus the detail that the content has at
    /// this size and not at the previous one (the content minus its own down- and upsampled copy).
    /// Departure from Gatys et al. (README, "The method"): the paper optimizes at one size.
    ///
    /// Upsampled alone, the result is blurred, and the shallow layers' style terms punish blur: measured at
    /// 512 px (astronaut, starry night), J rose from 5.1e6 at 256 px to 8.4e8 after upsampling; with the
    /// content's detail added it rose to 4.6e8, and after 60 more evaluations J was 13% lower.
    ///
    /// Resizing is linear, so up(previous) + content - up(down(content)) is made as up(previous - down(content))
    /// + content: one image-sized array at this size instead of two (at 8192 px, 805 MB less at the stage's
    /// start). The same up to float32 rounding (a few units in the last place of 255).
    static func upsample(_ previous: RGBImage, addingDetailOf content: [Float], width: Int, height: Int) -> [Float] {
        var difference = Resample.resize(content, width: width, height: height, toWidth: previous.width, toHeight: previous.height)
        for i in difference.indices { difference[i] = previous.pixels[i] - difference[i] }
        var start = Resample.resize(difference, width: previous.width, height: previous.height, toWidth: width, toHeight: height)
        difference = []
        for i in start.indices { start[i] += content[i] }
        return start
    }

    /// J at one size: these options' layers, and their weights or the defaults for that size.
    public func makeObjective(content: [Float], width: Int, height: Int, style: StyleTarget,
                              temporal: TemporalTerm? = nil) throws -> StyleObjective {
        try makeObjective(content: content, width: width, height: height, goal: .whole(style), temporal: temporal)
    }

    public func makeObjective(content: [Float], width: Int, height: Int, goal: StyleGoal,
                              temporal: TemporalTerm? = nil) throws -> StyleObjective {
        let style: StyleTarget
        if case .whole(let target) = goal { style = target } else { style = StyleTarget(grams: [:]) }
        return try StyleObjective(network: network, content: content, width: width, height: height,
                                  contentLayer: options.contentLayer, styleLayers: options.styleLayers, style: style,
                                  regions: try guidedRegions(goal, width: width, height: height),
                                  weights: try DefaultWeights.resolve(options, network: network, width: width, height: height),
                                  temporal: temporal)
    }

    /// The guided terms of a regional goal at one size; none for a whole-image goal.
    func guidedRegions(_ goal: StyleGoal, width: Int, height: Int) throws -> [GuidedRegion] {
        guard case .regions(let regional) = goal else { return [] }
        return try regional.guided(network: network, layers: options.styleLayers.map(\.name), width: width, height: height)
    }

    /// J at one size in tiles of `tileSize` px (`TiledObjective`), or untiled when nil.
    public func makeObjective(content: [Float], width: Int, height: Int, style: StyleTarget,
                              temporal: TemporalTerm? = nil, tileSize: Int?) throws -> any Objective {
        try makeObjective(content: content, width: width, height: height, goal: .whole(style), temporal: temporal, tileSize: tileSize)
    }

    /// As above, toward `goal`. Regions are not tiled: the guided terms need each region's guidance over the
    /// whole layer, which `TiledObjective` does not carry, so a regional goal is always evaluated untiled.
    /// `paged`: the tiles' content targets are paged to a file in `options.historyDirectory` (as the plan's
    /// history is when it says so: `MemoryPlan.pagedHistory`); `keepForwardPasses`: every crop's forward state
    /// kept for pass 2 (`MemoryPlan.keptForwardPasses`).
    public func makeObjective(content: [Float], width: Int, height: Int, goal: StyleGoal, temporal: TemporalTerm? = nil,
                              tileSize: Int?, paged: Bool = false, keepForwardPasses: Bool = false) throws -> any Objective {
        guard let tileSize, case .whole(let style) = goal else {
            return try makeObjective(content: content, width: width, height: height, goal: goal, temporal: temporal)
        }
        return try TiledObjective(network: network, content: content, width: width, height: height,
                                  contentLayer: options.contentLayer, styleLayers: options.styleLayers, style: style,
                                  weights: try DefaultWeights.resolve(options, network: network, width: width, height: height),
                                  temporal: temporal, tileSize: tileSize,
                                  contentTargetStorage: paged ? .file(directory: options.historyDirectory) : .memory,
                                  keepForwardPasses: keepForwardPasses)
    }

    /// How a stage of this size runs within `options.memoryBudget` (`MemoryPlan`); untiled with 20 history
    /// pairs without a budget, or when nothing fits (the run was admitted by `MemoryEstimate.check`, which
    /// refuses what cannot fit).
    public func memoryPlan(width: Int, height: Int) -> MemoryPlan {
        let (w, h) = (Double(width), Double(height))
        // The input held meanwhile, taken at this size in RGB (the stage does not know the input's).
        let budget = options.memoryBudget.map { $0 - Double(MemoryEstimate.fixedBytes) - MemoryEstimate.heldInputBytes(pixels: w * h, depth: 3) }
        let disk = MemoryPlan.freeDiskBytes(at: options.historyDirectory) ?? 0
        return MemoryPlan.choose(width: w, height: h, budget: budget, diskBytes: disk) ?? MemoryPlan.choose(width: w, height: h, budget: nil)!
    }

    func startImage(for content: RGBImage) -> RGBImage {
        switch options.initialization {
        case .content:
            return content
        case .noise:
            var rng = SplitMix64(seed: options.seed)
            return RGBImage(width: content.width, height: content.height,
                            pixels: (0..<content.pixels.count).map { _ in Float.random(in: 0...255, using: &rng) })
        case .image(let image):
            return RGBImage(width: content.width, height: content.height,
                            pixels: Resample.resize(image.pixels, width: image.width, height: image.height,
                                                    toWidth: content.width, toHeight: content.height))
        }
    }
}
