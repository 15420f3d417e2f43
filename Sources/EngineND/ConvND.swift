import CBLAS
import Engine

/// A convolution over 1, 2 or 3 spatial dimensions with any kernel size, stride and padding, with bias:
/// the general engine behind signals, images and volumes (and the reference the fast 3x3 `Conv2D` is checked
/// against).
///
/// Every product goes through sgemm on the N-d im2col columns of a tile of leading output rows (`Vol2Col`),
/// so scratch stays near `scratchBudget` bytes whatever the input size. Like `Conv2D`, each worker
/// takes its own tiles and runs single-threaded sgemm, so the column building and the products both use every
/// core. It is written for generality, not for VGG's speed: stylize keeps using `Conv2D`, whose Winograd path
/// is several times faster on 3x3 kernels.
public struct ConvND: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// Kernel size per spatial dimension, outermost first.
    public let kernel: [Int]
    public let stride: [Int]
    public let padding: NDPadding
    /// [outChannels, inChannels, k_0, ..., k_{N-1}], i.e. a row-major outChannels x (inChannels * window) matrix;
    /// for N = 2 the layout of `Conv2D.weight`.
    public let weight: [Float]
    public let bias: [Float]

    /// Upper bound for the im2col columns of one call, over all workers, in bytes. A tile is never less than
    /// one leading output row (and, for backward, enough rows that tiles two apart never share input rows).
    public var scratchBudget: Int

    /// `stride` defaults to 1 in every dimension.
    public init(inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: NDPadding = .valid,
                weight: [Float], bias: [Float], scratchBudget: Int = 32 << 20) {
        precondition((1...3).contains(kernel.count), "ConvND handles 1, 2 or 3 spatial dimensions, not \(kernel.count)")
        precondition(inChannels >= 1 && outChannels >= 1, "a convolution needs channels")
        precondition(weight.count == outChannels * inChannels * kernel.reduce(1, *) && bias.count == outChannels,
                     "weight must be [outChannels, inChannels] + kernel and bias [outChannels]")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride ?? [Int](repeating: 1, count: kernel.count)
        precondition(self.stride.count == kernel.count, "one stride per spatial dimension")
        self.padding = padding
        self.weight = weight
        self.bias = bias
        self.scratchBudget = scratchBudget
    }

    /// The same convolution as the fast VGG layer: 3x3, stride 1, "same" (pad 1), same weights and bias.
    public init(_ conv: Conv2D) {
        self.init(inChannels: conv.inChannels, outChannels: conv.outChannels, kernel: [3, 3], padding: .same,
                  weight: conv.weight, bias: conv.bias)
    }

    public var rank: Int { kernel.count }

    public func geometry(inputShape: [Int]) -> WindowGeometry {
        precondition(inputShape.count == rank, "a rank-\(rank) convolution got a rank-\(inputShape.count) input")
        return WindowGeometry(input: inputShape, kernel: kernel, stride: stride, padding: padding)
    }

    /// Spatial output shape for a spatial input shape.
    public func outputShape(inputShape: [Int]) -> [Int] { geometry(inputShape: inputShape).output }

    /// out[o, p] = bias[o] + sum over i and kernel offsets k of weight[o, i, k] * input[i, p * stride + k - padLow].
    public func forward(_ input: NDTensor) -> NDTensor {
        precondition(input.channels == inChannels, "conv expects \(inChannels) channels, got \(input.channels)")
        let g = geometry(inputShape: input.shape)
        let k = inChannels * g.windowSize
        let plane = g.outputVolume
        let tiling = ConvTiling(g, columnRows: k, budget: scratchBudget, minimumRows: 1)
        let data = [Float].filled(count: outChannels * plane) { out in
            input.data.withUnsafeBufferPointer { src in
                weight.withUnsafeBufferPointer { wt in
                    tiling.run(phase: nil) { col, rows, _ in
                        let n = Vol2Col.columns(g, rows: rows)
                        Vol2Col.gather(src.baseAddress!, channels: inChannels, geometry: g, rows: rows, into: col)
                        let tileOut = out + rows.lowerBound * g.leadingRowSize
                        for o in 0..<outChannels { (tileOut + o * plane).initialize(repeating: bias[o], count: n) }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(n), Int32(k),
                                    1, wt.baseAddress!, Int32(k), col, Int32(n), 1, tileOut, Int32(plane))
                    }
                }
            }
        }
        return NDTensor(channels: outChannels, shape: g.output, data: data)
    }

    /// The gradients of a loss with respect to the input, the weight and the bias, given its gradient with
    /// respect to the output of `forward(input)`.
    public func backward(input: NDTensor, outputGradient: NDTensor) -> ConvNDGradients {
        precondition(input.channels == inChannels, "conv expects \(inChannels) channels, got \(input.channels)")
        let (dx, dw) = gradients(input: input, inputShape: input.shape, outputGradient: outputGradient)
        return ConvNDGradients(input: dx, weight: dw!, bias: biasGradient(outputGradient))
    }

    /// dL/d(input) alone (what style transfer needs), which does not need the input itself: only its shape,
    /// since several input sizes give the same output size.
    public func inputGradient(outputGradient: NDTensor, inputShape: [Int]) -> NDTensor {
        gradients(input: nil, inputShape: inputShape, outputGradient: outputGradient).input
    }

    /// dL/d(bias)[o] = the sum of dL/d(out)[o, p] over positions p (accumulated in double).
    public func biasGradient(_ outputGradient: NDTensor) -> [Float] {
        precondition(outputGradient.channels == outChannels)
        let plane = outputGradient.volume
        return (0..<outChannels).map { o in
            Float(outputGradient.data[(o * plane)..<((o + 1) * plane)].reduce(0.0) { $0 + Double($1) })
        }
    }

    /// Per tile: dW += G_tile * col^T (with `input`), then col = W^T * G_tile scattered back into dX by col2im.
    ///
    /// col2im adds into input rows that neighbouring tiles share when the kernel is longer than the stride
    /// along the leading dimension, so the tiles then run in two phases, even then odd, with tiles at least
    /// (k_0 - s_0) / s_0 rows tall so that tiles of one phase never touch the same rows. Each worker accumulates
    /// dW in its own buffer over a fixed set of tiles, summed in worker order, so results do not depend on timing.
    func gradients(input: NDTensor?, inputShape: [Int], outputGradient: NDTensor) -> (input: NDTensor, weight: [Float]?) {
        let g = geometry(inputShape: inputShape)
        precondition(outputGradient.channels == outChannels && outputGradient.shape == g.output,
                     "output gradient \(outputGradient.channels)x\(outputGradient.shape), expected \(outChannels)x\(g.output)")
        let k = inChannels * g.windowSize
        let plane = g.outputVolume
        let (k0, s0) = (g.kernel[0], g.stride[0])
        let overlap = k0 > s0
        let tiling = ConvTiling(g, columnRows: k, budget: scratchBudget, minimumRows: overlap ? (k0 - s0 + s0 - 1) / s0 : 1)
        let weightCount = outChannels * k
        var dx = [Float](repeating: 0, count: inChannels * g.inputVolume)
        var dw = [Float](repeating: 0, count: input == nil ? 0 : tiling.workers * weightCount)
        let inputData = input?.data ?? []
        dx.withUnsafeMutableBufferPointer { dxp in
            dw.withUnsafeMutableBufferPointer { dwp in
                inputData.withUnsafeBufferPointer { src in
                    outputGradient.data.withUnsafeBufferPointer { gp in
                        weight.withUnsafeBufferPointer { wt in
                            let body = { (col: UnsafeMutablePointer<Float>, rows: Range<Int>, worker: Int) in
                                let n = Vol2Col.columns(g, rows: rows)
                                let gTile = gp.baseAddress! + rows.lowerBound * g.leadingRowSize
                                if input != nil {
                                    Vol2Col.gather(src.baseAddress!, channels: inChannels, geometry: g, rows: rows, into: col)
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(outChannels), Int32(k), Int32(n),
                                                1, gTile, Int32(plane), col, Int32(n),
                                                1, dwp.baseAddress! + worker * weightCount, Int32(k))
                                }
                                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(outChannels),
                                            1, wt.baseAddress!, Int32(k), gTile, Int32(plane), 0, col, Int32(n))
                                Vol2Col.scatterAdd(col, channels: inChannels, geometry: g, rows: rows, into: dxp.baseAddress!)
                            }
                            if overlap {
                                tiling.run(phase: 0, body)
                                tiling.run(phase: 1, body)
                            } else {
                                tiling.run(phase: nil, body)
                            }
                        }
                    }
                }
            }
        }
        var weightGradient: [Float]? = nil
        if input != nil {
            var sum = [Float](dw[0..<weightCount])
            for worker in 1..<max(1, tiling.workers) {
                for i in 0..<weightCount { sum[i] += dw[worker * weightCount + i] }
            }
            weightGradient = sum
        }
        return (NDTensor(channels: inChannels, shape: inputShape, data: dx), weightGradient)
    }
}

/// What `ConvND.backward` returns: dL/d(input), dL/d(weight) (laid out as `ConvND.weight`), dL/d(bias).
public struct ConvNDGradients: Sendable {
    public var input: NDTensor
    public var weight: [Float]
    public var bias: [Float]
}
