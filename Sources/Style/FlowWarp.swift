/// Backward warping along a flow: out(p) = image(p + flow(p)), sampled bilinearly.
///
/// With the flow from frame t to frame t-1 (frame_t(p) ≈ frame_t-1(p + flow(p))), this moves anything
/// painted on frame t-1 (its output, its content) to where it is in frame t. A sample point outside the image
/// takes the nearest edge value (coordinates clamped to [0, width-1] x [0, height-1]); the consistency check
/// (FlowConsistency) gives such pixels weight 0.
///
/// Error: each value is a + ax (b - a) then the same across rows, a few float32 roundings of values of size
/// max|image|: within about 6 eps max|image| of the exact bilinear value at the float32 sample point.
public enum FlowWarp {
    /// `image`: interleaved, `channels` values a pixel, of the flow's size.
    public static func warp(_ image: [Float], channels: Int = 3, by flow: FlowField) -> [Float] {
        let (width, height) = (flow.width, flow.height)
        precondition(image.count == width * height * channels, "an image of the flow's size")
        var out = [Float](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { src in
            flow.vectors.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        for x in 0..<width {
                            let i = y * width + x
                            sample(src, channels: channels, width: width, height: height,
                                   x: Float(x) + v[2 * i], y: Float(y) + v[2 * i + 1], into: dst, at: i * channels)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Writes the bilinear sample at (x, y) (coordinates clamped into the image) to out[offset..<offset+channels].
    @inline(__always)
    static func sample(_ image: UnsafeBufferPointer<Float>, channels: Int, width: Int, height: Int, x: Float, y: Float,
                       into out: UnsafeMutableBufferPointer<Float>, at offset: Int) {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(cx), width - 1), y0 = min(Int(cy), height - 1)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = cx - Float(x0), ay = cy - Float(y0)
        let (r0, r1) = (y0 * width, y1 * width)
        for c in 0..<channels {
            let a = image[(r0 + x0) * channels + c], b = image[(r0 + x1) * channels + c]
            let d = image[(r1 + x0) * channels + c], e = image[(r1 + x1) * channels + c]
            let top = a + ax * (b - a), bottom = d + ax * (e - d)
            out[offset + c] = top + ay * (bottom - top)
        }
    }
}
