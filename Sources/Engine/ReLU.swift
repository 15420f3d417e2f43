import CWinograd

/// max(0, x), in place; its backward needs only where the output was positive, which `forward(_:mask:)`
/// records in one bit per element.
public enum ReLU {
    public static func forward(_ tensor: inout Tensor) {
        tensor.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            parallelChunks(buf.count) { range in
                for i in range { p[i] = p[i] > 0 ? p[i] : 0 }
            }
        }
    }

    /// max(0, x) in place, returning which outputs are positive (what backward needs).
    public static func forward(_ tensor: inout Tensor, mask: inout BitMask) {
        let n = tensor.count
        mask = BitMask(uninitializedCount: n)
        tensor.data.withUnsafeMutableBufferPointer { buf in
            mask.words.withUnsafeMutableBufferPointer { wordBuf in
                let (p, words) = (buf.baseAddress!, wordBuf.baseAddress!)
                parallelChunks(wordBuf.count, minChunk: 256) { range in
                    let avx512 = BitMask.avx512
                    for wi in range {
                        let base = wi * 64
                        if base + 64 <= n {
                            words[wi] = avx512 ? stylize_relu64_avx512(p + base) : BitMask.relu64(p + base)
                        } else {
                            var bits: UInt64 = 0
                            for k in 0..<(n - base) {
                                let v = p[base + k]
                                if v > 0 { bits |= 1 << UInt64(k) } else { p[base + k] = 0 }
                            }
                            words[wi] = bits
                        }
                    }
                }
            }
        }
    }

    /// Zeroes the gradient wherever the ReLU's output was not positive.
    public static func backward(output: Tensor, gradient: inout Tensor) {
        precondition(output.count == gradient.count)
        output.data.withUnsafeBufferPointer { out in
            gradient.data.withUnsafeMutableBufferPointer { grad in
                let (o, g) = (out.baseAddress!, grad.baseAddress!)
                parallelChunks(out.count) { range in
                    for i in range { g[i] = o[i] > 0 ? g[i] : 0 }
                }
            }
        }
    }

    /// Zeroes the gradient wherever the mask from `forward(_:mask:)` is clear.
    public static func backward(mask: BitMask, gradient: inout Tensor) {
        precondition(mask.count == gradient.count)
        gradient.data.withUnsafeMutableBufferPointer { grad in
            mask.apply(to: grad.baseAddress!)
        }
    }
}

/// One bit per element of a tensor.
public struct BitMask: Sendable, Equatable {
    public let count: Int
    var words: [UInt64]

    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// Words left for the caller to fill, every one of them.
    init(uninitializedCount count: Int) {
        self.count = count
        let words = (count + 63) / 64
        self.words = [UInt64](unsafeUninitializedCapacity: words) { _, initialized in initialized = words }
    }

    public subscript(i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// Bytes held.
    public var byteCount: Int { words.count * 8 }

    /// Whether the masks' loops run in AVX-512 (`stylize_relu64_avx512`, `stylize_apply_mask_avx512`, the same bits
    /// as the Swift loops here): where the CPU has it, as the Winograd transforms' loops, read once.
    static let avx512 = TransformLoops.best == .avx512

    /// max(0, x) on 64 floats in place; bit k is set where p[k] > 0.
    @inline(__always)
    static func relu64(_ p: UnsafeMutablePointer<Float>) -> UInt64 {
        let weights = SIMD4<Int32>(1, 2, 4, 8)
        var bits: UInt64 = 0
        for g in 0..<16 {
            let v = load4(p + 4 * g)
            let positive = v .> 0
            store4(v.replacing(with: 0, where: .!positive), p + 4 * g)
            let nibble = (SIMD4<Int32>(repeating: 0).replacing(with: -1, where: positive) & weights).wrappedSum()
            bits |= UInt64(UInt32(bitPattern: nibble)) << UInt64(4 * g)
        }
        return bits
    }

    /// g[i] = 0 wherever bit i is clear, for the `count` floats at g.
    func apply(to g: UnsafeMutablePointer<Float>) {
        let n = count
        words.withUnsafeBufferPointer { wordBuf in
            let words = wordBuf.baseAddress!
            parallelChunks(wordBuf.count, minChunk: 256) { range in
                let first = range.lowerBound * 64
                applyMask(words, bitOffset: first, to: g + first, count: min(n, range.upperBound * 64) - first)
            }
        }
    }
}

/// g[k] = 0 for k in 0..<count wherever bit bitOffset + k of `words` is clear (branch-free on four floats at a
/// time: ReLU masks are close to random).
@inline(__always)
func applyMask(_ words: UnsafePointer<UInt64>, bitOffset: Int, to g: UnsafeMutablePointer<Float>, count: Int) {
    if BitMask.avx512 {
        stylize_apply_mask_avx512(words, bitOffset, g, count)
    } else {
        applyMaskSwift(words, bitOffset: bitOffset, to: g, count: count)
    }
}

/// The Swift loop of `applyMask` (SIMD4), the reference of the AVX-512 one.
@inline(__always)
func applyMaskSwift(_ words: UnsafePointer<UInt64>, bitOffset: Int, to g: UnsafeMutablePointer<Float>, count: Int) {
    let weights = SIMD4<Int32>(1, 2, 4, 8)
    var k = 0
    while k < count {
        let bit = bitOffset + k
        let shift = bit & 63
        let take = min(64 - shift, count - k)
        let all: UInt64 = take == 64 ? ~0 : (1 << UInt64(take)) - 1
        let bits = (words[bit >> 6] >> UInt64(shift)) & all
        if bits == 0 {
            (g + k).update(repeating: 0, count: take)
        } else if bits != all {
            let q = g + k
            var i = 0
            while i + 4 <= take {
                let nibble = Int32(truncatingIfNeeded: (bits >> UInt64(i)) & 15)
                let keep = (SIMD4<Int32>(repeating: nibble) & weights) .!= 0
                store4(load4(q + i).replacing(with: 0, where: .!keep), q + i)
                i += 4
            }
            while i < take {
                if (bits >> UInt64(i)) & 1 == 0 { q[i] = 0 }
                i += 1
            }
        }
        k += take
    }
}
