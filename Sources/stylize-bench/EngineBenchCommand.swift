import ArgumentParser
import Engine
import FilterSupport
import Foundation

/// `stylize-bench engine` (the default subcommand, scripts/bench-engine): one VGG forward + backward to the tap
/// at each size, with the sgemm rate measured in the same run so that ratios hold on a noisy machine. Each size
/// ends with one `result: size=... seconds=...` line, the one scripts/bench-engine reads.
struct EngineBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time one VGG16 forward + backward to the tap (what one step of stylize costs) at each size.",
        discussion: """
        Per size: the best of --repeat passes (wall and CPU seconds), the GFLOP/s of the 3x3 convolutions \
        (the im2col-equivalent count), the sgemm rate measured in the same process, and the peak RSS, which is \
        the process's high-water mark: run one size per process for a clean figure. Last line per size: \
        "result: size=N seconds=S cpu=C gflops=G sgemm=R rss=M kernel=K loops=L [reference=S] [bfloat16=S] default=S [swift_loops=S] [torch_V=S...] [tensorflow_V=S]" (K: the OpenBLAS \
        kernel, L: the Winograd transforms' loops, default: the seconds of the pass stylize runs by default on this CPU). --vs-swift-loops also times the pass with the transforms' \
        Swift reference loops, which must give the same bits. --save-result and --compare-result check that two kernels give the same pass within float32 \
        rounding (scripts/bench-engine: the environment's kernel, then OPENBLAS_CORETYPE unset).

        engine is the default subcommand: `stylize-bench --repeat 1 512` is `stylize-bench engine --repeat 1 512`.

        Examples:
          stylize-bench engine 256 512
          stylize-bench engine --repeat 1 --reference 512
          stylize-bench engine --vs-swift-loops 256 512
          stylize-bench engine --vs-bfloat16 256 512 1024
          stylize-bench engine --loops x86-64 512
          stylize-bench engine --layers --check --repeat 2 128
          stylize-bench engine --vs-torch --torch-program scripts/lib/torch_bench.py 512
          stylize-bench engine --vs-tensorflow --tensorflow-python venv/bin/python 512
          stylize-bench engine --save-result /tmp/env.bin 512
          env -u OPENBLAS_CORETYPE stylize-bench engine --compare-result /tmp/env.bin 512
        """)

    @OptionGroup var networkOptions: NetworkOptions

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Passes per measurement, the best is kept (the first also builds the kernels).", valueName: "n"))
    var repeats = 3

    @Option(help: "The layer the pass runs to and back from.")
    var tap = "relu5_1"

    @Option(help: "The convolution path of the main measurement (automatic: the per-layer choice).")
    var algorithm = ConvolutionAlgorithm.automatic

    @Flag(help: "Also time the im2col reference path in the same run and print the speed-up.")
    var reference = false

    @Option(help: ArgumentHelp("The Winograd transforms' loops of the main measurement: best (this CPU's newest: \(TransformLoops.best.rawValue)), \(TransformLoops.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "loops"))
    var loops = "best"

    @Flag(name: .customLong("vs-swift-loops"), help: "Also time the pass with the transforms' Swift reference loops in the same run (before and after), and check that both give the same bits.")
    var versusSwiftLoops = false

    /// `--loops` as a choice.
    var transformLoops: TransformLoops { loops == "best" ? .best : TransformLoops(rawValue: loops)! }

    @Flag(name: .customLong("vs-bfloat16"), help: "Also time the pass with bfloat16 backward products, stylize's default on AMD CPUs with AVX-512 BF16 (where it cannot run, a note), and print how far its input gradient is from float32's.")
    var versusBFloat16 = false

    @Flag(name: .customLong("layers"), help: "Per-convolution times (forward and backward) of both algorithms at each size.")
    var perLayer = false

    @Flag(help: "Every activation and the input gradient of Winograd (forced everywhere) against im2col.")
    var check = false

    @Flag(name: .customLong("vs-torch"), help: "Also time the same pass in PyTorch (CPU, same thread count), with python3 running --torch-program.")
    var versusTorch = false

    @Option(help: ArgumentHelp("The PyTorch side of --vs-torch (scripts/bench-engine passes it).", valueName: "file"))
    var torchProgram = "scripts/lib/torch_bench.py"

    @Flag(name: .customLong("vs-tensorflow"), help: "Also time the same pass in TensorFlow (tf.function + GradientTape, NHWC, CPU, same thread count), with --tensorflow-python running --tensorflow-program.")
    var versusTensorFlow = false

    @Option(help: ArgumentHelp("The TensorFlow side of --vs-tensorflow (scripts/bench-engine passes it).", valueName: "file"))
    var tensorflowProgram = "scripts/lib/tensorflow_bench.py"

    @Option(help: ArgumentHelp("The python with tensorflow-cpu installed (scripts/bench-engine passes its virtual environment's).", valueName: "file"))
    var tensorflowPython = "python3"

    /// The frameworks timed beside: name (as in the result line), whether asked, python, program, how to install.
    var peers: [(name: String, enabled: Bool, python: String, program: String, install: String)] {
        [("torch", versusTorch, "python3", torchProgram, "pip install torch: the CPU wheel is enough"),
         ("tensorflow", versusTensorFlow, tensorflowPython, tensorflowProgram, "scripts/bench-engine --vs-tensorflow makes a virtual environment with tensorflow-cpu")]
    }

    @Option(help: ArgumentHelp("The convolutions' scratch budget, MB (ConvolutionSettings.scratchBudget).", valueName: "MB"))
    var budget = ConvolutionSettings.defaults.scratchBudget >> 20

    @Option(help: ArgumentHelp("Write the pass's result (the tap and the input gradient) and the OpenBLAS kernel to this file (one size).", valueName: "file"))
    var saveResult: String?

    @Option(help: ArgumentHelp("Check the pass's result against one saved by --save-result (another kernel) within float32 rounding before reporting (one size).", valueName: "file"))
    var compareResult: String?

    @Argument(help: ArgumentHelp("Square image sizes, px.", valueName: "size"))
    var sizes: [Int] = [256, 512]

    mutating func validate() throws {
        if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
        if budget < 1 { throw ValidationError("--budget must be at least 1 MB") }
        guard loops == "best" || TransformLoops(rawValue: loops) != nil else {
            throw ValidationError("--loops \(loops): expected best, \(TransformLoops.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if !transformLoops.runsHere {
            throw ValidationError("--loops \(loops): this CPU has \(InstructionLevel.cpu), not the instructions these loops need")
        }
        if let bad = sizes.first(where: { $0 < 1 }) { throw ValidationError("size \(bad): must be positive") }
        if (saveResult != nil || compareResult != nil) && sizes.count != 1 {
            throw ValidationError("--save-result and --compare-result take one size")
        }
    }

    func run() throws {
        try Diagnostics(program: "stylize-bench").run {
            if let threads = networkOptions.threads { ThreadSettings.set(threads) }
            let net = try VGG(path: try WeightsLocator.resolve(networkOptions.weights),
                              convolution: ConvolutionSettings(algorithm: .automatic, scratchBudget: budget << 20,
                                                                 loops: transformLoops))
            let depth = try net.index(of: tap)
            print("threads: \(ThreadSettings.workers), tap: \(tap), algorithm: \(algorithm.rawValue)")
            print("blas: \(BLASKernel.current())")
            print("loops: \(transformLoops) (this CPU's newest: \(TransformLoops.best))")
            print(String(format: "sgemm 1024^3: %.1f GFLOP/s", sgemmRate()))
            for size in sizes { try measureSize(size, net: net, depth: depth) }
        }
    }

    /// The lines of one size, the `result:` line last.
    func measureSize(_ size: Int, net: VGG, depth: Int) throws {
        let x = randomImage(size)
        let flops = 2 * convolutionFlops(net, width: size, height: size, through: depth)
        if perLayer { layerTable(net, size: size, depth: depth, repeats: repeats) }
        if check { try checkPaths(net, x, depth: depth, tap: tap) }
        let main = try timePass(net, x, algorithm)
        let kernel = BLASKernel.current().name
        let result = PassResult(tap: main.tap.data, gradient: main.input.data, kernel: kernel)
        if let saveResult { try result.write(to: saveResult) }
        if let compareResult {
            print("\(size)x\(size): " + (try result.check(against: try PassResult(contentsOf: compareResult),
                                                          roundings: PassResult.roundings(net, through: depth))))
        }
        let rate = sgemmRate()
        let rss = peakRSSMegabytes()
        print(String(format: "%dx%d: forward+backward %.3f s (forward %.3f s, cpu %.2f s), %.0f GFLOP conv, %.1f GFLOP/s, sgemm now %.1f GFLOP/s, peak RSS %.0f MB",
                     size, size, main.total, main.forward, main.cpu, flops / 1e9, flops / main.total / 1e9, rate, rss))
        if repeats > 1 {
            print(String(format: "%dx%d: first pass %.3f s (builds the kernels it needs)", size, size, main.first))
        }
        var summary = String(format: "result: size=%d seconds=%.4f cpu=%.4f gflops=%.1f sgemm=%.1f rss=%.0f kernel=%@ loops=%@", size, main.total,
                             main.cpu, flops / main.total / 1e9, rate, rss, kernel as NSString, transformLoops.rawValue as NSString)
        if reference && algorithm != .im2col {
            let ref = try timePass(net, x, .im2col)
            let difference = relativeDifference(main.input, ref.input)
            print(String(format: "%dx%d: reference im2col %.3f s (forward %.3f s, cpu %.2f s), %.1f GFLOP/s; speed-up %.2fx; input gradients differ by %.1e of the largest (%.1e in L2 norm; mostly ReLU and max-pool decisions flipped by rounding, see --check)",
                         size, size, ref.total, ref.forward, ref.cpu, flops / ref.total / 1e9, ref.total / main.total,
                         difference.max, difference.l2))
            summary += String(format: " reference=%.4f", ref.total)
        }
        if versusBFloat16 && !BackwardProducts.bfloat16.runsHere {
            print("\(size)x\(size): bfloat16 backward products: not on this CPU (\(InstructionLevel.cpu), no AVX-512 BF16); stylize runs float32 here")
        }
        var usersPass = main.total   // the pass stylize runs by default on this CPU (BackwardProducts.best)
        if versusBFloat16 && BackwardProducts.bfloat16.runsHere {
            var settings = net.convolution
            settings.backwardProducts = .bfloat16
            let half = try timePass(net.using(settings), x, algorithm)
            let difference = relativeDifference(half.input, main.input)
            print(String(format: "%dx%d: bfloat16 backward products %.3f s (forward %.3f s, cpu %.2f s), %.2fx float32's speed; input gradient within %.1e of float32's largest entry (%.1e in L2 norm); %@",
                         size, size, half.total, half.forward, half.cpu, main.total / half.total, difference.max, difference.l2,
                         BackwardProducts.bfloat16.description as NSString))
            summary += String(format: " bfloat16=%.4f", half.total)
            if BackwardProducts.best == .bfloat16 { usersPass = half.total }
        }
        summary += String(format: " default=%.4f", usersPass)
        if versusSwiftLoops && transformLoops != .swift {
            let swift = try timePass(net.using(ConvolutionSettings(algorithm: .automatic, scratchBudget: budget << 20, loops: .swift)),
                                     x, algorithm)
            // Every choice of loops does the same float32 operations in the same order (TransformLoops).
            let same = swift.tap.data == main.tap.data && swift.input.data == main.input.data
            print(String(format: "%dx%d: Swift loops %.3f s (forward %.3f s, cpu %.2f s); %@ is %.2fx their speed; results %@",
                         size, size, swift.total, swift.forward, swift.cpu, transformLoops.description as NSString,
                         swift.total / main.total, (same ? "bit for bit the same" : "DIFFER") as NSString))
            guard same else { throw BenchError("the \(transformLoops) loops gave another pass than the Swift loops") }
            summary += String(format: " swift_loops=%.4f", swift.total)
        }
        for peer in peers where peer.enabled {
            for (variant, t) in peerSeconds(peer.name, python: peer.python, program: peer.program, size: size, repeats: repeats,
                                            tap: tap, weightsPath: networkOptions.weights, install: peer.install) {
                print(String(format: "%dx%d: %@ %@ %.3f s, %.1f GFLOP/s; stylize is %.2fx its speed (float32 %.2fx)",
                             size, size, peer.name as NSString, variant as NSString, t, flops / t / 1e9, t / usersPass, t / main.total))
                summary += String(format: " %@_%@=%.4f", peer.name as NSString, variant as NSString, t)
            }
        }
        print(summary)
    }

    /// Best of `repeats` forward+backward passes (and the best forward alone), with `algorithm` in force.
    func timePass(_ net: VGG, _ x: Tensor, _ algorithm: ConvolutionAlgorithm) throws
        -> (total: Double, forward: Double, cpu: Double, first: Double, input: Tensor, tap: Tensor) {
        let net = net.using(algorithm)
        var first = 0.0
        var best = Double.infinity
        var forwardOnly = Double.infinity
        var cpu = Double.infinity
        var gradient: Tensor? = nil
        var output: Tensor? = nil
        for _ in 0..<repeats {
            var activations: VGG.Activations? = nil
            let f = try measure { activations = try net.forward(x, taps: [tap]) }
            let g = activations!.taps[tap]!
            output = g
            let b = try measure { gradient = try net.backward(activations!, tapGradients: [tap: g]) }
            if first == 0 { first = f.wall + b.wall }
            best = min(best, f.wall + b.wall)
            forwardOnly = min(forwardOnly, f.wall)
            cpu = min(cpu, f.cpu + b.cpu)
        }
        return (best, forwardOnly, cpu, first, gradient!, output!)
    }

    /// The benchmark's input: uniform noise in -100...100 (the range of mean-subtracted pixels), seed 1.
    func randomImage(_ size: Int) -> Tensor {
        var rng = SplitMix64(seed: 1)
        return Tensor(channels: 3, height: size, width: size, data: (0..<(3 * size * size)).map { _ in Float.random(in: -100...100, using: &rng) })
    }
}
