import CBLAS
import Engine
import FilterSupport
import Foundation

/// Engine benchmark (scripts/bench-engine): one VGG forward + backward to relu5_1 at the given sizes,
/// with the sgemm rate measured in the same run so that ratios hold on a noisy machine.
///
/// Usage: stylize-bench [--weights FILE] [--repeat N] [--tap NAME] [--algorithm automatic|im2col|winograd]
///                      [--reference] [--layers] [--check] [--vs-torch [--torch-program FILE]] [--threads N] [--budget MB] SIZE...
///   --repeat N    passes per measurement, the best is kept (default 3; the first also builds the kernels)
///   --reference   also time the im2col reference path in the same run and print the speed-up
///   --layers      per-convolution times (forward and backward) of both algorithms at each size
///   --check       every activation and the input gradient of Winograd (forced everywhere) against im2col
///   --vs-torch    also time the same pass in PyTorch (CPU, same thread count): the program given by
///                 --torch-program (scripts/lib/torch_bench.py, which scripts/bench-engine passes), run by python3
///   --algorithm   the path of the main measurement (default automatic: the per-layer choice)
///   --budget MB   the convolutions' scratch budget (ConvolutionSettings.scratchBudget, default 32)
/// Peak RSS is the process's high-water mark: run one size per process for a clean figure.
/// Also `stylize-bench flicker ...` (FlickerCommand.swift) and `stylize-bench objective ...` (ObjectiveServer.swift).

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return 0
}

/// CPU seconds (user + system) of the whole process so far: on a shared machine, the work done by our threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// Wall and CPU seconds of `body`.
func measure(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let c = cpuSeconds()
    let w = try seconds(body)
    return (w, cpuSeconds() - c)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// FLOPs of the 3x3 convolutions of one forward pass (2 per multiply-add); backward's input gradient costs the same again.
func convolutionFlops(_ net: VGG, width: Int, height: Int, through depth: Int) -> Double {
    var (w, h) = (width, height)
    var flops = 0.0
    for layer in net.layers[...depth] {
        switch layer.kind {
        case .conv(let conv): flops += 2 * 9 * Double(conv.inChannels * conv.outChannels) * Double(w * h)
        case .pool: (w, h) = (w / 2, h / 2)
        case .relu: break
        }
    }
    return flops
}

func sgemmRate() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = a
    var c = [Float](repeating: 0, count: n * n)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
    let repeats = 5
    let t = seconds {
        for _ in 0..<repeats {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        }
    }
    return 2 * Double(n * n * n) * Double(repeats) / t / 1e9
}

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("stylize-bench: \(message)\n".utf8))
    exit(code)
}

struct Options {
    var weightsPath: String? = nil
    var repeats = 3
    var sizes: [Int] = []
    var tap = "relu5_1"
    var algorithm = ConvolutionAlgorithm.automatic
    var reference = false
    var perLayer = false
    var versusTorch = false
    var check = false
    var budget = ConvolutionSettings.defaults.scratchBudget
    var torchProgram = "scripts/lib/torch_bench.py"

    static let usage = "usage: stylize-bench [--weights FILE] [--repeat N] [--tap NAME] [--algorithm automatic|im2col|winograd] [--reference] [--layers] [--check] [--vs-torch [--torch-program FILE]] [--threads N] [--budget MB] SIZE..."

    init(_ commandLine: [String]) {
        var arguments = commandLine
        func value(_ option: String) -> String {
            guard !arguments.isEmpty else { fail("\(option) needs a value") }
            return arguments.removeFirst()
        }
        while let argument = arguments.first {
            arguments.removeFirst()
            switch argument {
            case "--weights": weightsPath = value(argument)
            case "--repeat": repeats = max(1, Int(value(argument)) ?? 3)
            case "--tap": tap = value(argument)
            case "--algorithm":
                let name = value(argument)
                guard let a = ConvolutionAlgorithm(rawValue: name) else { fail("unknown algorithm \(name)") }
                algorithm = a
            case "--threads": ThreadSettings.set(Int(value(argument)) ?? ThreadSettings.workers)
            case "--reference": reference = true
            case "--layers": perLayer = true
            case "--vs-torch": versusTorch = true
            case "--torch-program": torchProgram = value(argument)
            case "--check": check = true
            case "--budget": budget = (Int(value(argument)) ?? 32) << 20
            case "-h", "--help":
                print(Options.usage)
                exit(0)
            default:
                guard let size = Int(argument), size > 0 else { fail(Options.usage) }
                sizes.append(size)
            }
        }
        if sizes.isEmpty { sizes = [256, 512] }
    }
}

AllocatorSettings.reuseFreedMemory()  // as the filters do (NetworkOptions.loadNetwork)
if CommandLine.arguments.dropFirst().first == "objective" {
    runObjectiveServer(Array(CommandLine.arguments.dropFirst(2)))
}
if CommandLine.arguments.dropFirst().first == "flicker" {
    runFlicker(Array(CommandLine.arguments.dropFirst(2)))
}
let options = Options(Array(CommandLine.arguments.dropFirst()))

func randomImage(_ size: Int) -> Tensor {
    var rng = SplitMix64(seed: 1)
    return Tensor(channels: 3, height: size, width: size, data: (0..<(3 * size * size)).map { _ in Float.random(in: -100...100, using: &rng) })
}

/// Best of `repeats` forward+backward passes (and the best forward alone), with `algorithm` in force.
func timePass(_ net: VGG, _ x: Tensor, _ algorithm: ConvolutionAlgorithm, _ options: Options) throws
    -> (total: Double, forward: Double, cpu: Double, first: Double, input: Tensor) {
    let net = net.using(algorithm)
    do {
        var first = 0.0
        var best = Double.infinity
        var forwardOnly = Double.infinity
        var cpu = Double.infinity
        var gradient: Tensor? = nil
        let tap = options.tap
        for _ in 0..<options.repeats {
            var activations: VGG.Activations? = nil
            let f = try measure { activations = try net.forward(x, taps: [tap]) }
            let g = activations!.taps[tap]!
            let b = try measure { gradient = try net.backward(activations!, tapGradients: [tap: g]) }
            if first == 0 { first = f.wall + b.wall }
            best = min(best, f.wall + b.wall)
            forwardOnly = min(forwardOnly, f.wall)
            cpu = min(cpu, f.cpu + b.cpu)
        }
        return (best, forwardOnly, cpu, first, gradient!)
    }
}

/// Largest difference relative to the largest |b|, and the relative L2 norm of the difference.
func relativeDifference(_ a: Tensor, _ b: Tensor) -> (max: Double, l2: Double) {
    var scale = 0.0, diff = 0.0, squares = 0.0, diffSquares = 0.0
    for i in 0..<a.count {
        let (p, q) = (Double(a.data[i]), Double(b.data[i]))
        scale = max(scale, abs(q))
        diff = max(diff, abs(p - q))
        squares += q * q
        diffSquares += (p - q) * (p - q)
    }
    return (diff / max(scale, .leastNormalMagnitude), (diffSquares / max(squares, .leastNormalMagnitude)).squareRoot())
}

/// Each convolution up to the tap, forward and backward, with both algorithms.
func layerTable(_ net: VGG, size: Int, depth: Int, repeats: Int) {
    var (w, h) = (size, size)
    print("  wall (cpu) ms: best of \(max(2, repeats))")
    print("  layer      shape                im2col fwd     wino fwd      im2col bwd    wino bwd       auto (fwd,bwd)")
    for layer in net.layers[...depth] {
        switch layer.kind {
        case .pool: (w, h) = (w / 2, h / 2)
        case .relu: break
        case .conv(let conv):
            var rng = SplitMix64(seed: 7)
            let x = Tensor(channels: conv.inChannels, height: h, width: w,
                           data: (0..<(conv.inChannels * w * h)).map { _ in Float.random(in: 0...1, using: &rng) })
            let g = Tensor(channels: conv.outChannels, height: h, width: w,
                           data: (0..<(conv.outChannels * w * h)).map { _ in Float.random(in: -1...1, using: &rng) })
            var times: [(wall: Double, cpu: Double)] = []
            for a in [ConvolutionAlgorithm.im2col, .winograd] {
                times += { (conv: Conv2D) in
                    _ = conv.forward(x)
                    _ = conv.backward(outputGradient: g)
                    var f = (wall: Double.infinity, cpu: Double.infinity), b = f
                    for _ in 0..<max(2, repeats) {
                        let tf = measure { _ = conv.forward(x) }
                        let tb = measure { _ = conv.backward(outputGradient: g) }
                        f = (min(f.wall, tf.wall), min(f.cpu, tf.cpu))
                        b = (min(b.wall, tb.wall), min(b.cpu, tb.cpu))
                    }
                    return [f, b]
                }(conv.using(a))
            }
            let autoF = Conv2D.prefersWinograd(inChannels: conv.inChannels, outChannels: conv.outChannels, width: w, height: h)
            let autoB = Conv2D.prefersWinograd(inChannels: conv.outChannels, outChannels: conv.inChannels, width: w, height: h)
            let shape = "\(conv.inChannels)->\(conv.outChannels) \(w)x\(h)"
            func cell(_ t: (wall: Double, cpu: Double)) -> String { String(format: "%6.1f (%6.1f)", t.wall * 1e3, t.cpu * 1e3) }
            print(String(format: "  %-10@ %-20@ %@ %@ %@ %@  %@,%@",
                         layer.name as NSString, shape as NSString, cell(times[0]), cell(times[2]), cell(times[1]), cell(times[3]),
                         (autoF ? "wino" : "im2col") as NSString, (autoB ? "wino" : "im2col") as NSString))
        }
    }
}

/// Every activation up to the tap and the input gradient, Winograd (forced on every layer) against im2col.
func checkPaths(_ net: VGG, _ x: Tensor, depth: Int, tap: String) throws {
    let names = net.layers[...depth].map(\.name)
    var runs: [(VGG.Activations, Tensor)] = []
    for a in [ConvolutionAlgorithm.im2col, .winograd] {
        let net = net.using(a)
        let f = try net.forward(x, taps: names)
        runs.append((f, try net.backward(f, tapGradients: [tap: f.taps[tap]!])))
    }
    for name in names {
        let d = relativeDifference(runs[1].0.taps[name]!, runs[0].0.taps[name]!)
        print(String(format: "  check %-8@ winograd vs im2col: %.1e of the largest, %.1e in L2 norm", name as NSString, d.max, d.l2))
    }
    let d = relativeDifference(runs[1].1, runs[0].1)
    print(String(format: "  check input gradient: %.1e of the largest, %.1e in L2 norm", d.max, d.l2))
    // The same backward from im2col's forward (same ReLU masks and pooling windows): only the convolutions differ.
    let g = try net.using(.winograd).backward(runs[0].0, tapGradients: [tap: runs[0].0.taps[tap]!])
    let e = relativeDifference(g, runs[0].1)
    print(String(format: "  check input gradient, backward alone: %.1e of the largest, %.1e in L2 norm", e.max, e.l2))
}

/// Runs the PyTorch version of the pass (`--torch-program`) with python3; returns its seconds per forward+backward, or nil.
func torchSeconds(size: Int, _ options: Options) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var args = ["python3", options.torchProgram, "--threads", "\(ThreadSettings.workers)", "--repeat", "\(options.repeats)", "--tap", options.tap]
    if let weightsPath = options.weightsPath { args += ["--weights", weightsPath] }
    process.arguments = args + ["\(size)"]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch {
        print("  torch: cannot run python3: \(error)")
        return nil
    }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("torch \(size) ") }),
          let value = line.split(separator: " ").last.flatMap({ Double($0) }) else {
        print("  torch: failed (exit \(process.terminationStatus)); is torch installed? (pip install torch: the CPU wheel is enough)")
        return nil
    }
    return value
}

do {
    let net = try VGG(path: try WeightsLocator.resolve(options.weightsPath),
                      convolution: ConvolutionSettings(algorithm: .automatic, scratchBudget: options.budget))
    let depth = try net.index(of: options.tap)
    print("threads: \(ThreadSettings.workers), tap: \(options.tap), algorithm: \(options.algorithm.rawValue)")
    print(String(format: "sgemm 1024^3: %.1f GFLOP/s", sgemmRate()))
    for size in options.sizes {
        let x = randomImage(size)
        let flops = 2 * convolutionFlops(net, width: size, height: size, through: depth)
        if options.perLayer { layerTable(net, size: size, depth: depth, repeats: options.repeats) }
        if options.check { try checkPaths(net, x, depth: depth, tap: options.tap) }
        let main = try timePass(net, x, options.algorithm, options)
        let rate = sgemmRate()
        let rss = peakRSSMegabytes()
        print(String(format: "%dx%d: forward+backward %.3f s (forward %.3f s, cpu %.2f s), %.0f GFLOP conv, %.1f GFLOP/s, sgemm now %.1f GFLOP/s, peak RSS %.0f MB",
                     size, size, main.total, main.forward, main.cpu, flops / 1e9, flops / main.total / 1e9, rate, rss))
        if options.repeats > 1 {
            print(String(format: "%dx%d: first pass %.3f s (builds the kernels it needs)", size, size, main.first))
        }
        var result = String(format: "result: size=%d seconds=%.4f cpu=%.4f gflops=%.1f sgemm=%.1f rss=%.0f", size, main.total, main.cpu,
                            flops / main.total / 1e9, rate, rss)
        if options.reference && options.algorithm != .im2col {
            let ref = try timePass(net, x, .im2col, options)
            let difference = relativeDifference(main.input, ref.input)
            print(String(format: "%dx%d: reference im2col %.3f s (forward %.3f s, cpu %.2f s), %.1f GFLOP/s; speed-up %.2fx; input gradients differ by %.1e of the largest (%.1e in L2 norm; mostly ReLU and max-pool decisions flipped by rounding, see --check)",
                         size, size, ref.total, ref.forward, ref.cpu, flops / ref.total / 1e9, ref.total / main.total,
                         difference.max, difference.l2))
            result += String(format: " reference=%.4f", ref.total)
        }
        if options.versusTorch, let t = torchSeconds(size: size, options) {
            print(String(format: "%dx%d: torch %.3f s, %.1f GFLOP/s; stylize is %.2fx torch's speed",
                         size, size, t, flops / t / 1e9, t / main.total))
            result += String(format: " torch=%.4f", t)
        }
        print(result)
    }
} catch {
    fail("\(error)", code: 1)
}
