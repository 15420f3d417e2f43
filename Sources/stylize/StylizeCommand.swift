import ArgumentParser
import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// The options of stylize: filled by parsing (netpbm's `CmdlineInfo`), defaults read from `StylizeOptions.defaults`
/// and `StreamOptions.defaults`; `StylizeRun` is the loop over the images.
@main
struct StylizeCommand: ParsableCommand {
    static let defaults = StylizeOptions.defaults
    static let streamDefaults = StreamOptions.defaults

    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Neural style transfer (Gatys et al. 2015): repaint the images on stdin in the style of a painting.",
        discussion: """
        Reads a PPM, PGM or PAM image, or a stream of them back to back, on standard input and writes each one \
        stylized on standard output, in the input's format and size (PAM alpha passes through unchanged, or \
        resized with the picture under --size).

        J(G) = alpha J_content + beta sum_l w_l J_style[l] + tv J_tv is minimized over the pixels of G by \
        bounded L-BFGS (pixels stay in 0..255), coarse to fine. When --content-weight and --tv-weight are \
        not given they are scaled to the working size (alpha = \(DefaultWeights.contentPerPosition) / positions \
        of the content layer, tv = \(DefaultWeights.totalVariationPerPixel) / pixels; beta = \(Int(DefaultWeights.style))), \
        so the look is the same at any size. Given, they are used exactly as alpha, beta and tv.

        Examples:
          stylize --style starry.ppm < photo.ppm > out.ppm
          jpegtopnm photo.jpg | stylize --style starry.ppm --size 384 > out.ppm
          gram < starry.ppm > starry.gram
          stylize --gram starry.gram --size 256 < photo.ppm | pnmtopng > out.png
          stylize --style a.ppm --style b.ppm --style-blend 0.7,0.3 < in.pam > o.pam
          stylize --style starry.ppm --preserve-colors < photo.ppm > out.ppm
          stylize --style starry.ppm --colors histogram < photo.ppm > out.ppm
          stylize --mask sky.pgm --region 255=starry.ppm --region 0=none <p.ppm >o.ppm
          stylize --mask m.ppm --region '#ff0000=a.gram:2' --region 0=b.ppm <p.ppm >o
          for f in *.ppm; do stylize --gram starry.gram < $f > out-$f; done
          filters/stylize-image photo.jpg starry.jpg out.png -- --size 384
          filters/stylize-video in.mp4 starry.gram out.mp4
          stylize --verbose --gram starry.gram < photo.ppm > out.ppm
          stylize --gram s.gram --size 4096 --checkpoint big.ckpt < in.ppm > big.ppm
          stylize --gram s.gram --checkpoint c --checkpoint-every 50,9m < i.ppm > o.ppm
          stylize --gram s.gram --size 2048 --progress-every 60 < in.ppm > o.ppm 2> log
          stylize --gram starry.gram --size 4096 --memory 3G < photo.ppm > print.ppm

        Evaluations: --schedule's stages (scale:evaluations, default \(StylizeOptions.describe(StylizeOptions.defaultSchedule)); above \
        \(StylizeOptions.printThreshold) px from 512 px doubling to the full size, e.g. \(StylizeOptions.describe(StylizeOptions.defaultSchedule(longest: 4096))) \
        at 4096 px) run in turn, coarse to fine; --iterations sets only the last. The summary line after each \
        image gives its sizes (in, working, out) and each stage's evaluations.

        Big prints: within --memory (default \(Int(MemorySize.defaultShare * 100))% of the memory available) a large image is \
        optimized in tiles, exactly (each tile with a 64 px halo; the Gram matrices summed over all tiles, so no \
        seams), and with a shorter L-BFGS history; an image that cannot fit even so is refused before it is read.

        Many photos: one run each (the loop above, or filters/stylize-image per file). One stream of unrelated \
        photos is stylized as the frames of a video: a photo of the same size as the one before starts from \
        its result unless the change is a scene cut; --independent-frames stylizes each on its own.

        Video: filters/stylize-video keeps the frame rate and the sound, and can split the work over cores \
        and machines; a bare ffmpeg pipe through stylize gives ffmpeg's default 25 fps and no sound.

        Streams (Ruder, Dosovitskiy and Brox 2016): each output image is flushed as soon as it is done. Frame \
        t > 1 starts from the output of frame t-1 moved along the optical flow between the two input frames \
        (OpenCV's DIS, --flow), and a temporal term holds it there, weighted per pixel by a forward-backward \
        consistency check: content new to the frame (uncovered, or entering the view) and motion boundaries \
        are painted fresh. Less flicker, fewer evaluations (--frame-iterations). A scene cut (--scene-cut) or \
        a frame of another size restarts from the content with the full schedule; a frame whose flow fails \
        is stylized on its own, with a note.

        Speed: the matrix products are OpenBLAS's, whose kernel follows the CPU unless OPENBLAS_CORETYPE names \
        one (where OpenBLAS does not know the CPU and picks an older kernel, stylize names the CPU's own); \
        --verbose names the kernel in use and says when that variable holds it below what the CPU could run. \
        On an AMD CPU with AVX-512 BF16 (Zen 4 and later) the backward pass's products are bfloat16 (oneDNN), \
        twice float32's rate; --backward-precision float32 keeps them float32. Intel's run bfloat16 no faster \
        than float32: there it is float32 unless --backward-precision bfloat16.
        Long runs: --checkpoint FILE saves the run every --checkpoint-every (default \(CheckpointPolicy.defaultText): 20 \
        evaluations or 5 minutes), atomically. After a crash, a kill or a power cut, the same command again \
        continues where the file was written and ends with the same bytes as a run that was not interrupted \
        (on the same machine: the same thread count and convolution path). A file made with other input \
        images, options, style or weights is refused, naming what differs. A stream's finished images are \
        kept in the file and written again, not redone. The file is removed when the run ends well. Progress \
        (stage, size, evaluation, memory in use, time left) is a bar on a terminal; --progress-every S prints \
        it as a line every S seconds to a pipe or log.

        Exit status: 0 on success, 1 on errors, 64 on usage errors (found before any input is read).
        """)

    @Option(name: .customLong("style"), help: ArgumentHelp("A style image (PPM/PGM/PAM); repeat to blend several.", valueName: "file"))
    var styleImages: [String] = []

    @Option(name: .customLong("gram"), help: ArgumentHelp("A style signature written by `gram`; repeat to blend.", valueName: "file"))
    var gramFiles: [String] = []

    @Option(help: ArgumentHelp("A label map (PGM/PPM/PAM, the input's aspect ratio, any size; sampled to the working size, nearest): each colour a region, painted as its --region says. Blends of two region colours (a blurred map) blend the two.", valueName: "file"))
    var mask: String?

    @Option(name: .customLong("region"), help: ArgumentHelp("With --mask, for each of its colours: COLOR (#rrggbb, R,G,B or a gray level) = a style image, a Gram file, or none (keeps the content's look); :WEIGHT scales that region's style weight (default 1).", valueName: "color=style[:w]"))
    var regions: [String] = []

    @Option(help: ArgumentHelp("With --mask, how a region is carried to each layer: erode (units that see only the region; the paper's choice), dilate (units that see any of it), downsample (averaged at each pooling).", valueName: "mode"))
    var guidance = GuidanceMode.default

    @Option(help: ArgumentHelp("Blend weights for the styles, --style ones first, then --gram ones (e.g. 0.7,0.3).", valueName: "w,w,..."))
    var styleBlend: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("alpha, exactly (default: scaled to the working size).", valueName: "alpha"))
    var contentWeight: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("beta, exactly (default: \(Int(DefaultWeights.style))).", valueName: "beta"))
    var styleWeight: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Total-variation weight, exactly; 0 turns it off (default: scaled to the working size).", valueName: "tv"))
    var tvWeight: Double?

    @Option(help: "The content layer.")
    var contentLayer = defaults.contentLayer

    @Option(help: ArgumentHelp("Style layers with optional weights; a layer without a weight gets 1/count.", valueName: "layer[:w],..."))
    var styleLayers = describeWeightedLayers(defaults.styleLayers)

    @Option(parsing: .unconditional, help: ArgumentHelp("Evaluations of J at full size: the last stage of --schedule, whose earlier stages still run (with the default schedule, --iterations 8 makes 20 + 8); a stream's later images use --frame-iterations. The summary line shows each stage's count.", valueName: "n"))
    var iterations: Int?

    @Option(help: ArgumentHelp("Coarse-to-fine stages, scale:evaluations; \"1:300\" turns multi-scale off (default: \(StylizeOptions.describe(defaults.schedule)); above \(StylizeOptions.printThreshold) px, from 512 px doubling to the full size, e.g. 4096 px: \(StylizeOptions.describe(StylizeOptions.defaultSchedule(longest: 4096))).", valueName: "schedule"))
    var schedule: String?

    @Option(help: "lbfgs (bounded L-BFGS) or adam.")
    var optimizer = defaults.optimizer

    @Option(parsing: .unconditional, help: ArgumentHelp("Adam's step, in pixel levels.", valueName: "levels"))
    var learningRate = defaults.learningRate

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop a stage when J improves by less than this fraction for \(BoundedLBFGS.defaultPatience) steps (0: never).", valueName: "fraction"))
    var tolerance = defaults.relativeTolerance

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from: content, noise (seeded), or an image file.", valueName: "content|noise|file"))
    var initialization = StartChoice.content

    @Option(parsing: .unconditional, help: "Seed for --init noise.")
    var seed = defaults.seed

    @Option(parsing: .unconditional, help: ArgumentHelp("Working size (longest side, px); the output then has this size too (default: the input's size, optimized at 512 px at most).", valueName: "px"))
    var size: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Style image size relative to the working size.", valueName: "factor"))
    var styleScale: Double = 1

    @Option(help: ArgumentHelp("Whose colours: style (the painting's), luminance (the content's colours with the result's luminance, after), content (the result's channels histogram-matched to the content's, after), histogram (the content's channels histogram-matched to the style image's before painting; not with Gram files). Per region with --mask.", valueName: "choice"))
    var colors = streamDefaults.colors

    @Flag(help: "Keep the content's colors: the same as --colors luminance.")
    var preserveColors = false

    @Option(help: "max or avg.")
    var pooling = PoolingKind.max

    @Option(help: ArgumentHelp("The backward pass's products: bfloat16 (faster on AMD's AVX-512 BF16 CPUs; the written image's J within 1% of float32's), float32, or auto: bfloat16 where the CPU has AVX-512 BF16 and is AMD's. The forward pass and J stay float32.", valueName: "format"))
    var backwardPrecision = BackwardPrecision.auto

    @Option(parsing: .unconditional, help: ArgumentHelp("Streams: weight of the pull toward the previous output moved along the flow, where the flow is consistent (0: none).", valueName: "w"))
    var temporalWeight = streamDefaults.temporalWeight

    @Option(parsing: .unconditional, help: ArgumentHelp("Streams: evaluations for each frame after the first (warm-started from the previous output).", valueName: "n"))
    var frameIterations = streamDefaults.frameEvaluations

    @Option(parsing: .unconditional, help: ArgumentHelp("Streams: a mean change above this many levels (after motion compensation) is a scene cut: restart from the content.", valueName: "levels"))
    var sceneCut = streamDefaults.sceneCut

    @Option(help: ArgumentHelp("Streams: the optical flow's preset, quickest to most accurate.", valueName: "preset"))
    var flow = streamDefaults.flow

    @Flag(help: "Streams: stylize every frame on its own (no warm start, no temporal term).")
    var independentFrames = streamDefaults.independentFrames

    @Option(help: ArgumentHelp("Save the run to this file (safetensors) as it goes; the same command run again continues from it, with the same result. Removed when the run ends well.", valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("With --checkpoint: write after this many evaluations, or this time (90s, 5m, 1h), or both, whichever comes first.", valueName: "n|time|n,time"))
    var checkpointEvery = CheckpointPolicy.defaultText

    @Option(parsing: .unconditional, help: ArgumentHelp("When stderr is not a terminal: a progress line (stage, size, evaluation, memory, time left) every this many seconds (default: none; a terminal gets a bar).", valueName: "seconds"))
    var progressEvery: Double?

    @Option(help: ArgumentHelp("Memory the run may use, e.g. 3G, 500M (default: \(Int(MemorySize.defaultShare * 100))% of the memory available). Large images are then optimized in exact tiles and with a shorter L-BFGS history; an image that cannot fit even so is refused.", valueName: "size"))
    var memory: String?

    /// --memory in bytes, or the default share of the memory available (nil if that cannot be read).
    var memoryBudget: Double? {
        memory.flatMap(MemorySize.parse) ?? MemoryEstimate.available().map { $0 * MemorySize.defaultShare }
    }

    @OptionGroup var networkOptions: NetworkOptions

    @Flag(name: .shortAndLong, help: "No messages on stderr but errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Name the OpenBLAS kernel in use (and whether OPENBLAS_CORETYPE holds it below what the CPU could run), then print J and its parts (J_content, J_style and each layer's, J_tv, the temporal term) after every evaluation.")
    var verbose = false

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unrecognized: [String] = []

    static func main() { Diagnostics.main(Self.self, program: "stylize") }

    /// Every option is checked here, before the network or any input is read: a mistake is a usage error
    /// (status 64) naming the option.
    mutating func validate() throws {
        try CommandError.refuseUnrecognized(unrecognized)
        if mask != nil {
            if !styleImages.isEmpty || !gramFiles.isEmpty {
                throw ValidationError("--mask: give each region's style with --region COLOR=STYLE, not --style or --gram")
            }
            if regions.isEmpty { throw ValidationError("--mask needs a --region COLOR=STYLE for each colour of the mask") }
            if styleBlend != nil { throw ValidationError("--style-blend does not apply with --mask (one style per --region)") }
            do { try checkRegions(try regionSpecs()) } catch { throw ValidationError("\(error)") }
        } else {
            if !regions.isEmpty { throw ValidationError("--region needs --mask FILE (the label map)") }
            if styleImages.isEmpty && gramFiles.isEmpty { throw ValidationError("give a style: --style IMAGE or --gram FILE") }
        }
        if let size, size < 1 { throw ValidationError("--size must be positive") }
        if styleScale <= 0 { throw ValidationError("--style-scale must be positive") }
        if styleScale != 1 && styleImages.isEmpty && mask == nil {
            throw ValidationError("--style-scale applies to --style images; a Gram file keeps the size it was made at (gram --size)")
        }
        if let styleBlend {
            let weights: [Double]
            do { weights = try parseWeights(styleBlend) } catch { throw ValidationError("--style-blend: \(error)") }
            let count = styleImages.count + gramFiles.count
            if weights.count != count { throw ValidationError("--style-blend has \(weights.count) weights for \(count) styles") }
            if weights.allSatisfy({ $0 == 0 }) { throw ValidationError("--style-blend: the weights are all 0") }
        }
        if let schedule {
            do { _ = try Stage.parseSchedule(schedule) } catch { throw ValidationError("--schedule: \(error)") }
        }
        do { _ = try parseWeightedLayers(styleLayers) } catch { throw ValidationError("--style-layers: \(error)") }
        for (name, value) in [("--content-weight", contentWeight), ("--style-weight", styleWeight), ("--tv-weight", tvWeight)] {
            if let value, !(value >= 0) { throw ValidationError("\(name) must not be negative") }
        }
        if preserveColors && colors != .luminance && colors != .default {
            throw ValidationError("--preserve-colors is --colors luminance; it cannot go with --colors \(colors.rawValue)")
        }
        if colors == .histogram && !gramFiles.isEmpty {
            throw ValidationError("--colors histogram needs the style's colours, and a Gram file has none: give the style image with --style")
        }
        if let iterations, iterations < 0 { throw ValidationError("--iterations must not be negative") }
        if frameIterations < 0 { throw ValidationError("--frame-iterations must not be negative") }
        if temporalWeight < 0 { throw ValidationError("--temporal-weight must not be negative") }
        _ = try CheckpointPolicy(checkpointEvery)
        if let progressEvery, !(progressEvery > 0 && progressEvery.isFinite) { throw ValidationError("--progress-every must be a positive number of seconds") }
        if checkpoint?.isEmpty == true { throw ValidationError("--checkpoint needs a file name") }
        if let memory, MemorySize.parse(memory) == nil {
            throw ValidationError("--memory \"\(memory)\": expected a size such as 3G, 500M or 2048K")
        }
        do { _ = try backwardPrecision.resolved() } catch { throw ValidationError("\(error)") }
    }

    /// The --region values, parsed.
    func regionSpecs() throws -> [RegionSpec] { try regions.map(RegionSpec.init(parsing:)) }

    func run() throws {
        let diagnostics = Diagnostics(program: "stylize", quiet: quiet)
        try diagnostics.run {
            do {
                try StandardStreams.refuseTerminalOutput()
                try StylizeRun(command: self, diagnostics: diagnostics).run()
            } catch let error as NetpbmError where error.fileKind?.isForeignImage == true {
                throw CommandError.badValue("\(error), or use filters/stylize-image")
            }
        }
    }
}
