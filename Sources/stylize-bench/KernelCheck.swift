import Engine
import Foundation

/// `stylize-bench engine --save-result FILE` / `--compare-result FILE` (scripts/bench-engine): the result of one
/// pass (the tap's activations and the input gradient) from a run with the environment's OpenBLAS kernel, and
/// the check that a run with another kernel (OPENBLAS_CORETYPE unset, as users run it) gives the same result
/// within float32 rounding before its time is reported.
///
/// Why the bounds are what they are: the two runs execute the same code on the same input but for OpenBLAS's
/// kernels, which only order and block the float32 sums of each product differently. Higham's bound (see
/// Tests/TestSupport/Float32Rounding.swift) puts each run within γ_N of the computation on absolute values,
/// N the roundings along the longest chain: 9·Cin + 2 per convolution (its sum and bias; the Winograd
/// transforms are the same code in both runs), N = Σ (9·Cin + 2) over the convolutions to the tap, and two
/// runs differ by at most twice that. The tap's activations are a continuous function of those sums (ReLU and
/// max-pool are 1-Lipschitz), so their difference is held to 2·γ_N in relative L2 norm (2.9e-3 to relu5_1;
/// the scale is the tap's own norm, below the absolute-value computation's, so this is a check, not a proof;
/// different kernels give 1e-6 to 2e-6 at 128-512 px).
/// The input gradient is not continuous: a ReLU or max-pool decision that rounding flips sends one gradient
/// value elsewhere, and back through every convolution below. Its difference depends on how many decisions lie
/// within rounding of a tie, which no rounding bound gives (2.2e-6 at 128 px, 1.1e-3 at 512 px measured,
/// Sandybridge against Zen kernels): it is held to 5e-2 only, which catches a broken product (differences of
/// order 1) and not rounding.
struct PassResult {
    var tap: [Float]
    var gradient: [Float]
    /// The OpenBLAS kernel that computed it (`openblas_get_corename()`).
    var kernel: String

    /// Little-endian: the two counts (Int64), the floats of the tap and of the gradient, the kernel's name (UTF-8).
    func write(to path: String) throws {
        var bytes = Data()
        for count in [tap.count, gradient.count] { withUnsafeBytes(of: Int64(count).littleEndian) { bytes.append(contentsOf: $0) } }
        for values in [tap, gradient] { values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: Array(kernel.utf8))
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    init(tap: [Float], gradient: [Float], kernel: String) { (self.tap, self.gradient, self.kernel) = (tap, gradient, kernel) }

    init(contentsOf path: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        func count(at offset: Int) -> Int {
            Int(Int64(littleEndian: bytes[offset..<offset + 8].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
        }
        guard bytes.count >= 16 else { throw BenchError("\(path): not a pass result (\(bytes.count) bytes)") }
        let (n, m) = (count(at: 0), count(at: 8))
        guard n >= 0, m >= 0, bytes.count >= 16 + 4 * (n + m) else { throw BenchError("\(path): not a pass result (\(bytes.count) bytes)") }
        func floats(_ range: Range<Int>) -> [Float] {
            bytes[range].withUnsafeBytes { raw in (0..<range.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        }
        tap = floats(16..<16 + 4 * n)
        gradient = floats(16 + 4 * n..<16 + 4 * (n + m))
        kernel = String(decoding: bytes[(16 + 4 * (n + m))...], as: UTF8.self)
    }

    /// The input gradient's bound: not rounding's (see the type's comment).
    static let gradientBound = 5e-2

    /// The rounding chain's length forward (see the type's comment): Σ (9·Cin + 2) over the convolutions.
    static func roundings(_ net: VGG, through depth: Int) -> Int {
        net.layers[...depth].reduce(0) { n, layer in
            if case .conv(let conv) = layer.kind { return n + 9 * conv.inChannels + 2 }
            return n
        }
    }

    /// Compares with `reference` (the environment's kernel): one line, and an error when a bound is exceeded.
    func check(against reference: PassResult, roundings: Int) throws -> String {
        let referenceKernel = reference.kernel
        guard tap.count == reference.tap.count, gradient.count == reference.gradient.count else {
            throw BenchError("the saved result is of another size or tap")
        }
        func gamma(_ n: Int) -> Double { Double(n) * 0x1p-24 / (1 - Double(n) * 0x1p-24) }
        let (forwardBound, gradientBound) = (2 * gamma(roundings), PassResult.gradientBound)
        let t = relativeL2(tap, reference.tap), g = relativeL2(gradient, reference.gradient)
        let line = String(format: "same result as kernel %@: tap %.1e (bound %.1e), input gradient %.1e (bound %.1e), relative L2",
                          referenceKernel as NSString, t, forwardBound, g, gradientBound)
        guard t <= forwardBound, g <= gradientBound else { throw BenchError("results differ from kernel \(referenceKernel)'s: " + line) }
        return line
    }

    /// |a - b| / |b| in L2 norm, in float64.
    func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
        var d = 0.0, s = 0.0
        for i in a.indices {
            let (p, q) = (Double(a[i]), Double(b[i]))
            d += (p - q) * (p - q)
            s += q * q
        }
        return (d / max(s, .leastNormalMagnitude)).squareRoot()
    }
}

/// An error of the benchmark, printed as "stylize-bench: message".
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
