import CBLAS
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

    /// BLASKernelChoice's rule: OpenBLAS's own pick is replaced by the CPU level's kernel only when nobody set
    /// OPENBLAS_CORETYPE and the pick is older; never by an older kernel, never a name OpenBLAS's list lacks.
    func testTheKernelIsReplacedOnlyWhenNobodyChoseOneAndItIsOlderThanTheCPU() {
        // Emerald Rapids (family 6 model 207): OpenBLAS 0.3.21 does not know it and runs Prescott.
        XCTAssertEqual(BLASKernelChoice.replacement(for: "Prescott", coreType: nil, cpu: .avx512bf16), "Cooperlake")
        XCTAssertEqual(BLASKernelChoice.replacement(for: "Haswell", coreType: nil, cpu: .avx512), "SkylakeX")
        XCTAssertEqual(BLASKernelChoice.replacement(for: "Nehalem", coreType: nil, cpu: .avx2), "Haswell")
        // The variable is a choice, kept even when it holds the CPU back.
        XCTAssertNil(BLASKernelChoice.replacement(for: "Haswell", coreType: "Haswell", cpu: .avx512bf16))
        XCTAssertNil(BLASKernelChoice.replacement(for: "Prescott", coreType: "Prescott", cpu: .avx512bf16))
        // Already of the CPU's level (Zen is AVX2, as Haswell), or newer than the cpuid reading: kept.
        XCTAssertNil(BLASKernelChoice.replacement(for: "Zen", coreType: nil, cpu: .avx2))
        XCTAssertNil(BLASKernelChoice.replacement(for: "Cooperlake", coreType: nil, cpu: .avx512bf16))
        XCTAssertNil(BLASKernelChoice.replacement(for: "SkylakeX", coreType: nil, cpu: .avx2))
        XCTAssertNil(BLASKernelChoice.replacement(for: "Neoverse", coreType: nil, cpu: .avx512))
    }

    func testAReplacedPickIsNamed() {
        let chosen = BLASKernel(name: "Cooperlake", library: "OpenBLAS 0.3.21", coreType: nil, cpu: .avx512bf16, replaced: "Prescott")
        XCTAssertFalse(chosen.heldBack)
        XCTAssertEqual(chosen.description, "OpenBLAS 0.3.21, kernel Cooperlake (AVX-512 BF16), CPU AVX-512 BF16 "
                       + "(OpenBLAS picked Prescott (SSE) for this CPU; set OPENBLAS_CORETYPE to choose)")
    }

    /// The mechanism, without changing the kernel this process runs (tests keep the environment's): picking
    /// the current kernel again through OpenBLAS's own initialization names the same kernel, leaves
    /// OPENBLAS_CORETYPE as it was, and gives the same bits for the same product. A kernel OpenBLAS lacks is
    /// refused with the kernel unchanged.
    func testReinitializingToTheSameKernelKeepsItAndItsProducts() {
        let (m, n, k) = (37, 29, 300)
        var generator = SplitMix64(seed: 11)
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
            return c
        }
        let before = BLASKernel.current().name
        let variable = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        let expected = product()
        XCTAssertTrue(BLASKernelChoice.reinitialize(as: before))
        XCTAssertEqual(BLASKernel.current().name, before)
        XCTAssertEqual(getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }, variable)
        XCTAssertEqual(product().map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertFalse(BLASKernelChoice.reinitialize(as: "Neoverse"))
        XCTAssertEqual(BLASKernel.current().name, before)
    }
}
