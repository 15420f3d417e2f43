import Engine

/// Rectangular blocks of a tensor's positions (all channels): a tile's interior cut out of its crop's
/// activations, and a tile's gradient placed back in a crop-sized tensor (`TiledObjective`).
extension Tensor {
    /// The positions [x0, x1) x [y0, y1) of every channel, as a channels x h x w tensor.
    func block(_ r: PixelRect) -> Tensor {
        precondition(r.x0 >= 0 && r.y0 >= 0 && r.x1 <= width && r.y1 <= height && r.width >= 0 && r.height >= 0,
                     "block \(r) outside \(shape)")
        let (bw, bh) = (r.width, r.height)
        let data = data.withUnsafeBufferPointer { src in
            [Float].filled(count: channels * bw * bh) { out in
                for c in 0..<channels {
                    for y in 0..<bh {
                        (out + (c * bh + y) * bw).update(from: src.baseAddress! + (c * height + r.y0 + y) * width + r.x0, count: bw)
                    }
                }
            }
        }
        return Tensor(channels: channels, height: bh, width: bw, data: data)
    }

    /// A `channels` x `height` x `width` tensor of zeros with `block` at [x0, x1) x [y0, y1).
    static func placing(_ block: Tensor, at r: PixelRect, height: Int, width: Int) -> Tensor {
        precondition(block.width == r.width && block.height == r.height && r.x1 <= width && r.y1 <= height)
        var result = Tensor(channels: block.channels, height: height, width: width)
        result.data.withUnsafeMutableBufferPointer { out in
            block.data.withUnsafeBufferPointer { src in
                for c in 0..<block.channels {
                    for y in 0..<r.height {
                        (out.baseAddress! + (c * height + r.y0 + y) * width + r.x0)
                            .update(from: src.baseAddress! + (c * r.height + y) * r.width, count: r.width)
                    }
                }
            }
        }
        return result
    }
}
