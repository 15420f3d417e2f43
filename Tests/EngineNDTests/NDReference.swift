import XCTest
import Engine
import EngineND
import TestSupport

/// Plain reference implementations for the N-d engine's tests, in double precision, written without the
/// engine's geometry so that they check it rather than repeat it.
enum NDReference {
    /// Every index of `shape`, row-major (the last coordinate fastest).
    static func indices(_ shape: [Int]) -> [[Int]] {
        var all: [[Int]] = [[]]
        for size in shape {
            all = all.flatMap { prefix in (0..<size).map { prefix + [$0] } }
        }
        return all
    }

    /// Padding (low, high) and output size per dimension, straight from the definitions: valid pads nothing;
    /// same gives ceil(in / stride) outputs and pads max((out - 1) * stride + k - in, 0), the odd one on the high side.
    static func layout(input: [Int], kernel: [Int], stride: [Int], padding: NDPadding) -> (low: [Int], high: [Int], output: [Int]) {
        var low: [Int] = [], high: [Int] = [], output: [Int] = []
        for d in 0..<input.count {
            var (l, h) = (0, 0)
            switch padding {
            case .valid: break
            case .same:
                let out = Int((Double(input[d]) / Double(stride[d])).rounded(.up))
                let total = max((out - 1) * stride[d] + kernel[d] - input[d], 0)
                l = total / 2
                h = total - l
            case let .explicit(lows, highs):
                (l, h) = (lows[d], highs[d])
            }
            low.append(l)
            high.append(h)
            output.append((input[d] + l + h - kernel[d]) / stride[d] + 1)
        }
        return (low, high, output)
    }

    /// The input index read by output index `o` at kernel offset `k`, or nil in the padding.
    static func source(_ o: [Int], _ k: [Int], stride: [Int], low: [Int], input: [Int]) -> [Int]? {
        var index: [Int] = []
        for d in 0..<o.count {
            let i = o[d] * stride[d] + k[d] - low[d]
            if i < 0 || i >= input[d] { return nil }
            index.append(i)
        }
        return index
    }

    /// The rounding bound of a direct float32 convolution (im2col and sgemm, in any blocking) against the
    /// exact value, per output: γ(Cin·window + 2) (Cin·window products, the bias, and the exact value's own
    /// rounding to float32; TestSupport/Float32Rounding.swift) times |b| + Σ|w||x|, which is `conv` on
    /// absolute values (itself rounded to float32 once: the factor 1 + u).
    static func convBound(_ x: NDTensor, _ conv: ConvND) -> [Double] {
        let absolute = ConvND(inChannels: conv.inChannels, outChannels: conv.outChannels, kernel: conv.kernel,
                              stride: conv.stride, padding: conv.padding, weight: conv.weight.map(abs), bias: conv.bias.map(abs))
        let magnitudes = Self.conv(NDTensor(channels: x.channels, shape: x.shape, data: x.data.map(abs)), absolute)
        let gamma = Float32Rounding.gamma(conv.inChannels * conv.kernel.reduce(1, *) + 2) * (1 + Float32Rounding.unit)
        return magnitudes.data.map { Double($0) * gamma }
    }

    /// out[o, p] = b[o] + sum_i sum_k w[o, i, k] * x[i, p * stride + k - low], as a triple loop in double.
    static func conv(_ x: NDTensor, _ conv: ConvND) -> NDTensor {
        let (low, _, outShape) = layout(input: x.shape, kernel: conv.kernel, stride: conv.stride, padding: conv.padding)
        let window = conv.kernel.reduce(1, *)
        let kernelIndices = indices(conv.kernel)
        var out = NDTensor(channels: conv.outChannels, shape: outShape)
        for o in 0..<conv.outChannels {
            for p in indices(outShape) {
                var sum = Double(conv.bias[o])
                for i in 0..<conv.inChannels {
                    for (w, k) in kernelIndices.enumerated() {
                        guard let s = source(p, k, stride: conv.stride, low: low, input: x.shape) else { continue }
                        sum += Double(conv.weight[(o * conv.inChannels + i) * window + w]) * Double(x[i, s])
                    }
                }
                out[o, p] = Float(sum)
            }
        }
        return out
    }

    /// Max (first maximal element in window order, by `>`) or mean of each window's input elements; padding
    /// takes no part.
    static func pool(_ x: NDTensor, _ pool: PoolND) -> NDTensor {
        let (low, _, outShape) = layout(input: x.shape, kernel: pool.window, stride: pool.stride, padding: pool.padding)
        var out = NDTensor(channels: x.channels, shape: outShape)
        for c in 0..<x.channels {
            for p in indices(outShape) {
                let values = indices(pool.window).compactMap { k in
                    source(p, k, stride: pool.stride, low: low, input: x.shape).map { Double(x[c, $0]) }
                }
                switch pool.kind {
                case .max:
                    var best = values[0]
                    for v in values where v > best { best = v }
                    out[c, p] = Float(best)
                case .average:
                    out[c, p] = Float(values.reduce(0, +) / Double(values.count))
                }
            }
        }
        return out
    }
}

func randomND(_ channels: Int, _ shape: [Int], seed: UInt64) -> NDTensor {
    NDTensor(channels: channels, shape: shape, data: randomFloats(channels * shape.reduce(1, *), seed: seed))
}

func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
}

func randomConv(_ cin: Int, _ cout: Int, kernel: [Int], stride: [Int]? = nil, padding: NDPadding = .valid,
                seed: UInt64) -> ConvND {
    ConvND(inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: padding,
           weight: randomFloats(cout * cin * kernel.reduce(1, *), seed: seed),
           bias: randomFloats(cout, seed: seed + 1))
}

/// Central differences of f at every coordinate of `values`, against `analytic`: |numeric - analytic| must stay
/// within `tolerance` * max(1, |analytic|). For f linear in `values` (a convolution's <out, r>, average pooling)
/// the difference quotient is exact but for float rounding, so a large step is fine.
func checkGradient(_ values: [Float], analytic: [Float], step: Float, tolerance: Double, _ label: String,
                   file: StaticString = #filePath, line: UInt = #line, _ f: ([Float]) -> Double) {
    XCTAssertEqual(values.count, analytic.count, label, file: file, line: line)
    var failures = 0
    for i in 0..<values.count {
        var plus = values, minus = values
        plus[i] += step
        minus[i] -= step
        let numeric = (f(plus) - f(minus)) / (2 * Double(step))
        let error = abs(numeric - Double(analytic[i])) / max(1, abs(Double(analytic[i])))
        if error > tolerance {
            failures += 1
            if failures <= 5 {
                XCTFail("\(label) [\(i)]: numeric \(numeric) vs analytic \(analytic[i])", file: file, line: line)
            }
        }
    }
}

/// The convolution with a scratch budget of 1 byte, so every tile is as short as allowed.
func withTinyTiles(_ conv: ConvND) -> ConvND {
    var tiny = conv
    tiny.scratchBudget = 1
    return tiny
}
