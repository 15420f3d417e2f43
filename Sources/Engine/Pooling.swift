/// 2x2 pooling with stride 2, max or average; odd trailing rows and columns are dropped (floor),
/// as in Caffe's and PyTorch's VGG.
public enum PoolingKind: String, Sendable, CaseIterable {
    case max
    case average = "avg"
}

public enum Pool2x2 {
    public static func forward(_ input: Tensor, kind: PoolingKind) -> Tensor {
        let (c, h, w) = (input.channels, input.height, input.width)
        let (oh, ow) = (h / 2, w / 2)
        var output = Tensor(channels: c, height: oh, width: ow)
        input.data.withUnsafeBufferPointer { src in
            output.data.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (src.baseAddress!, dst.baseAddress!)
                parallelFor(c) { ch in
                    for y in 0..<oh {
                        let top = s + (ch * h + 2 * y) * w
                        let bottom = top + w
                        let out = d + (ch * oh + y) * ow
                        for x in 0..<ow {
                            let (a, b, e, f) = (top[2 * x], top[2 * x + 1], bottom[2 * x], bottom[2 * x + 1])
                            switch kind {
                            case .max: out[x] = Swift.max(Swift.max(a, b), Swift.max(e, f))
                            case .average: out[x] = (a + b + e + f) * 0.25
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// dL/d(input). Max pooling sends each gradient to the first maximal element of its window
    /// (the same tie rule as the forward pass); average pooling spreads it evenly.
    public static func backward(input: Tensor, outputGradient: Tensor, kind: PoolingKind) -> Tensor {
        let (c, h, w) = (input.channels, input.height, input.width)
        let (oh, ow) = (h / 2, w / 2)
        precondition(outputGradient.shape == [c, oh, ow])
        var gradient = Tensor(channels: c, height: h, width: w)
        input.data.withUnsafeBufferPointer { src in
            outputGradient.data.withUnsafeBufferPointer { gout in
                gradient.data.withUnsafeMutableBufferPointer { gin in
                    let (s, go, gi) = (src.baseAddress!, gout.baseAddress!, gin.baseAddress!)
                    parallelFor(c) { ch in
                        for y in 0..<oh {
                            let top = (ch * h + 2 * y) * w
                            let bottom = top + w
                            let g = go + (ch * oh + y) * ow
                            for x in 0..<ow {
                                let value = g[x]
                                let corners = (top + 2 * x, top + 2 * x + 1, bottom + 2 * x, bottom + 2 * x + 1)
                                switch kind {
                                case .average:
                                    let q = value * 0.25
                                    gi[corners.0] = q; gi[corners.1] = q; gi[corners.2] = q; gi[corners.3] = q
                                case .max:
                                    var best = corners.0
                                    if s[corners.1] > s[best] { best = corners.1 }
                                    if s[corners.2] > s[best] { best = corners.2 }
                                    if s[corners.3] > s[best] { best = corners.3 }
                                    gi[best] = value
                                }
                            }
                        }
                    }
                }
            }
        }
        return gradient
    }
}
