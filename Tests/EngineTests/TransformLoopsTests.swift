import XCTest
@testable import Engine
import TestSupport

/// The Winograd transforms' C loops (Sources/CWinograd), each variant this CPU runs, against the Swift
/// reference loops (bit for bit) and against the transforms evaluated naively in float64 (within float32
/// rounding). A variant this CPU lacks is skipped and said so on stdout: it cannot run here, and is the same
/// C source compiled for another instruction set (the bit-for-bit claim holds because clang may not reorder or
/// contract float operations, whatever the vector width).
final class TransformLoopsTests: XCTestCase {
    /// The C variants this CPU runs; prints those skipped.
    func runnable() -> [TransformLoops] {
        let all = TransformLoops.allCases.filter { $0 != .swift }
        for loops in all where !loops.runsHere {
            print("TransformLoopsTests: skipped the \(loops) loops: this CPU has \(InstructionLevel.cpu)")
        }
        return all.filter(\.runsHere)
    }

    func testBestRunsHereAndIsTheNewest() {
        XCTAssertTrue(TransformLoops.best.runsHere)
        XCTAssertNotEqual(TransformLoops.best, .swift)
        for loops in TransformLoops.allCases where loops.runsHere {
            XCTAssertLessThanOrEqual(loops.level, TransformLoops.best.level, "\(loops)")
        }
        XCTAssertTrue(TransformLoops.swift.runsHere && TransformLoops.baseline.runsHere)
    }

    /// Convolutions forward (bias), backward (fused ReLU mask) and backward from a pooled gradient (rows unpooled
    /// on the fly) give the Swift loops' bits with each C variant. Widths from 1 to 270 px give blocks of 1 to
    /// 64 tiles and every remainder of 16 and 4; the 1-byte budget gives chunks that start and end inside tile
    /// rows (partial blocks).
    func testEveryVariantGivesTheSwiftLoopsBits() {
        let shapes: [(Int, Int, Int, Int)] = [(3, 5, 7, 9), (8, 4, 1, 13), (5, 7, 13, 1), (2, 3, 2, 2), (16, 8, 9, 70),
                                             (4, 6, 6, 270), (6, 5, 11, 125), (32, 16, 17, 23), (3, 4, 5, 61)]
        for (n, (cin, cout, h, w)) in shapes.enumerated() {
            let conv = Conv2D(inChannels: cin, outChannels: cout, weight: randomTensor(cout * cin, 3, 3, seed: UInt64(n)).data,
                              bias: randomTensor(cout, 1, 1, seed: UInt64(50 + n)).data)
            let x = randomTensor(cin, h, w, seed: UInt64(100 + n))
            let g = randomTensor(cout, h, w, seed: UInt64(200 + n))
            var before = randomTensor(cin, h, w, seed: UInt64(300 + n))
            var inputMask = BitMask(count: 0)
            ReLU.forward(&before, mask: &inputMask)
            var relu = randomTensor(cout, h, w, seed: UInt64(400 + n))
            var poolMask = BitMask(count: 0)
            ReLU.forward(&relu, mask: &poolMask)
            let (_, windows) = Pool2x2.forward(relu, kind: .max, recordWindows: true)
            let pooled = randomTensor(cout, h / 2, w / 2, seed: UInt64(500 + n))
            let variants = n == 0 ? runnable() : TransformLoops.allCases.filter { $0 != .swift && $0.runsHere }
            for budget in [32 << 20, 1] {
                func results(_ loops: TransformLoops) -> [Tensor] {
                    let c = conv.using(ConvolutionSettings(algorithm: .winograd, scratchBudget: budget, loops: loops))
                    var out = [c.forward(x), c.backward(outputGradient: g, inputMask: inputMask)]
                    if h >= 2 && w >= 2 {
                        out.append(c.backward(pooledGradient: pooled, poolInputShape: relu.shape, windows: windows, kind: .max,
                                              poolInputMask: poolMask, inputMask: inputMask))
                    }
                    return out
                }
                let reference = results(.swift)
                for loops in variants {
                    let label = "\(loops) \(cin)->\(cout) \(h)x\(w) budget \(budget)"
                    for (part, (c, s)) in zip(results(loops), reference).enumerated() {
                        XCTAssertEqual(c.shape, s.shape, label)
                        XCTAssertTrue(c.data.elementsEqual(s.data) { $0.bitPattern == $1.bitPattern },
                                      "\(label) part \(part): largest difference \(zip(c.data, s.data).map { abs($0 - $1) }.max() ?? 0)")
                    }
                }
            }
        }
    }

    /// Bᵀ of F(4, 3) (6 x 6) and Aᵀ (4 x 6), written out here as matrices, independently of the transforms' code.
    static let bt: [[Double]] = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                                 [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    static let at: [[Double]] = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]

    /// γ(k) = k u / (1 - k u), u = 2⁻²⁴ (Higham).
    static func gamma(_ k: Int) -> Double { Double(k) * 0x1p-24 / (1 - Double(k) * 0x1p-24) }

    /// The input transform of each variant against Σ_y,x Bᵀ[a][y] d[y][x] Bᵀ[b][x] in float64, for tiles
    /// [first, first + count) of a map 270 px wide (68 tiles a row: blocks of 64 and 4, and partial blocks at
    /// both ends). Bound, element by element: every term of one 1-D pass goes through at most 3 rounded
    /// operations (e.g. 4·d0 − 5·d2 + d4: the product by 5, the subtraction, the addition; products by 2 and 4
    /// are exact), so one pass is within γ(3) Σ|c||d|, and two passes within ((1 + γ(3))² − 1) ≤ γ(6) of
    /// Σ|Bᵀ||d||Bᵀ|.
    func testInputTransformWithinFloat32RoundingOfFloat64() {
        let (cin, h, w) = (3, 10, 270)
        let x = randomTensor(cin, h, w, seed: 7, range: -100...100)
        let tilesWide = (w + 3) / 4, tiles = tilesWide * ((h + 3) / 4)
        let (first, count) = (5, tiles - 9)
        let geometry = Winograd.Geometry(channels: cin, height: h, width: w, tilesWide: tilesWide)
        let lineFloats = 12 * (4 * Winograd.blockTiles + 2) + 24 * Winograd.blockTiles + w
        var exact = [Double](repeating: 0, count: 36 * cin * count), magnitude = exact
        for c in 0..<cin {
            for t in 0..<count {
                let (ty, tx) = ((first + t) / tilesWide, (first + t) % tilesWide)
                func d(_ y: Int, _ xx: Int) -> Double {
                    let (sy, sx) = (4 * ty - 1 + y, 4 * tx - 1 + xx)
                    return sy >= 0 && sy < h && sx >= 0 && sx < w ? Double(x[c, sy, sx]) : 0
                }
                for a in 0..<6 {
                    for b in 0..<6 {
                        var sum = 0.0, size = 0.0
                        for y in 0..<6 {
                            for xx in 0..<6 {
                                sum += Self.bt[a][y] * d(y, xx) * Self.bt[b][xx]
                                size += abs(Self.bt[a][y] * d(y, xx) * Self.bt[b][xx])
                            }
                        }
                        exact[((a * 6 + b) * cin + c) * count + t] = sum
                        magnitude[((a * 6 + b) * cin + c) * count + t] = size
                    }
                }
            }
        }
        for loops in [TransformLoops.swift] + runnable() {
            var v = [Float](repeating: .nan, count: 36 * cin * count)
            var lines = [Float](repeating: .nan, count: lineFloats)
            x.data.withUnsafeBufferPointer { src in
                let rows = DenseRows(base: src.baseAddress!, channels: cin, height: h, width: w)
                v.withUnsafeMutableBufferPointer { vb in
                    lines.withUnsafeMutableBufferPointer { lb in
                        Winograd.transformInput(rows, geometry, firstTile: first, count: count, into: vb.baseAddress!,
                                                lines: lb.baseAddress!, loops: loops)
                    }
                }
            }
            var worst = 0.0
            for i in v.indices {
                let bound = Self.gamma(6) * magnitude[i]
                let error = abs(Double(v[i]) - exact[i])
                XCTAssertLessThanOrEqual(error, bound, "\(loops) V[\(i)] = \(v[i]), exact \(exact[i])")
                if bound > 0 { worst = max(worst, error / bound) }
            }
            print("input transform, \(loops): largest error \(worst) of its bound")
        }
    }

    /// The output transform of each variant against bias + Σ_a,b Aᵀ[r][a] M[a][b] Aᵀ[s][b] in float64 on a
    /// map 9 x 259 (rows and columns past the image dropped; blocks of 64, 1 and partial ones). Bound: as the
    /// input transform's, 3 rounded operations per term and pass (e.g. m12 + 8·m34 + e5: the subtraction inside
    /// m12, two additions), and one more for the bias: ((1 + γ(3))² (1 + u) − 1) ≤ γ(7) of
    /// |bias| + Σ|Aᵀ||M||Aᵀ|.
    func testOutputTransformWithinFloat32RoundingOfFloat64() {
        let (cout, h, w) = (2, 9, 259)
        let tilesWide = (w + 3) / 4, tiles = tilesWide * ((h + 3) / 4)
        let (first, count) = (63, tiles - 70)
        let m = randomTensor(36 * cout, 1, count, seed: 11, range: -1000...1000).data
        let bias: [Float] = [0.75, -3.5]
        let geometry = Winograd.Geometry(channels: cout, height: h, width: w, tilesWide: tilesWide)
        let lineFloats = 12 * (4 * Winograd.blockTiles + 2) + 24 * Winograd.blockTiles + w
        for loops in [TransformLoops.swift] + runnable() {
            let sentinel: Float = 12345
            var out = [Float](repeating: sentinel, count: cout * h * w)
            var lines = [Float](repeating: .nan, count: lineFloats)
            m.withUnsafeBufferPointer { mb in
                out.withUnsafeMutableBufferPointer { ob in
                    lines.withUnsafeMutableBufferPointer { lb in
                        Winograd.transformOutput(mb.baseAddress!, channels: cout, geometry, firstTile: first, count: count,
                                                 bias: bias, into: ob.baseAddress!, lines: lb.baseAddress!, loops: loops)
                    }
                }
            }
            var worst = 0.0
            var written = Set<Int>()
            for o in 0..<cout {
                for t in 0..<count {
                    let (ty, tx) = ((first + t) / tilesWide, (first + t) % tilesWide)
                    for r in 0..<4 where 4 * ty + r < h {
                        for s in 0..<4 where 4 * tx + s < w {
                            var sum = Double(bias[o]), size = abs(Double(bias[o]))
                            for a in 0..<6 {
                                for b in 0..<6 {
                                    let term = Self.at[r][a] * Double(m[((a * 6 + b) * cout + o) * count + t]) * Self.at[s][b]
                                    sum += term
                                    size += abs(term)
                                }
                            }
                            let index = (o * h + 4 * ty + r) * w + 4 * tx + s
                            written.insert(index)
                            let (error, bound) = (abs(Double(out[index]) - sum), Self.gamma(7) * size)
                            XCTAssertLessThanOrEqual(error, bound, "\(loops) out[\(index)] = \(out[index]), exact \(sum)")
                            if bound > 0 { worst = max(worst, error / bound) }
                        }
                    }
                }
            }
            // Nothing outside the chunk's tiles is written.
            for i in out.indices where !written.contains(i) {
                XCTAssertEqual(out[i], sentinel, "\(loops) wrote out[\(i)] outside its tiles")
            }
            print("output transform, \(loops): largest error \(worst) of its bound")
        }
    }
}
