/// 2x2 pooling with stride 2, max or average; odd trailing rows and columns are dropped (floor),
/// as in Caffe's and PyTorch's VGG.
public enum PoolingKind: String, Sendable, CaseIterable {
    case max
    case average = "avg"
}

/// What the backward pass of a max pooling needs: which element of each 2x2 window was the maximum
/// (0 top left, 1 top right, 2 bottom left, 3 bottom right), one byte per output, and the input's shape.
public struct PoolingWindows: Sendable {
    public let inputShape: [Int]
    var argmax: [UInt8]

    /// Bytes held.
    public var byteCount: Int { argmax.count }
}

public enum Pool2x2 {
    public static func forward(_ input: Tensor, kind: PoolingKind) -> Tensor {
        forward(input, kind: kind, recordWindows: false).output
    }

    /// The pooled tensor and, for max pooling with `recordWindows`, where each maximum was (for `backward(windows:...)`).
    public static func forward(_ input: Tensor, kind: PoolingKind, recordWindows: Bool) -> (output: Tensor, windows: PoolingWindows?) {
        let (c, h, w) = (input.channels, input.height, input.width)
        let (oh, ow) = (h / 2, w / 2)
        let record = recordWindows && kind == .max
        // Every window's entry is written below.
        var argmax = record ? [UInt8](unsafeUninitializedCapacity: c * oh * ow) { _, n in n = c * oh * ow } : []
        let data = argmax.withUnsafeMutableBufferPointer { am in
            input.data.withUnsafeBufferPointer { src in
                [Float].filled(count: c * oh * ow) { d in
                    let s = src.baseAddress!
                    // (An empty array's buffer may still have an address.)
                    let a = record ? am.baseAddress : nil
                    parallelFor(c * oh) { row in
                        let (ch, y) = (row / oh, row % oh)
                        let top = s + (ch * h + 2 * y) * w
                        let bottom = top + w
                        let out = d + row * ow
                        switch kind {
                        case .average:
                            for x in 0..<ow {
                                out[x] = (top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1]) * 0.25
                            }
                        case .max:
                            if let a {
                                // The first maximal element, as backward's tie rule.
                                let arg = a + row * ow
                                for x in 0..<ow {
                                    var best = top[2 * x]
                                    var index: UInt8 = 0
                                    if top[2 * x + 1] > best { best = top[2 * x + 1]; index = 1 }
                                    if bottom[2 * x] > best { best = bottom[2 * x]; index = 2 }
                                    if bottom[2 * x + 1] > best { best = bottom[2 * x + 1]; index = 3 }
                                    out[x] = best
                                    arg[x] = index
                                }
                            } else {
                                for x in 0..<ow {
                                    out[x] = Swift.max(Swift.max(top[2 * x], top[2 * x + 1]), Swift.max(bottom[2 * x], bottom[2 * x + 1]))
                                }
                            }
                        }
                    }
                }
            }
        }
        let output = Tensor(channels: c, height: oh, width: ow, data: data)
        return (output, record ? PoolingWindows(inputShape: [c, h, w], argmax: argmax) : nil)
    }

    /// dL/d(input). Max pooling sends each gradient to the first maximal element of its window
    /// (the same tie rule as the forward pass); average pooling spreads it evenly.
    public static func backward(input: Tensor, outputGradient: Tensor, kind: PoolingKind) -> Tensor {
        let windows = kind == .max ? forward(input, kind: .max, recordWindows: true).windows : nil
        return backward(inputShape: input.shape, windows: windows, outputGradient: outputGradient, kind: kind)
    }

    /// dL/d(input) from the windows recorded by the forward pass (max pooling) or from the shape alone (average).
    /// With `mask` (of the ReLU before the pooling), the gradient is also zeroed where that ReLU's output was not
    /// positive: the ReLU's backward, fused.
    public static func backward(inputShape: [Int], windows: PoolingWindows?, outputGradient: Tensor, kind: PoolingKind,
                                mask: BitMask? = nil) -> Tensor {
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (h / 2, w / 2)
        precondition(outputGradient.shape == [c, oh, ow])
        precondition(kind == .average || windows?.inputShape == inputShape, "max pooling backward needs the forward's windows")
        precondition(mask == nil || mask!.count == c * h * w)
        guard outputGradient.count > 0 else { return Tensor(channels: c, height: h, width: w) }   // every window dropped
        // Row by row as the Winograd backward reads it (UnpooledRows), here into the gradient tensor.
        let argmax = kind == .max ? windows!.argmax : []
        let maskWords = mask?.words ?? []
        let data = outputGradient.data.withUnsafeBufferPointer { g in
            argmax.withUnsafeBufferPointer { a in
                maskWords.withUnsafeBufferPointer { m in
                    [Float].filled(count: c * h * w) { gi in
                        // (An empty array's buffer may still have an address.)
                        let rows = UnpooledRows(gradient: g.baseAddress!, argmax: kind == .max ? a.baseAddress : nil,
                                                mask: mask == nil ? nil : m.baseAddress, channels: c, height: h, width: w)
                        parallelFor(c * h) { r in
                            _ = rows.row(r / h, r % h, from: 0, to: w, buffer: gi + r * w)
                        }
                    }
                }
            }
        }
        return Tensor(channels: c, height: h, width: w, data: data)
    }
}
