import XCTest
import CWinograd
@testable import Engine
import TestSupport

/// Each layer's forward against a plain loop, and its backward against finite differences.
final class LayerTests: XCTestCase {
    /// The textbook definition: out[o,y,x] = b[o] + sum_i,ky,kx w[o,i,ky,kx] * in[i, y+ky-1, x+kx-1].
    func naiveConv(_ x: Tensor, _ w: [Float], _ b: [Float], outChannels: Int) -> Tensor {
        var out = Tensor(channels: outChannels, height: x.height, width: x.width)
        for o in 0..<outChannels {
            for y in 0..<x.height {
                for xx in 0..<x.width {
                    var sum = Double(b[o])
                    for i in 0..<x.channels {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let (sy, sx) = (y + ky - 1, xx + kx - 1)
                                guard sy >= 0, sy < x.height, sx >= 0, sx < x.width else { continue }
                                sum += Double(w[((o * x.channels + i) * 3 + ky) * 3 + kx]) * Double(x[i, sy, sx])
                            }
                        }
                    }
                    out[o, y, xx] = Float(sum)
                }
            }
        }
        return out
    }

    func makeConv(_ cin: Int, _ cout: Int, seed: UInt64) -> Conv2D {
        let w = randomTensor(cout * cin, 3, 3, seed: seed).data
        let b = randomTensor(cout, 1, 1, seed: seed + 1).data
        return Conv2D(inChannels: cin, outChannels: cout, weight: w, bias: b)
    }

    /// The rounding bound of whichever path the automatic choice takes: the larger of the direct and the
    /// Winograd bounds (TestSupport/Float32Rounding.swift), per output.
    func anyPathBound(_ x: Tensor, _ conv: Conv2D) -> [Double] {
        zip(Float32Rounding.directBound(x, weight: conv.weight, bias: conv.bias, outChannels: conv.outChannels),
            Float32Rounding.winogradBound(x, weight: conv.weight, bias: conv.bias, outChannels: conv.outChannels)).map { max($0, $1) }
    }

    func testConvForwardMatchesNaiveLoop() {
        let conv = makeConv(3, 5, seed: 1)
        let x = randomTensor(3, 7, 9, seed: 2)
        let expected = naiveConv(x, conv.weight, conv.bias, outChannels: 5)
        Float32Rounding.assertWithin(conv.forward(x).data, expected.data, bound: anyPathBound(x, conv))
    }

    /// Row tiles must not change the result: force one-row tiles and compare.
    func testConvForwardIsTheSameWithTinyTiles() {
        let conv = makeConv(4, 6, seed: 3)
        let x = randomTensor(4, 11, 5, seed: 4)
        let whole = conv.forward(x)
        let tiled = conv.using(ConvolutionSettings(scratchBudget: 1)).forward(x)
        // sgemm blocks differently for other tile widths, so only rounding may differ: two evaluations,
        // each within its path's bound of the exact value.
        let bound = anyPathBound(x, conv)
        Float32Rounding.assertWithin(tiled.data, whole.data, bound: bound.map { 2 * $0 })
        Float32Rounding.assertWithin(tiled.data, naiveConv(x, conv.weight, conv.bias, outChannels: 6).data, bound: bound)
    }

    func testConvBackwardMatchesFiniteDifferences() {
        let conv = makeConv(3, 4, seed: 5)
        let x = randomTensor(3, 6, 8, seed: 6)
        let r = randomTensor(4, 6, 8, seed: 7)
        let grad = conv.backward(outputGradient: r)
        XCTAssertEqual(grad.shape, x.shape)
        // L = <conv(x), r>; border, corner and interior coordinates.
        checkFiniteDifferences(x, analytic: grad.data, coordinates: [0, 7, 40, 47, 100, 143], step: 0.05, tolerance: 1e-3) {
            dot(conv.forward($0).data, r.data)
        }
    }

    func testReLUForwardAndBackward() {
        var x = randomTensor(2, 5, 5, seed: 8)
        let input = x
        ReLU.forward(&x)
        XCTAssertEqual(x.data, input.data.map { max(0, $0) })
        let r = randomTensor(2, 5, 5, seed: 9)
        var g = r
        ReLU.backward(output: x, gradient: &g)
        let away = (0..<input.count).filter { abs(input.data[$0]) > 0.05 }
        XCTAssertGreaterThan(away.count, 20)
        checkFiniteDifferences(input, analytic: g.data, coordinates: away, step: 0.01, tolerance: 1e-3) { t in
            var y = t
            ReLU.forward(&y)
            return dot(y.data, r.data)
        }
    }

    /// The ReLU masks' AVX-512 loops (where the CPU has them) give the Swift loops' bits: values of every sign,
    /// ±0, NaN, infinities; masks applied at every bit offset within a word and lengths across word ends.
    func testReLUMaskLoopsInAVX512MatchSwift() throws {
        guard TransformLoops.avx512.runsHere else { throw XCTSkip("this CPU has \(InstructionLevel.cpu), not AVX-512") }
        var rng = SplitMix64(seed: 21)
        var values = (0..<640).map { _ in Float.random(in: -1...1, using: &rng) }
        for (i, special) in [Float(0), -0.0, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude].enumerated() {
            values[7 * i + 3] = special
        }
        var swift = values, avx = values
        var swiftBits = [UInt64](), avxBits = [UInt64]()
        for w in 0..<(values.count / 64) {
            swiftBits.append(swift.withUnsafeMutableBufferPointer { BitMask.relu64($0.baseAddress! + 64 * w) })
            avxBits.append(avx.withUnsafeMutableBufferPointer { stylize_relu64_avx512($0.baseAddress! + 64 * w) })
        }
        XCTAssertEqual(avxBits, swiftBits)
        XCTAssertEqual(avx.map(\.bitPattern), swift.map(\.bitPattern))
        XCTAssertEqual(swift.filter { $0 == 0 }.map(\.sign).filter { $0 == .minus }.count, 0, "dropped values are +0")
        let gradient = (0..<values.count).map { _ in Float.random(in: -1...1, using: &rng) }
        for (offset, count) in [(0, 640), (1, 63), (5, 64), (60, 9), (63, 130), (17, 0), (33, 200), (100, 16)] {
            var a = gradient, b = gradient
            avxBits.withUnsafeBufferPointer { words in
                a.withUnsafeMutableBufferPointer { applyMaskSwift(words.baseAddress!, bitOffset: offset, to: $0.baseAddress!, count: count) }
                b.withUnsafeMutableBufferPointer { stylize_apply_mask_avx512(words.baseAddress!, offset, $0.baseAddress!, count) }
            }
            XCTAssertEqual(b.map(\.bitPattern), a.map(\.bitPattern), "offset \(offset), count \(count)")
            if count >= 9 { XCTAssertNotEqual(a, gradient, "offset \(offset), count \(count): some were zeroed") }
        }
    }

    func testPoolingForwardMatchesNaiveLoop() {
        let x = randomTensor(3, 7, 6, seed: 10)   // odd height: the last row is dropped
        for kind in PoolingKind.allCases {
            let y = Pool2x2.forward(x, kind: kind)
            XCTAssertEqual(y.shape, [3, 3, 3])
            for c in 0..<3 {
                for i in 0..<3 {
                    for j in 0..<3 {
                        let window = [x[c, 2 * i, 2 * j], x[c, 2 * i, 2 * j + 1], x[c, 2 * i + 1, 2 * j], x[c, 2 * i + 1, 2 * j + 1]]
                        let expected = kind == .max ? window.max()! : window.reduce(0, +) / 4
                        // Max is a selection (exact); the mean's float32 sum of 4 values in -1...1, in
                        // another order here than in Pool2x2, is within γ(4)·1 ≈ 2.4e-7 each side: 1e-6 covers both.
                        XCTAssertEqual(y[c, i, j], expected, accuracy: kind == .max ? 0 : 1e-6)
                    }
                }
            }
        }
    }

    func testPoolingBackwardMatchesFiniteDifferences() {
        let x = randomTensor(2, 6, 7, seed: 11)
        let r = randomTensor(2, 3, 3, seed: 12)
        for kind in PoolingKind.allCases {
            let g = Pool2x2.backward(input: x, outputGradient: r, kind: kind)
            XCTAssertEqual(g.shape, x.shape)
            // Random data has distinct values, so a small step never changes which element is the maximum.
            checkFiniteDifferences(x, analytic: g.data, coordinates: Array(0..<x.count), step: 1e-3, tolerance: 2e-2) {
                dot(Pool2x2.forward($0, kind: kind).data, r.data)
            }
            XCTAssertEqual(g[0, 0, 6], 0, "the dropped last column gets no gradient")
        }
    }
}
