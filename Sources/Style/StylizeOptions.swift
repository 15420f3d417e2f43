import Foundation
import Engine
import ImageIO

/// One stage of the coarse-to-fine schedule: optimize at `scale` times the working size for at most
/// `evaluations` evaluations of J, then upsample the result as the next stage's start.
public struct Stage: Sendable, Equatable {
    public var scale: Double
    public var evaluations: Int
    public init(scale: Double, evaluations: Int) {
        self.scale = scale
        self.evaluations = evaluations
    }

    /// Parses "0.5:150,1:200" (scale:evaluations, coarse to fine).
    public static func parseSchedule(_ text: String) throws -> [Stage] {
        let stages = try text.split(separator: ",").map { item -> Stage in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let scale = Double(parts[0]), scale > 0, scale <= 1,
                  let count = Int(parts[1]), count >= 0 else {
                throw StyleError.badSchedule("bad schedule entry \"\(item)\": expected SCALE:EVALUATIONS with 0 < SCALE <= 1")
            }
            return Stage(scale: scale, evaluations: count)
        }
        guard !stages.isEmpty else { throw StyleError.badSchedule("empty schedule") }
        guard zip(stages, stages.dropFirst()).allSatisfy({ $0.scale < $1.scale }), stages.last!.scale == 1 else {
            throw StyleError.badSchedule("schedule \"\(text)\": scales must increase and end at 1")
        }
        return stages
    }
}

/// Where the optimization starts.
public enum Initialization: Sendable, Equatable {
    case content
    /// Uniform white noise in 0..255, from `StylizeOptions.seed`.
    case noise
    /// A given image (resized to the working size).
    case image(RGBImage)
}

/// Everything that shapes one stylization, with the documented defaults: the one place they are written
/// (the commands and their help read them from `StylizeOptions.defaults`).
public struct StylizeOptions: Sendable, Equatable {
    public var contentLayer = "relu4_2"
    /// The five first layers of the blocks, as in Gatys et al., each with weight 1/5.
    public var styleLayers: [WeightedLayer] = WeightedLayer.equal(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
    /// alpha; nil: `DefaultWeights.content` for the working size.
    public var contentWeight: Double?
    /// beta; nil: `DefaultWeights.style`.
    public var styleWeight: Double?
    /// tv; nil: `DefaultWeights.totalVariation` for the working size.
    public var totalVariationWeight: Double?
    /// Setting it (`--schedule`) also turns off `scheduleIsDefault`.
    public var schedule: [Stage] = StylizeOptions.defaultSchedule { didSet { scheduleIsDefault = false } }
    /// Whether `schedule` is the default, to be replaced by `defaultSchedule(longest:)` for big outputs
    /// (false once a schedule is set). `--iterations` (`setFinalEvaluations`) keeps it and sets the last stage.
    public private(set) var scheduleIsDefault = true
    /// Evaluations of the last stage when set (`--iterations`), for whichever schedule runs.
    public var finalEvaluations: Int?
    public var optimizer: OptimizerKind = .lbfgs
    /// Adam's step, in pixel levels.
    public var learningRate: Float = Adam.defaultLearningRate
    /// L-BFGS stops a stage early when J improves by less than this fraction for `BoundedLBFGS.defaultPatience`
    /// steps in a row.
    public var relativeTolerance: Double = 1e-4
    public var initialization: Initialization = .content
    public var seed: UInt64 = 0
    /// Bytes the run may use (`--memory`): each stage picks its tiling and L-BFGS history to fit
    /// (`Stylizer.memoryPlan`); nil: untiled, 20 history pairs.
    public var memoryBudget: Double?
    /// Where a stage whose plan pages the L-BFGS history (`MemoryPlan.pagedHistory`) makes its file
    /// (`HistoryStorage.file`; the command gives $TMPDIR).
    public var historyDirectory = "/tmp"

    /// Half size, then full size: 20 evaluations at half size, 75 at full size; about 80 s at 512 px on 2 cores
    /// (about 0.3 s per evaluation at half size, 1 s at full size).
    ///
    /// Chosen by the J of the written image at equal time (scripts/bench-stylize; astronaut with Starry Night,
    /// 512 px): the full-size evaluations decide it. An upsampled coarse result starts with a J about 100 times
    /// its coarse value (the shallow layers' style terms see the lost detail) and is then no better than the
    /// content as a start: 60 full-size evaluations after 100 at a quarter and 100 at half size reached 6.5e6,
    /// 68 from the content alone 6.4e6. The short half-size stage costs about 6 s and sets the large shapes.
    public static let defaultSchedule = [Stage(scale: 0.5, evaluations: 20), Stage(scale: 1, evaluations: 75)]

    /// The default schedule for a working size whose longest side is `longest` px: `defaultSchedule` up to
    /// `printThreshold` px; above, stages from 512 px doubling up to the full size, with 60 evaluations at
    /// 512 px and half as many at each larger stage, at least 10: 4096 px is 512:60, 1024:30, 2048:15,
    /// 4096:10. The network sees about 200 px around each position, so a painting's large structure can only
    /// be set at a small size; the large stages mostly add detail, and each of their evaluations costs 4 times
    /// the one before.
    public static func defaultSchedule(longest: Int) -> [Stage] {
        guard longest > printThreshold else { return defaultSchedule }
        var stages: [Stage] = []
        var (side, evaluations) = (512, 60)
        while side < longest {
            stages.append(Stage(scale: Double(side) / Double(longest), evaluations: evaluations))
            side *= 2
            evaluations = max(10, evaluations / 2)
        }
        stages.append(Stage(scale: 1, evaluations: evaluations))
        return stages
    }
    /// Above this longest side, `defaultSchedule(longest:)` starts at 512 px and doubles.
    public static let printThreshold = 1024

    /// The schedule as text, "0.5:20,1:75".
    public static func describe(_ schedule: [Stage]) -> String {
        schedule.map { "\($0.scale.formatted()):\($0.evaluations)" }.joined(separator: ",")
    }

    public init() {}
    public static let defaults = StylizeOptions()

    /// All layers the method reads, for checks and for the network's depth.
    public var allLayers: [String] { [contentLayer] + styleLayers.map(\.name) }

    /// Replaces the last stage's evaluation count (what `--iterations` sets).
    public mutating func setFinalEvaluations(_ count: Int) {
        let isDefault = scheduleIsDefault
        schedule[schedule.count - 1].evaluations = count
        scheduleIsDefault = isDefault
        finalEvaluations = count
    }

    /// The schedule for a working size of longest side `longest`: `defaultSchedule(longest:)` when the
    /// schedule was not given, with `--iterations` applied to its last stage.
    public func schedule(longest: Int) -> [Stage] {
        guard scheduleIsDefault, longest > StylizeOptions.printThreshold else { return schedule }
        var stages = StylizeOptions.defaultSchedule(longest: longest)
        if let finalEvaluations { stages[stages.count - 1].evaluations = finalEvaluations }
        return stages
    }
}

/// The weights used when none are given, chosen for the size being optimized so that the look stays the
/// same at any size. J_content is a plain sum over the content layer's nH nW positions and J_tv a sum
/// over pixels, while J_style (Grams normalized per position) does not grow with the image: so alpha is
/// a constant divided by the content layer's positions and tv a constant divided by the pixel count.
/// The constants were chosen by eye on sample photos and paintings (fixtures/images holds four of them).
/// Departure from Gatys et al. (README, "The method"): the paper's weights are constants.
public enum DefaultWeights {
    public static let contentPerPosition: Double = 4e3
    public static let style: Double = 1e4
    public static let totalVariationPerPixel: Double = 1e-2

    public static func resolve(_ options: StylizeOptions, network: VGG, width: Int, height: Int) throws -> CostWeights {
        let positions = Double(try network.spatialSize(of: options.contentLayer, inputWidth: width, inputHeight: height).count)
        return CostWeights(content: options.contentWeight ?? contentPerPosition / positions,
                           style: options.styleWeight ?? style,
                           totalVariation: options.totalVariationWeight ?? totalVariationPerPixel / Double(width * height))
    }
}
