/// max(0, x), in place; its backward needs only the output (where it is positive).
public enum ReLU {
    public static func forward(_ tensor: inout Tensor) {
        tensor.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            parallelChunks(buf.count) { range in
                for i in range where p[i] < 0 { p[i] = 0 }
            }
        }
    }

    /// Zeroes the gradient wherever the ReLU's output was not positive.
    public static func backward(output: Tensor, gradient: inout Tensor) {
        precondition(output.count == gradient.count)
        output.data.withUnsafeBufferPointer { out in
            gradient.data.withUnsafeMutableBufferPointer { grad in
                let (o, g) = (out.baseAddress!, grad.baseAddress!)
                parallelChunks(out.count) { range in
                    for i in range where o[i] <= 0 { g[i] = 0 }
                }
            }
        }
    }
}
