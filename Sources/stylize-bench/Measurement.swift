import CBLAS
import Dispatch
import Engine
import Foundation

/// What the engine benchmark measures besides the pass itself: wall and CPU time, peak RSS, the sgemm rate
/// of the same run (to judge a noisy machine) and the FLOP count of the convolutions.

/// The process's peak resident set (VmHWM), MB: run one size per process for a clean figure.
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

/// Wall seconds of `body`.
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

/// OpenBLAS's sgemm rate on 1024^3 now, GFLOP/s (one warm-up product, then the mean of 5).
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
