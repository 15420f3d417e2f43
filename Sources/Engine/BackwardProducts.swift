import CBFloat16
import CSIMD
import Foundation

/// The number format of the Winograd-domain products in a convolution's backward pass (the input gradient's),
/// a value held by `ConvolutionSettings` like `TransformLoops` (no process-wide setting). The forward pass, and so
/// J and the Grams, stay float32 whatever it is.
///
/// `bfloat16` rounds both operands of each product to bfloat16 (8 significant bits: each within 2⁻⁹ relative
/// of its float32 value, Winograd's transformed kernel once, the transformed gradient per chunk) and sums
/// their exact products in float32 (oneDNN's matmul, `CBFloat16`). It runs on any CPU with AVX-512 BF16, and is
/// faster only where its dot product (VDPBF16PS) runs at twice float32's FMA rate (`choice`). Measured (README, Speed and memory): after the default job on three pairs the written
/// image's J was within 0.4% of float32's, where bfloat16 in the forward products too moved it by up to 3%.
/// Error bound, element by element: within (1 + 2⁻⁸)² (1 + γ_(Cin+21)) - 1 of Winograd's computation on
/// absolute values (`WinogradTests`), against γ_(Cin+21) for float32.
public enum BackwardProducts: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case bfloat16

    /// Whether this CPU runs it: bfloat16 needs AVX-512 BF16 (cpuid), and oneDNN able to make its matmul.
    public var runsHere: Bool {
        switch self {
        case .float32: true
        case .bfloat16: Self.bfloat16Kernel != nil
        }
    }

    /// What the executables' `auto` means on this CPU: `choice(bfloat16Runs:amd:)` with this CPU's values.
    public static var best: BackwardProducts {
        choice(bfloat16Runs: BackwardProducts.bfloat16.runsHere, amd: stylize_cpu_features_detect().amd != 0)
    }

    /// bfloat16 where it runs and is faster, float32 elsewhere. Faster means an AMD CPU: Zen 4 runs VDPBF16PS
    /// (two products a lane) at the FMA's rate, so twice float32's, and a 512 px pass took 0.627 s against
    /// 0.729 s, the default job 69.1 s against 79.0 s (README, Speed and memory). Intel's AVX-512 BF16 cores run
    /// it at one a cycle where the FMA runs two, so no faster, with the operands' rounding on top: on an Emerald
    /// Rapids (family 6 model 207) a pass took 0.642 s against 0.573 s and the default job 81.0 s against 66.0 s.
    /// Intel's AMX tiles, which oneDNN would use for bf16, were not seen on these machines and are not counted.
    public static func choice(bfloat16Runs: Bool, amd: Bool) -> BackwardProducts {
        bfloat16Runs && amd ? .bfloat16 : .float32
    }

    /// oneDNN's version and the kernel it runs a bf16 matmul with ("oneDNN 2.6.3 brg:avx512_core_bf16"), nil
    /// where bfloat16 does not run: read once.
    public static let bfloat16Kernel: String? = {
        guard InstructionLevel.cpu >= .avx512bf16 else { return nil }
        var text = [CChar](repeating: 0, count: 128)
        guard stylize_bf16_describe(&text, text.count) == 0 else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    public var description: String {
        switch self {
        case .float32: "float32"
        case .bfloat16: "bfloat16" + (Self.bfloat16Kernel.map { " (\($0))" } ?? "")
        }
    }

    /// `values` rounded to bfloat16, to nearest, ties to even (AVX-512 BF16's rounding: subnormals to zero).
    /// Only where `bfloat16` runs.
    static func rounded(_ values: [Float]) -> [UInt16] {
        precondition(BackwardProducts.bfloat16.runsHere, "bfloat16 needs AVX-512 BF16, this CPU has \(InstructionLevel.cpu)")
        var out = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stylize_bf16_round(src.baseAddress!, dst.baseAddress!, values.count)
            }
        }
        return out
    }

    /// The reference rounding, in Swift, that the tests check `stylize_bf16_round` against: the float's bits
    /// plus 0x7FFF plus the lowest kept bit, truncated (round to nearest, ties to even); subnormals become a
    /// zero of their sign, NaNs a quiet NaN of their sign, as VCVTNE2PS2BF16 does.
    public static func referenceRounding(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x0040 }
        if value.isSubnormal { return UInt16((bits >> 16) & 0x8000) }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    /// The float32 value of a bfloat16.
    public static func widened(_ value: UInt16) -> Float { Float(bitPattern: UInt32(value) << 16) }
}

/// One bfloat16 batched product shape for one worker of `Winograd.convolve`: made on first use, destroyed with
/// the value.
final class BFloat16Product {
    private var shapes: [Int: OpaquePointer] = [:]
    let batch: Int, rows: Int, inner: Int

    init(batch: Int, rows: Int, inner: Int) { (self.batch, self.rows, self.inner) = (batch, rows, inner) }

    /// c[b] = a[b] (rows x inner) * b[b] (inner x columns), for every b of the batch.
    func run(a: UnsafePointer<UInt16>, b: UnsafePointer<UInt16>, columns: Int, into c: UnsafeMutablePointer<Float>) {
        let matmul: OpaquePointer
        if let made = shapes[columns] {
            matmul = made
        } else {
            guard let made = stylize_bf16_matmul_create(Int32(batch), Int32(rows), Int32(columns), Int32(inner)) else {
                preconditionFailure("oneDNN could not make a bf16 matmul of \(batch) x \(rows) x \(columns) x \(inner)")
            }
            shapes[columns] = made
            matmul = made
        }
        let status = stylize_bf16_matmul_run(matmul, a, b, c)
        precondition(status == 0, "oneDNN's bf16 matmul failed")
    }

    deinit {
        for matmul in shapes.values { stylize_bf16_matmul_destroy(matmul) }
    }
}
