import CWinograd

/// Which code runs the loops of the Winograd input and output transforms: the Swift reference, or the C loops
/// (Sources/CWinograd) compiled by clang from one source for one instruction set.
///
/// A value held by `ConvolutionSettings` (no process-wide setting); the default is `best`, the newest set this
/// CPU runs, chosen at run time, so one binary runs on any x86-64 CPU. Every choice gives the same bits: the C
/// loops do the Swift reference's float32 operations in the same order with FMA contraction off, and IEEE 754
/// rounds each operation the same at every vector width (TransformLoopsTests checks it for each choice this
/// CPU runs). Forcing a choice the CPU lacks (`runsHere` false) is a programming error (it would die of an
/// illegal instruction): `Winograd.convolve` stops it with a precondition, the executables check it first.
public enum TransformLoops: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The Swift reference (WinogradSwiftLoops.swift, SIMD4): what the C loops are checked against.
    case swift
    /// The C loops for x86-64's baseline (SSE2): any x86-64 CPU (on other CPUs, the portable C).
    case baseline = "x86-64"
    /// The C loops for AVX2 and FMA.
    case avx2
    /// The C loops for AVX-512 F, VL, BW and DQ.
    case avx512 = "avx-512"

    /// The C loops for the newest instruction set this CPU (and its OS) runs, from cpuid, read once.
    public static let best: TransformLoops = [.avx512, .avx2].first { $0.runsHere } ?? .baseline

    /// The instruction level the choice needs (`InstructionLevel.cpu` has the CPU's).
    var level: InstructionLevel {
        switch self {
        case .swift, .baseline: .sse
        case .avx2: .avx2
        case .avx512: .avx512
        }
    }

    /// Whether this CPU can run it.
    public var runsHere: Bool { level <= InstructionLevel.cpu }

    /// The C variant's number.
    var isa: stylize_loops_isa {
        switch self {
        case .swift, .baseline: stylize_loops_baseline
        case .avx2: stylize_loops_avx2
        case .avx512: stylize_loops_avx512
        }
    }

    /// What `--verbose` says, e.g. "C AVX-512".
    public var description: String {
        switch self {
        case .swift: "Swift SIMD4"
        case .baseline: "C x86-64 (SSE2)"
        case .avx2: "C AVX2"
        case .avx512: "C AVX-512"
        }
    }
}
