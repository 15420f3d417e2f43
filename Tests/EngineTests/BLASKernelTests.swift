import CSIMD
import XCTest
@testable import Engine

/// What `stylize --verbose` says about the OpenBLAS kernel: the levels of OpenBLAS's kernel names, and the note
/// when OPENBLAS_CORETYPE holds the kernel below the CPU's level (given values: the environment is not changed).
final class BLASKernelTests: XCTestCase {
    func testKernelNamesHaveTheirInstructionLevels() {
        XCTAssertEqual(InstructionLevel(kernel: "Cooperlake"), .avx512bf16)
        XCTAssertEqual(InstructionLevel(kernel: "SKYLAKEX"), .avx512)
        XCTAssertEqual(InstructionLevel(kernel: "haswell"), .avx2)
        XCTAssertEqual(InstructionLevel(kernel: "Zen"), .avx2)
        XCTAssertEqual(InstructionLevel(kernel: "Sandybridge"), .avx)
        XCTAssertEqual(InstructionLevel(kernel: "Prescott"), .sse)
        XCTAssertNil(InstructionLevel(kernel: "Neoverse"))
        // The name given for "this CPU could run" is a kernel of that very level.
        for level in [InstructionLevel.sse, .avx, .avx2, .avx512, .avx512bf16] {
            XCTAssertEqual(InstructionLevel(kernel: level.kernelName), level)
        }
    }

    func testAnOlderForcedKernelIsNoted() {
        let forced = BLASKernel(name: "Haswell", library: "OpenBLAS 0.3.21", coreType: "Haswell", cpu: .avx512bf16)
        XCTAssertTrue(forced.heldBack)
        XCTAssertEqual(forced.description, "OpenBLAS 0.3.21, kernel Haswell (AVX2), CPU AVX-512 BF16 (OPENBLAS_CORETYPE=Haswell); "
                       + "this CPU could run Cooperlake (AVX-512 BF16) kernels, faster: unset OPENBLAS_CORETYPE")
    }

    func testNoNoteWithoutTheVariableOrWhenTheKernelIsTheCPUs() {
        let chosen = BLASKernel(name: "Haswell", library: "OpenBLAS 0.3.21", coreType: nil, cpu: .avx2)
        XCTAssertFalse(chosen.heldBack)
        XCTAssertEqual(chosen.description, "OpenBLAS 0.3.21, kernel Haswell (AVX2), CPU AVX2")
        // Not forced, even if OpenBLAS chose an older kernel by itself (its own decision, not the variable's).
        XCTAssertFalse(BLASKernel(name: "Haswell", library: "OpenBLAS 0.3.21", coreType: nil, cpu: .avx512).heldBack)
        let same = BLASKernel(name: "SkylakeX", library: "OpenBLAS 0.3.21", coreType: "SkylakeX", cpu: .avx512)
        XCTAssertFalse(same.heldBack)
        XCTAssertEqual(same.description, "OpenBLAS 0.3.21, kernel SkylakeX (AVX-512), CPU AVX-512 (OPENBLAS_CORETYPE=SkylakeX)")
        let unknown = BLASKernel(name: "Neoverse", library: "OpenBLAS 0.3.21", coreType: "Neoverse", cpu: .avx2)
        XCTAssertFalse(unknown.heldBack)
        XCTAssertEqual(unknown.description, "OpenBLAS 0.3.21, kernel Neoverse, CPU AVX2 (OPENBLAS_CORETYPE=Neoverse)")
    }

    /// The CPU level follows the cpuid bits: each level's features imply the older ones (an AVX-512 CPU has AVX2
    /// and FMA, and so on), and the kernel OpenBLAS runs here with the variables as they are is known to us.
    func testThisCPUsLevelIsConsistentWithItsFeatures() {
        let f = stylize_cpu_features_detect()
        let level = InstructionLevel.cpu
        if level >= .avx2 { XCTAssertTrue(f.avx2 != 0 && f.fma != 0 && f.avx != 0) }
        if level >= .avx512 { XCTAssertTrue(f.avx512f != 0 && f.avx512bw != 0 && f.avx512dq != 0 && f.avx512vl != 0) }
        if level == .avx512bf16 { XCTAssertNotEqual(f.avx512bf16, 0) }
        if f.avx512f != 0 { XCTAssertNotEqual(f.avx2, 0, "AVX-512 without AVX2") }
        let kernel = BLASKernel.current()
        XCTAssertNotNil(kernel.level, "OpenBLAS kernel \(kernel.name) not in the list")
        XCTAssertTrue(kernel.library.hasPrefix("OpenBLAS "), kernel.library)
        if kernel.coreType == nil, let used = kernel.level {
            XCTAssertLessThanOrEqual(used, level, "OpenBLAS chose a kernel the CPU cannot run?")
        }
    }
}
