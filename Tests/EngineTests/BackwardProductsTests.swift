import XCTest
import CBFloat16
import CSIMD
@testable import Engine
import TestSupport

/// The bfloat16 backward products (BackwardProducts.swift, Sources/CBFloat16): the rounding bit for bit against
/// the Swift reference, the batched product against a float64 sum of the same rounded operands. On a CPU without
/// AVX-512 BF16 only the reference's own checks run (the rest is skipped: the product cannot be chosen there).
final class BackwardProductsTests: XCTestCase {
    func requireBFloat16() throws {
        guard BackwardProducts.bfloat16.runsHere else { throw XCTSkip("this CPU has \(InstructionLevel.cpu), not AVX-512 BF16") }
    }

    /// The reference rounding on values whose bfloat16 is known: ties go to the even neighbour, the largest
    /// float rounds to infinity, subnormals to a signed zero, NaN stays NaN.
    func testReferenceRoundingOfKnownValues() {
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_0000, 0x3F80),  // 1
            (0x3F80_7FFF, 0x3F80),  // just below the tie: down
            (0x3F80_8000, 0x3F80),  // tie, even neighbour below
            (0x3F81_8000, 0x3F82),  // tie, even neighbour above
            (0x3F80_8001, 0x3F81),  // just above the tie: up
            (0xBF81_8000, 0xBF82),  // the same, negative
            (0x7F7F_FFFF, 0x7F80),  // the largest float: infinity
            (0x7F80_0000, 0x7F80),  // infinity
            (0x0000_0001, 0x0000),  // the smallest subnormal: +0
            (0x807F_FFFF, 0x8000),  // a negative subnormal: -0
            (0x0080_0000, 0x0080),  // the smallest normal stays
        ]
        for (bits, expected) in cases {
            XCTAssertEqual(BackwardProducts.referenceRounding(Float(bitPattern: bits)), expected, String(bits, radix: 16))
        }
        XCTAssertTrue(BackwardProducts.widened(BackwardProducts.referenceRounding(.nan)).isNaN)
        XCTAssertEqual(BackwardProducts.widened(0x4049), 3.140625)
    }

    /// `auto`'s rule: bfloat16 only where it runs and the CPU is AMD's (faster there, measured; on Intel's
    /// AVX-512 BF16 cores it was slower than float32); float32 wherever bfloat16 does not run.
    func testAutoChoosesBFloat16OnlyWhereItRunsAndPays() {
        XCTAssertEqual(BackwardProducts.choice(bfloat16Runs: true, amd: true), .bfloat16)
        XCTAssertEqual(BackwardProducts.choice(bfloat16Runs: true, amd: false), .float32)
        XCTAssertEqual(BackwardProducts.choice(bfloat16Runs: false, amd: true), .float32)
        XCTAssertEqual(BackwardProducts.choice(bfloat16Runs: false, amd: false), .float32)
        // This CPU's vendor, read the way OpenBLAS and /proc/cpuinfo read it.
        let vendor = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("vendor_id") }
        if let vendor {
            XCTAssertEqual(stylize_cpu_features_detect().amd != 0, vendor.hasSuffix("AuthenticAMD"), String(vendor))
        }
    }

    /// The AVX-512 BF16 rounding (in place and not; lengths that leave a tail of each size) against the reference.
    func testRoundingMatchesTheReference() throws {
        try requireBFloat16()
        var rng = SplitMix64(seed: 7)
        var values = (0..<1000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        values += [0, -0, 1, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude,
                   Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), -Float(bitPattern: 0x3F81_8000)]
        for count in [0, 1, 15, 16, 17, 31, 32, 33, 63, values.count] {
            let input = Array(values.prefix(count))
            let expected = input.map(BackwardProducts.referenceRounding)
            var out = [UInt16](repeating: 0xFFFF, count: count)
            input.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in stylize_bf16_round(src.baseAddress!, dst.baseAddress!, count) }
            }
            XCTAssertEqual(out.map(isNaNBits), expected.map(isNaNBits), "count \(count)")
            XCTAssertEqual(out.map(canonical), expected.map(canonical), "count \(count)")
            var inPlace = input + [0]
            let count32 = count
            inPlace.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UInt16.self, capacity: 2 * buffer.count) { halves in
                    stylize_bf16_round(buffer.baseAddress!, halves, count32)
                    XCTAssertEqual((0..<count32).map { canonical(halves[$0]) }, expected.map(canonical), "in place, count \(count32)")
                }
            }
        }
    }

    /// c = a b for bfloat16 a (M x K) and b (K x N), batched: against the float64 sum of the widened operands,
    /// whose products are exact in float32, so the only error is float32's sum of K terms and the comparison's
    /// rounding: within γ_(K+1) Σ|a||b| per entry. Shapes: 1 x 1 x 1, odd sizes, and the Winograd products' own.
    func testBatchedProductWithinAFloat32Sum() throws {
        try requireBFloat16()
        var rng = SplitMix64(seed: 11)
        for (batch, m, n, k) in [(1, 1, 1, 1), (3, 5, 7, 9), (36, 17, 33, 64), (36, 64, 128, 128), (2, 130, 3, 257)] {
            let a = (0..<(batch * m * k)).map { _ in BackwardProducts.referenceRounding(Float.random(in: -1...1, using: &rng)) }
            let b = (0..<(batch * k * n)).map { _ in BackwardProducts.referenceRounding(Float.random(in: -4...4, using: &rng)) }
            var c = [Float](repeating: .nan, count: batch * m * n)
            let product = BFloat16Product(batch: batch, rows: m, inner: k)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in product.run(a: a.baseAddress!, b: b.baseAddress!, columns: n, into: c.baseAddress!) }
                }
            }
            var exact = [Float](), bound = [Double]()
            for p in 0..<batch {
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0, magnitude = 0.0
                        for l in 0..<k {
                            let term = Double(BackwardProducts.widened(a[(p * m + i) * k + l])) * Double(BackwardProducts.widened(b[(p * k + l) * n + j]))
                            sum += term
                            magnitude += abs(term)
                        }
                        exact.append(Float(sum))
                        bound.append(Float32Rounding.gamma(k + 1) * magnitude)
                    }
                }
            }
            Float32Rounding.assertWithin(c, exact, bound: bound, "\(batch) x \(m) x \(n) x \(k)")
        }
    }

    private func isNaNBits(_ v: UInt16) -> Bool { v & 0x7F80 == 0x7F80 && v & 0x007F != 0 }
    /// NaNs compare as one value (their payload is not specified), everything else bit for bit.
    private func canonical(_ v: UInt16) -> UInt16 { isNaNBits(v) ? 0x7FC0 : v }
}
