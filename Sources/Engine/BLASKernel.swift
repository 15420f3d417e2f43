import CBLAS
import CSIMD
import Foundation

/// The instruction sets OpenBLAS's kernels are written for, oldest first: what `--verbose` compares the
/// kernel in use with.
public enum InstructionLevel: Int, Comparable, Sendable, CustomStringConvertible {
    case sse, avx, avx2, avx512, avx512bf16

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .sse: "SSE"
        case .avx: "AVX"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        case .avx512bf16: "AVX-512 BF16"
        }
    }

    /// The level of the OpenBLAS x86-64 kernel (core) named `name`, as `openblas_get_corename()` or
    /// `OPENBLAS_CORETYPE` spell it (case ignored); nil for a name not in OpenBLAS 0.3's list (no comparison).
    public init?(kernel name: String) {
        switch name.lowercased() {
        case "cooperlake", "sapphirerapids": self = .avx512bf16
        case "skylakex": self = .avx512
        case "haswell", "zen", "excavator": self = .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": self = .avx
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat": self = .sse
        default: return nil
        }
    }

    /// The kernel OpenBLAS 0.3.21 (DYNAMIC_ARCH) runs at this level on an Intel CPU, the name to give for
    /// "this CPU could run" (on AMD CPUs it picks the same code under these names, or Zen for Haswell's).
    public var kernelName: String {
        switch self {
        case .sse: "Prescott"
        case .avx: "Sandybridge"
        case .avx2: "Haswell"
        case .avx512: "SkylakeX"
        case .avx512bf16: "Cooperlake"
        }
    }

    /// The newest level this CPU (and its OS) can run, from cpuid: AVX-512 needs F, DQ, BW and VL (what
    /// OpenBLAS's SkylakeX kernels use), AVX2 needs FMA too.
    public static var cpu: InstructionLevel {
        let f = stylize_cpu_features_detect()
        let avx512 = f.avx512f != 0 && f.avx512dq != 0 && f.avx512bw != 0 && f.avx512vl != 0
        if avx512 && f.avx512bf16 != 0 { return .avx512bf16 }
        if avx512 { return .avx512 }
        if f.avx2 != 0 && f.fma != 0 { return .avx2 }
        if f.avx != 0 { return .avx }
        return .sse
    }
}

/// Which OpenBLAS kernel does the products, and whether `OPENBLAS_CORETYPE` holds it below what the CPU could
/// run: `stylize --verbose` and the benchmarks say it.
public struct BLASKernel: Sendable, CustomStringConvertible {
    /// `openblas_get_corename()`, e.g. "Haswell".
    public let name: String
    /// The first two words of `openblas_get_config()`, e.g. "OpenBLAS 0.3.21".
    public let library: String
    /// `OPENBLAS_CORETYPE` when set and not empty.
    public let coreType: String?
    /// The newest instruction level of this CPU.
    public let cpu: InstructionLevel
    /// The kernel OpenBLAS had picked for itself when `BLASKernelChoice` replaced it, nil when kept.
    public let replaced: String?

    public init(name: String, library: String, coreType: String?, cpu: InstructionLevel, replaced: String? = nil) {
        (self.name, self.library, self.coreType, self.cpu, self.replaced) = (name, library, coreType, cpu, replaced)
    }

    /// The kernel in use in this process, `OPENBLAS_CORETYPE` from `environment`.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASKernel {
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let name = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let coreType = environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        return BLASKernel(name: name, library: config.split(separator: " ").prefix(2).joined(separator: " "),
                          coreType: coreType, cpu: .cpu, replaced: BLASKernelChoice.replaced)
    }

    /// The kernel's instruction level, nil for a name not in OpenBLAS's list.
    public var level: InstructionLevel? { InstructionLevel(kernel: name) }

    /// True when `OPENBLAS_CORETYPE` is set and the kernel in use is of an older level than the CPU's.
    public var heldBack: Bool {
        guard coreType != nil, let level else { return false }
        return level < cpu
    }

    /// "OpenBLAS 0.3.21, kernel Haswell (AVX2), CPU AVX2", then when OPENBLAS_CORETYPE is set
    /// " (OPENBLAS_CORETYPE=Haswell)", and when that holds it back
    /// "; this CPU could run Cooperlake (AVX-512 BF16) kernels, faster: unset OPENBLAS_CORETYPE", and when
    /// `BLASKernelChoice` replaced OpenBLAS's own pick " (OpenBLAS picked Prescott (SSE) for this CPU; set
    /// OPENBLAS_CORETYPE to choose)".
    public var description: String {
        // "Haswell (AVX2)", or the name alone when it is not in OpenBLAS's list.
        func withLevel(_ kernel: String) -> String { kernel + (InstructionLevel(kernel: kernel).map { " (\($0))" } ?? "") }
        var text = "\(library), kernel \(withLevel(name)), CPU \(cpu)"
        if let replaced { text += " (OpenBLAS picked \(withLevel(replaced)) for this CPU; set OPENBLAS_CORETYPE to choose)" }
        if let coreType { text += " (OPENBLAS_CORETYPE=\(coreType))" }
        if heldBack {
            text += "; this CPU could run \(cpu.kernelName) (\(cpu)) kernels, faster: unset OPENBLAS_CORETYPE"
        }
        return text
    }
}
