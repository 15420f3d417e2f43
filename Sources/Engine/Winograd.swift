import CBFloat16
import CBLAS
import CWinograd
import Foundation

/// 3x3 "same" convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray 2016).
///
/// Each 4x4 output tile is computed from the 6x6 input window around it as
/// Y = A^T [ sum_c (G g_oc G^T) . (B^T d_c B) ] A, so the 9 multiply-adds per output and channel pair
/// of a direct convolution become 36 per 16 outputs (2.25), a quarter of the work. With the kernel
/// transforms U = G g G^T precomputed, the sum over input channels at each of the 36 positions of the
/// 6x6 transform is a matrix product, done by sgemm: M_p [Cout x tiles] = U_p [Cout x Cin] * V_p [Cin x tiles].
///
/// The image is processed in chunks of tiles (row-major tile order) so the transformed input V and the
/// products M stay bounded (`ConvolutionSettings.scratchBudget` over all workers) whatever the image size. Each worker
/// takes chunks from a shared counter and runs the whole pipeline on it: input transform, 36 single-threaded
/// sgemm calls, output transform. The workers never wait for each other within a layer, and both cores
/// are busy in every phase.
///
/// Numerics: the transforms multiply by small integers (up to 8) and the kernel transform by fractions
/// computed in double precision, so the result differs from a direct float32 convolution by a few units in
/// the last place of the largest terms; the tests bound the relative error (see WinogradTests).
/// With bfloat16 products (`Kernel.bfloat16`, the backward pass on CPUs with AVX-512 BF16) both operands of each
/// product are rounded to 8 significant bits first: the bound grows by a factor (1 + 2⁻⁸)² (WinogradTests).
enum Winograd {
    /// Output tile side (m in F(m x m, 3 x 3)).
    static let tile = 4
    static let positions = 36

    /// G of F(4, 3), the kernel transform (6 x 3):
    ///     [ 1/4     0     0  ]
    ///     [-1/6  -1/6  -1/6  ]
    ///     [-1/6   1/6  -1/6  ]
    ///     [1/24  1/12   1/6  ]
    ///     [1/24 -1/12   1/6  ]
    ///     [  0     0     1   ]
    /// applied to the three values (a, b, c) of one kernel row or column, in double precision.
    @inline(__always)
    static func kernelTransform(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double, Double, Double, Double, Double) {
        let sixth = 1.0 / 6, twelfth = 1.0 / 12, twentyFourth = 1.0 / 24
        let s = a + c
        let e = a * twentyFourth + c * sixth, f = b * twelfth
        return (a * 0.25, -(s + b) * sixth, -(s - b) * sixth, e + f, e - f, c)
    }

    /// The transformed kernels U_p, laid out [36][rows][columns] with U_p[o][i] = (G w[o,i] G^T)_p.
    ///
    /// With `flipped`, the kernel is that of the input gradient: w'[i, o, ky, kx] = w[o, i, 2-ky, 2-kx], so the
    /// result is [36][inChannels][outChannels]; otherwise [36][outChannels][inChannels].
    static func transformKernel(_ weight: [Float], outChannels: Int, inChannels: Int, flipped: Bool) -> [Float] {
        let (rows, columns) = flipped ? (inChannels, outChannels) : (outChannels, inChannels)
        let count = positions * rows * columns
        let stride = rows * columns
        return weight.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            return [Float].filled(count: count) { u in
                parallelFor(rows) { r in
                    for c in 0..<columns {
                        let (o, i) = flipped ? (c, r) : (r, c)
                        let src = w + (o * inChannels + i) * 9
                        @inline(__always) func k(_ y: Int, _ x: Int) -> Double {
                            Double(flipped ? src[8 - (y * 3 + x)] : src[y * 3 + x])
                        }
                        // t = G k: three columns of six.
                        let c0 = kernelTransform(k(0, 0), k(1, 0), k(2, 0))
                        let c1 = kernelTransform(k(0, 1), k(1, 1), k(2, 1))
                        let c2 = kernelTransform(k(0, 2), k(1, 2), k(2, 2))
                        let dst = u + r * columns + c
                        @inline(__always) func put(_ a: Int, _ row: (Double, Double, Double, Double, Double, Double)) {
                            let base = dst + a * 6 * stride
                            base[0] = Float(row.0)
                            base[stride] = Float(row.1)
                            base[2 * stride] = Float(row.2)
                            base[3 * stride] = Float(row.3)
                            base[4 * stride] = Float(row.4)
                            base[5 * stride] = Float(row.5)
                        }
                        // U = t G^T: each row of t transformed the same way.
                        put(0, kernelTransform(c0.0, c1.0, c2.0))
                        put(1, kernelTransform(c0.1, c1.1, c2.1))
                        put(2, kernelTransform(c0.2, c1.2, c2.2))
                        put(3, kernelTransform(c0.3, c1.3, c2.3))
                        put(4, kernelTransform(c0.4, c1.4, c2.4))
                        put(5, kernelTransform(c0.5, c1.5, c2.5))
                    }
                }
            }
        }
    }

    /// Bᵀ of F(4, 3), the input transform (6 x 6), applied to six values d0...d5 of one window column or row:
    ///     [ 4   0  -5   0   1   0 ]
    ///     [ 0  -4  -4   1   1   0 ]
    ///     [ 0   4  -4  -1   1   0 ]
    ///     [ 0  -2  -1   2   1   0 ]
    ///     [ 0   2  -1  -2   1   0 ]
    ///     [ 0   4   0  -5   0   1 ]
    /// Generic over the lane (one value, or four tiles at once), with the same operations in the same order
    /// for every lane type, so both give the same bits.
    @inline(__always)
    static func inputTransform<L: WinogradLane>(_ d0: L, _ d1: L, _ d2: L, _ d3: L, _ d4: L, _ d5: L) -> (L, L, L, L, L, L) {
        let e = d4 - d2, f = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, (d3 + d4) - 4 * (d1 + d2), (d4 - d3) + 4 * (d1 - d2), e + f, e - f, 4 * d1 - 5 * d3 + d5)
    }

    /// Aᵀ of F(4, 3), the output transform (4 x 6), applied to six values e0...e5 of one column or row of M:
    ///     [ 1   1   1   1   1   0 ]
    ///     [ 0   1  -1   2  -2   0 ]
    ///     [ 0   1   1   4   4   0 ]
    ///     [ 0   1  -1   8  -8   1 ]
    /// Generic over the lane as `inputTransform`.
    @inline(__always)
    static func outputTransform<L: WinogradLane>(_ e0: L, _ e1: L, _ e2: L, _ e3: L, _ e4: L, _ e5: L) -> (L, L, L, L) {
        let p12 = e1 + e2, m12 = e1 - e2, p34 = e3 + e4, m34 = e3 - e4
        return (e0 + p12 + p34, m12 + 2 * m34, p12 + 4 * p34, m12 + 8 * m34 + e5)
    }

    /// Tiles per block of the transforms: keeps their line buffers in L1.
    static let blockTiles = 64
    /// The smallest chunk (in tiles) that keeps sgemm efficient, budget permitting.
    static let preferredChunkTiles = 128
    /// Scratch per worker that stays in its core's cache (L2 of this machine's cores).
    static let cacheBytes = 2 << 20

    /// The transformed kernel of one convolution direction, in the number format of its products: float32
    /// (sgemm), or rounded to bfloat16 once (oneDNN's bf16 matmul, on CPUs with AVX-512 BF16; `BackwardProducts`).
    enum Kernel {
        case float32([Float])
        case bfloat16([UInt16])

        var count: Int {
            switch self {
            case .float32(let u): u.count
            case .bfloat16(let u): u.count
            }
        }
    }

    /// out[o] = bias[o] + sum_i conv3x3(kernel[o, i], input[i]), with `kernel` from `transformKernel`
    /// ([36][outChannels][input.channels]) and zero padding 1. With `mask` (one bit per output element), outputs
    /// whose bit is clear are zeroed as they are written: backward fuses the preceding ReLU's backward this way.
    static func convolve(_ input: Tensor, kernel: Kernel, bias: [Float]?, outChannels: Int, budget: Int,
                         mask: BitMask? = nil, loops: TransformLoops = .best) -> Tensor {
        input.data.withUnsafeBufferPointer { src in
            convolve(DenseRows(base: src.baseAddress!, channels: input.channels, height: input.height, width: input.width),
                     kernel: kernel, bias: bias, outChannels: outChannels, budget: budget, mask: mask, loops: loops)
        }
    }

    /// The same convolution of an input whose rows `Rows` produces (a tensor's, or a gradient unpooled on the fly).
    /// `loops` runs the transforms' loops (every choice gives the same bits); it must run on this CPU.
    static func convolve<Rows: WinogradRows>(_ input: Rows, kernel: Kernel, bias: [Float]?, outChannels: Int, budget: Int,
                                             mask: BitMask?, loops: TransformLoops = .best) -> Tensor {
        precondition(loops.runsHere, "the \(loops) loops need \(loops.level), this CPU has \(InstructionLevel.cpu)")
        precondition(blockTiles == Int(STYLIZE_WINOGRAD_BLOCK_TILES))
        let (cin, h, w) = (input.channels, input.height, input.width)
        let cout = outChannels
        precondition(kernel.count == positions * cin * cout)
        guard h > 0, w > 0, cout > 0 else { return Tensor(channels: cout, height: h, width: w) }
        let tilesWide = (w + tile - 1) / tile
        let tilesHigh = (h + tile - 1) / tile
        let tiles = tilesWide * tilesHigh
        let workers = max(1, ThreadSettings.workers)
        // Tiles per chunk: V and M of one chunk take 36 * (cin + cout) floats per tile. Chunks whose V and M fit
        // in a core's L2 cache are fastest while the products stay large; below about 128 tiles, repacking each
        // U_p for every chunk costs more than the cache saves (measured with stylize-bench --layers). Within the
        // workers' share of `budget` in any case.
        let perTile = positions * (cin + cout) * MemoryLayout<Float>.size
        let preferred = max(preferredChunkTiles, cacheBytes / perTile)
        var chunk = max(1, min(preferred, budget / workers / perTile))
        chunk = min(chunk, (tiles + workers - 1) / workers)
        var chunks = (tiles + chunk - 1) / chunk
        if chunks > workers { chunks = (chunks + workers - 1) / workers * workers }
        chunk = (tiles + chunks - 1) / chunks
        chunks = (tiles + chunk - 1) / chunk
        let lineFloats = 12 * (tile * blockTiles + 2) + 24 * blockTiles + w
        let scratchFloats = positions * (cin + cout) * chunk + lineFloats

        let geometry = Geometry(channels: cin, height: h, width: w, tilesWide: tilesWide)
        precondition(mask == nil || mask!.count == cout * h * w)
        let maskWords = mask?.words ?? []
        let data = [Float].filled(count: cout * h * w) { out in
            maskWords.withUnsafeBufferPointer { words in
                // (An empty array's buffer may still have an address.)
                let maskBits = mask == nil ? nil : words.baseAddress
                let counter = WorkCounter(chunks)
                ThreadSettings.withSingleThreadedBLAS {
                    parallelFor(min(workers, chunks)) { _ in
                        let products = ChunkProducts(kernel, rows: cout, inner: cin)
                        ScratchPool.shared.with(scratchFloats) { scratch in
                            while let index = counter.take() {
                                let first = index * chunk
                                let count = min(chunk, tiles - first)
                                let v = scratch
                                let m = v + positions * cin * count
                                let lines = m + positions * cout * count
                                transformInput(input, geometry, firstTile: first, count: count,
                                               into: v, lines: lines, loops: loops)
                                products.run(v, columns: count, into: m)
                                transformOutput(m, channels: cout, geometry, firstTile: first, count: count,
                                                bias: bias, mask: maskBits, into: out, lines: lines, loops: loops)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(channels: cout, height: h, width: w, data: data)
    }

    /// The 36 products of one chunk, M_p [rows x columns] = U_p [rows x inner] * V_p [inner x columns], for one
    /// worker: 36 sgemm calls, or V rounded to bfloat16 in place and one batched oneDNN matmul.
    struct ChunkProducts {
        let kernel: Kernel
        let rows: Int, inner: Int
        let bfloat16: BFloat16Product?

        init(_ kernel: Kernel, rows: Int, inner: Int) {
            (self.kernel, self.rows, self.inner) = (kernel, rows, inner)
            if case .bfloat16 = kernel { bfloat16 = BFloat16Product(batch: positions, rows: rows, inner: inner) } else { bfloat16 = nil }
        }

        func run(_ v: UnsafeMutablePointer<Float>, columns: Int, into m: UnsafeMutablePointer<Float>) {
            switch kernel {
            case .float32(let u):
                u.withUnsafeBufferPointer { u in
                    for p in 0..<positions {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                    Int32(rows), Int32(columns), Int32(inner),
                                    1, u.baseAddress! + p * rows * inner, Int32(inner),
                                    v + p * inner * columns, Int32(columns),
                                    0, m + p * rows * columns, Int32(columns))
                    }
                }
            case .bfloat16(let u):
                let count = positions * inner * columns
                v.withMemoryRebound(to: UInt16.self, capacity: count) { rounded in
                    stylize_bf16_round(v, rounded, count)
                    u.withUnsafeBufferPointer { u in
                        bfloat16!.run(a: u.baseAddress!, b: rounded, columns: columns, into: m)
                    }
                }
            }
        }
    }

    struct Geometry {
        let channels: Int
        let height: Int
        let width: Int
        let tilesWide: Int
    }

    /// Calls `body(ty, tx, n, offset)` for each run of at most `blockTiles` tiles of one tile row within
    /// tiles [first, first + count), `offset` being the run's first tile relative to `first`.
    @inline(__always)
    static func forEachBlock(_ geometry: Geometry, first: Int, count: Int, _ body: (Int, Int, Int, Int) -> Void) {
        var t = first
        let end = first + count
        while t < end {
            let ty = t / geometry.tilesWide
            let tx = t - ty * geometry.tilesWide
            let n = min(blockTiles, geometry.tilesWide - tx, end - t)
            body(ty, tx, n, t - first)
            t += n
        }
    }

    /// V[p][c][t - first] = (B^T d B)_p for the 6x6 window d of channel c around tile t,
    /// for tiles [first, first + count), the blocks' loops run by `loops`.
    static func transformInput<Rows: WinogradRows>(_ input: Rows, _ geometry: Geometry, firstTile first: Int, count: Int,
                                                   into v: UnsafeMutablePointer<Float>, lines: UnsafeMutablePointer<Float>,
                                                   loops: TransformLoops) {
        let (h, w) = (geometry.height, geometry.width)
        let lineLength = tile * blockTiles + 2
        let zeros = lines + 6 * lineLength + 24 * blockTiles
        zeros.update(repeating: 0, count: w)
        let rowBuffers = zeros + w
        let planeStride = geometry.channels * count
        for c in 0..<geometry.channels {
            forEachBlock(geometry, first: first, count: count) { ty, tx, n, offset in
                // The window of the tiles tx ..< tx+n spans input columns x0 - 1 ... x0 + 4n and rows y0 - 1 ... y0 + 4.
                let y0 = ty * tile - 1
                let x0 = tx * tile - 1
                let span = tile * n + 2
                let xa = max(0, x0), xb = min(w, x0 + span)
                /// Row r of the window, from column xa on.
                func row(_ r: Int) -> UnsafePointer<Float> {
                    let y = y0 + r
                    guard y >= 0 && y < h else { return UnsafePointer(zeros) }
                    return input.row(c, y, from: xa, to: xb, buffer: rowBuffers + r * lineLength)
                }
                let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
                let (lead, valid) = (xa - x0, max(0, xb - xa))
                let base = v + c * count + offset
                if loops == .swift {
                    inputBlockSwift(r0, r1, r2, r3, r4, r5, lead: lead, valid: valid, tiles: n, into: base,
                                    planeStride: planeStride, lines: lines)
                } else {
                    stylize_winograd_input_block(loops.isa, r0, r1, r2, r3, r4, r5, lead, valid, n, base, planeStride)
                }
            }
        }
    }

    /// out[o] at tiles [first, first + count) = A^T M A (+ bias), M[p][o][t - first] from the products;
    /// rows and columns past the image are dropped. The blocks' loops run by `loops`.
    static func transformOutput(_ m: UnsafePointer<Float>, channels: Int, _ geometry: Geometry, firstTile first: Int,
                                count: Int, bias: [Float]?, mask: UnsafePointer<UInt64>? = nil,
                                into out: UnsafeMutablePointer<Float>, lines: UnsafeMutablePointer<Float>,
                                loops: TransformLoops) {
        let (h, w) = (geometry.height, geometry.width)
        let planeStride = channels * count
        for o in 0..<channels {
            let b0 = bias?[o] ?? 0
            let plane = out + o * h * w
            forEachBlock(geometry, first: first, count: count) { ty, tx, n, offset in
                let base = m + o * count + offset
                let (x0, y0) = (tx * tile, ty * tile)
                let (rows, columns) = (min(tile, h - y0), w - x0)
                let dst = plane + y0 * w + x0
                if loops == .swift {
                    outputBlockSwift(base, planeStride: planeStride, tiles: n, bias: b0, rows: rows, columns: columns,
                                     into: dst, rowStride: w, lines: lines)
                } else {
                    stylize_winograd_output_block(loops.isa, base, planeStride, n, b0, rows, columns, dst, w)
                }
                if let mask {
                    for r in 0..<rows {
                        applyMask(mask, bitOffset: (o * h + y0 + r) * w + x0, to: dst + r * w, count: min(tile * n, columns))
                    }
                }
            }
        }
    }
}

/// What the Winograd transforms compute with: one float, or four tiles' floats at once (`SIMD4<Float>`).
protocol WinogradLane {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Float, b: Self) -> Self
}

extension Float: WinogradLane {}
extension SIMD4: WinogradLane where Scalar == Float {}
