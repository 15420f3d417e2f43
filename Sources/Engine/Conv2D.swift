import CBLAS

/// A 3x3 convolution, stride 1, zero padding 1, with bias: VGG's only kind of convolution.
///
/// Forward is im2col + one sgemm per tile of output rows, so the im2col scratch stays bounded
/// (about `Conv2D.scratchBudget` bytes) however large the image. The input gradient of such a
/// convolution is itself a 3x3 "same" convolution of the output gradient with the kernel flipped
/// in space and transposed in channels, so backward reuses the forward path.
public struct Conv2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// [outChannels, inChannels, 3, 3], i.e. a row-major outChannels x (inChannels*9) matrix.
    public let weight: [Float]
    public let bias: [Float]
    /// The flipped, transposed kernel [inChannels, outChannels, 3, 3] used by backward.
    let backwardWeight: [Float]

    /// Upper bound for the im2col buffer of one row tile, in bytes.
    public nonisolated(unsafe) static var scratchBudget = 32 << 20

    public init(inChannels: Int, outChannels: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
        var flipped = [Float](repeating: 0, count: weight.count)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for k in 0..<9 {
                    flipped[(i * outChannels + o) * 9 + (8 - k)] = weight[(o * inChannels + i) * 9 + k]
                }
            }
        }
        self.backwardWeight = flipped
    }

    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.channels == inChannels, "conv expects \(inChannels) channels, got \(input.channels)")
        return Conv2D.convolve(input, weight: weight, bias: bias, outChannels: outChannels)
    }

    /// dL/d(input) given dL/d(output).
    public func backward(outputGradient: Tensor) -> Tensor {
        precondition(outputGradient.channels == outChannels)
        return Conv2D.convolve(outputGradient, weight: backwardWeight, bias: nil, outChannels: inChannels)
    }

    /// out[o] = bias[o] + sum_i sum_k weight[o,i,k] * in[i] shifted by k, for a 3x3 kernel with zero padding 1.
    static func convolve(_ input: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> Tensor {
        let (cin, h, w) = (input.channels, input.height, input.width)
        var output = Tensor(channels: outChannels, height: h, width: w)
        let k = cin * 9
        let rowsPerTile = max(1, min(h, scratchBudget / max(1, k * w * 4)))
        var columns = [Float](repeating: 0, count: k * rowsPerTile * w)
        input.data.withUnsafeBufferPointer { src in
            output.data.withUnsafeMutableBufferPointer { dst in
                columns.withUnsafeMutableBufferPointer { col in
                    weight.withUnsafeBufferPointer { wt in
                        var row0 = 0
                        while row0 < h {
                            let rows = min(rowsPerTile, h - row0)
                            let n = rows * w
                            im2col(src.baseAddress!, channels: cin, height: h, width: w,
                                   firstRow: row0, rows: rows, into: col.baseAddress!)
                            let out = dst.baseAddress! + row0 * w
                            if let bias {
                                for o in 0..<outChannels {
                                    let b = bias[o]
                                    let plane = out + o * h * w
                                    for j in 0..<n { plane[j] = b }
                                }
                            }
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                        Int32(outChannels), Int32(n), Int32(k),
                                        1, wt.baseAddress!, Int32(k),
                                        col.baseAddress!, Int32(n),
                                        bias == nil ? 0 : 1, out, Int32(h * w))
                            row0 += rows
                        }
                    }
                }
            }
        }
        return output
    }

    /// Fills col[(c*9 + ky*3 + kx), r*w + x] = in[c, row0 + r + ky - 1, x + kx - 1] (0 outside the image).
    static func im2col(_ src: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                       firstRow row0: Int, rows: Int, into col: UnsafeMutablePointer<Float>) {
        let n = rows * w
        parallelFor(channels) { c in
            let plane = src + c * h * w
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let dst = col + (c * 9 + ky * 3 + kx) * n
                    let dx = kx - 1
                    for r in 0..<rows {
                        let y = row0 + r + ky - 1
                        let line = dst + r * w
                        if y < 0 || y >= h {
                            line.update(repeating: 0, count: w)
                            continue
                        }
                        let srcLine = plane + y * w
                        if dx == 0 {
                            line.update(from: srcLine, count: w)
                        } else if dx < 0 {
                            line[0] = 0
                            (line + 1).update(from: srcLine, count: w - 1)
                        } else {
                            line.update(from: srcLine + 1, count: w - 1)
                            line[w - 1] = 0
                        }
                    }
                }
            }
        }
    }
}
