import ArgumentParser
import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// `stylize-bench print CONTENT STYLE --size N [--tile T] [--evaluations K] [--history M]`: one bounded L-BFGS
/// run of K evaluations of J on CONTENT resized to N x N (the style image scaled to N as stylize does), untiled
/// or in tiles of T px (`TiledObjective`), then one line: seconds per evaluation (the mean after the first,
/// which also builds the kernels) and the process's peak RSS. One configuration per process, so that each
/// peak is its own: scripts/bench-print runs it for each size and mode side by side.
/// With `--check`, the tiled and untiled J and gradient of the content are compared instead (both must fit).
struct PrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Seconds per evaluation and peak RSS of a run at N x N px, untiled or tiled (scripts/bench-print).",
        discussion: """
        Examples:
          stylize-bench print fixtures/images/content-kitten.ppm fixtures/images/style-starry.ppm --size 2048 --tile 512
          stylize-bench print photo.ppm starry.ppm --size 512 --tile 128 --check
        """)

    @OptionGroup var networkOptions: NetworkOptions

    @Argument(help: ArgumentHelp("The content image (PPM/PGM/PAM), resized to size x size.", valueName: "content"))
    var contentPath: String

    @Argument(help: ArgumentHelp("The style image, scaled as stylize scales it.", valueName: "style"))
    var stylePath: String

    @Option(help: ArgumentHelp("The side of the square working size, px.", valueName: "px"))
    var size: Int

    @Option(help: ArgumentHelp("Tile interiors of this many px (a multiple of 16); 0: untiled.", valueName: "px"))
    var tile = 0

    @Option(help: ArgumentHelp("Evaluations of J.", valueName: "k"))
    var evaluations = 3

    @Option(help: ArgumentHelp("L-BFGS history pairs.", valueName: "m"))
    var history = 20

    @Flag(help: "Page the L-BFGS history and the tiles' content targets to files in $TMPDIR (HistoryStorage.file) instead of holding them in memory.")
    var paged = false

    @Flag(help: "Page the step's own vectors too (BoundedLBFGS.vectorStorage; implies --paged).")
    var pagedVectors = false

    @Flag(help: "Keep every crop's forward state from pass 1 for pass 2 (TiledObjective.keepsForwardPasses): one forward per crop.")
    var keepForward = false

    @Flag(help: "Keep freed memory for reuse even when tiled (AllocatorSettings.reuseFreedMemory; stylize returns large blocks for a tiled plan).")
    var reuseFreedMemory = false

    @Flag(help: "Compare the tiled J and gradient with the untiled ones instead of timing.")
    var check = false

    mutating func validate() throws {
        if size < 16 { throw ValidationError("--size must be at least 16") }
        if tile < 0 || tile % 16 != 0 { throw ValidationError("--tile must be 0 or a positive multiple of 16") }
        if evaluations < 1 { throw ValidationError("--evaluations must be at least 1") }
        if history < 0 { throw ValidationError("--history must not be negative") }
        if check && tile == 0 { throw ValidationError("--check needs --tile") }
        if keepForward && tile == 0 { throw ValidationError("--keep-forward needs --tile") }
    }

    func run() throws {
        let diagnostics = Diagnostics(program: "stylize-bench")
        try diagnostics.run {
            let options = StylizeOptions.defaults
            let stylizer = try Stylizer(network: try networkOptions.loadNetwork(), options: options)
            // The allocator's policy as stylize's for such a plan, unless told to reuse freed memory.
            AllocatorSettings.adopt(returningLargeBlocks: !reuseFreedMemory
                && MemoryPlan.returnsLargeBlocks(tiled: tile != 0, keptForwardPasses: keepForward))
            let net = stylizer.network
            guard let content = try NetpbmReader(path: contentPath).next()?.rgb() else { throw CommandError.noImageInFile(contentPath) }
            guard let styleImage = try NetpbmReader(path: stylePath).next()?.rgb() else { throw CommandError.noImageInFile(stylePath) }
            let pixels = Resample.resize(content.pixels, width: content.width, height: content.height, toWidth: size, toHeight: size)
            // The style's Grams in the same tiles (its untiled forward alone would be most of the peak).
            let style = try stylizer.styleTarget(image: styleImage, longest: size, name: stylePath, tileSize: tile == 0 ? nil : tile)
            let weights = try DefaultWeights.resolve(options, network: net, width: size, height: size)
            // Paged, the content targets too, as stylize's plans page them with the history.
            let file = HistoryStorage.file(directory: FileManager.default.temporaryDirectory.path)
            func tiled() throws -> TiledObjective {
                try TiledObjective(network: net, content: pixels, width: size, height: size, contentLayer: options.contentLayer,
                                   styleLayers: options.styleLayers, style: style, weights: weights, tileSize: tile,
                                   contentTargetStorage: paged || pagedVectors ? file : .memory, keepForwardPasses: keepForward)
            }
            let objective: any Objective = tile == 0
                ? try stylizer.makeObjective(content: pixels, width: size, height: size, style: style) : try tiled()
            if check {
                // A start that is not the content (whose J_content is 0): the content plus a seeded ±20 noise.
                var rng = SplitMix64(seed: 1)
                let start = pixels.map { min(255, max(0, $0 + Float.random(in: -20...20, using: &rng))) }
                let untiled = try stylizer.makeObjective(content: pixels, width: size, height: size, style: style)
                let (a, ga) = try objective.evaluate(start)
                let (b, gb) = try untiled.evaluate(start)
                let largest = gb.reduce(Float(0)) { max($0, abs($1)) }
                let worst = zip(ga, gb).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                print(String(format: "size %d tile %d (%d tiles): J tiled %.9e untiled %.9e, relative difference %.2e; gradient max difference %.2e of its largest entry",
                             size, tile, (objective as! TiledObjective).grid.tiles.count, a.total, b.total,
                             abs(a.total - b.total) / b.total, Double(worst / largest)))
                return
            }
            var times: [Double] = []
            let result = try BoundedLBFGS(memory: history, historyStorage: paged || pagedVectors ? file : .memory,
                                          vectorStorage: pagedVectors ? file : .memory)
                .minimize(from: pixels, maxEvaluations: evaluations, evaluate: { x, gradient, paging in
                    let started = Date()
                    let cost = try objective.evaluate(x, gradient: gradient, paging: paging)
                    times.append(Date().timeIntervalSince(started))
                    return cost.total
                })
            let timed = times.count > 1 ? Array(times.dropFirst()) : times
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            let mode = (tile == 0 ? "untiled" : "tile \(tile)") + (keepForward ? " forward kept" : "")
                + (reuseFreedMemory ? " memory reused" : "")
                + (pagedVectors ? " paged vectors" : paged ? " paged" : "")
            print("size \(size) \(mode) history \(history): " + String(format: "%.2f s per evaluation (%d evaluations), peak RSS %.2f GB, J %.4e",
                         timed.reduce(0, +) / Double(timed.count), result.evaluations,
                         Double(usage.ru_maxrss) * 1024 / Double(1 << 30), result.value))
        }
    }
}
