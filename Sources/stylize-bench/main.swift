import CBLAS
import Engine
import Foundation

/// Engine benchmark (scripts/bench-engine): one VGG forward + backward to relu5_1 at the given sizes,
/// with the sgemm rate measured in the same run so that ratios hold on a noisy machine.
/// Usage: stylize-bench [--weights FILE] [--repeat N] SIZE...

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return 0
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

var arguments = Array(CommandLine.arguments.dropFirst())
var weightsPath: String? = nil
var repeats = 2
var sizes: [Int] = []
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--weights": weightsPath = arguments.removeFirst()
    case "--repeat": repeats = Int(arguments.removeFirst()) ?? 2
    default:
        guard let size = Int(argument) else {
            FileHandle.standardError.write(Data("stylize-bench: usage: stylize-bench [--weights FILE] [--repeat N] SIZE...\n".utf8))
            exit(2)
        }
        sizes.append(size)
    }
}
if sizes.isEmpty { sizes = [256, 512] }
do {
    let net = try VGG(path: try WeightsLocator.resolve(weightsPath))
    let tap = "relu5_1"
    let depth = try net.index(of: tap)
    print("threads: \(ThreadSettings.workers)")
    print(String(format: "sgemm 1024^3: %.1f GFLOP/s", sgemmRate()))
    for size in sizes {
        var rng = SplitMix64(seed: 1)
        let x = Tensor(channels: 3, height: size, width: size, data: (0..<(3 * size * size)).map { _ in Float.random(in: -100...100, using: &rng) })
        var best = Double.infinity
        var forwardOnly = Double.infinity
        for _ in 0..<repeats {
            var activations: VGG.Activations? = nil
            let f = try seconds { activations = try net.forward(x, taps: [tap]) }
            let g = activations!.taps[tap]!
            let b = try seconds { _ = try net.backward(activations!, tapGradients: [tap: g]) }
            best = min(best, f + b)
            forwardOnly = min(forwardOnly, f)
        }
        let flops = 2 * convolutionFlops(net, width: size, height: size, through: depth)
        print(String(format: "%dx%d: forward+backward %.3f s (forward %.3f s), %.0f GFLOP conv, %.1f GFLOP/s, sgemm now %.1f GFLOP/s, peak RSS %.0f MB",
                     size, size, best, forwardOnly, flops / 1e9, flops / best / 1e9, sgemmRate(), peakRSSMegabytes()))
    }
} catch {
    FileHandle.standardError.write(Data("stylize-bench: \(error)\n".utf8))
    exit(1)
}
