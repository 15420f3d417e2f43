import Engine

/// Max or average pooling over 1, 2 or 3 spatial dimensions, any window, stride and padding, forward and backward.
///
/// Padding is never a value: as in TensorFlow, a window that reaches into the padding pools only its input
/// elements (max over them; average = their sum divided by their number). So that every window has at least one
/// input element, the padding on each side must be smaller than the window. Windows may overlap (stride
/// smaller than the window); their gradients then add up.
public struct PoolND: Sendable {
    public let kind: PoolingKind
    public let window: [Int]
    public let stride: [Int]
    public let padding: NDPadding

    /// `stride` defaults to the window (non-overlapping windows, like `Pool2x2`).
    public init(_ kind: PoolingKind, window: [Int], stride: [Int]? = nil, padding: NDPadding = .valid) {
        precondition((1...3).contains(window.count), "PoolND handles 1, 2 or 3 spatial dimensions, not \(window.count)")
        self.kind = kind
        self.window = window
        self.stride = stride ?? window
        precondition(self.stride.count == window.count, "one stride per spatial dimension")
        self.padding = padding
    }

    public func geometry(inputShape: [Int]) -> WindowGeometry {
        precondition(inputShape.count == window.count, "a rank-\(window.count) pooling got a rank-\(inputShape.count) input")
        let g = WindowGeometry(input: inputShape, kernel: window, stride: stride, padding: padding)
        precondition(zip(g.padLow, window).allSatisfy(<) && zip(g.padHigh, window).allSatisfy(<),
                     "pooling padding must be smaller than the window")
        return g
    }

    public func forward(_ input: NDTensor) -> NDTensor { forward(input, recordArgmax: false).output }

    /// The pooled tensor and, for max pooling with `recordArgmax`, where each maximum was (for
    /// `backward(inputShape:argmax:outputGradient:)`). Ties go to the first maximal element in row-major window
    /// order, and comparisons are those of `>` (as in `Pool2x2`).
    public func forward(_ input: NDTensor, recordArgmax: Bool) -> (output: NDTensor, argmax: PoolNDArgmax?) {
        let g = geometry(inputShape: input.shape)
        let (channels, inPlane, outPlane) = (input.channels, g.inputVolume, g.outputVolume)
        let step = g.stride[g.rank - 1]
        let record = recordArgmax && kind == .max
        precondition(!record || inPlane <= Int(Int32.max), "argmax offsets are 32-bit")
        // Work items: a channel and a chunk of leading output rows, about 4096 positions (at least one row).
        let chunk = max(1, 4096 / g.leadingRowSize)
        let chunks = (g.output[0] + chunk - 1) / chunk
        var output = [Float](repeating: 0, count: channels * outPlane)
        var argmax = [Int32](repeating: 0, count: record ? channels * outPlane : 0)
        output.withUnsafeMutableBufferPointer { outBuffer in
            argmax.withUnsafeMutableBufferPointer { argBuffer in
                input.data.withUnsafeBufferPointer { inBuffer in
                    let (out, src) = (outBuffer.baseAddress!, inBuffer.baseAddress!)
                    let arg = argBuffer.baseAddress
                    parallelFor(channels * chunks) { item in
                        let (c, r0) = (item / chunks, (item % chunks) * chunk)
                        let rows = r0..<min(g.output[0], r0 + chunk)
                        let first = c * outPlane + r0 * g.leadingRowSize
                        let (plane, tile) = (src + c * inPlane, out + first)
                        switch kind {
                        case .max:
                            // Each output starts from the first input element of its window, as a plain loop
                            // `best = first; if v > best { best = v }` would (so a NaN first element stays).
                            var seen = [Bool](repeating: false, count: rows.count * g.leadingRowSize)
                            g.forEachRun(rows: rows) { _, line, length, start, lo, hi in
                                guard let start else { return }
                                let dst = tile + line * length
                                for j in lo..<hi {
                                    let at = start + (j - lo) * step
                                    if !seen[line * length + j] || plane[at] > dst[j] {
                                        seen[line * length + j] = true
                                        dst[j] = plane[at]
                                        if record { arg![first + line * length + j] = Int32(at) }
                                    }
                                }
                            }
                        case .average:
                            var counts = [Float](repeating: 0, count: rows.count * g.leadingRowSize)
                            g.forEachRun(rows: rows) { _, line, length, start, lo, hi in
                                guard let start else { return }
                                let dst = tile + line * length
                                for j in lo..<hi {
                                    dst[j] += plane[start + (j - lo) * step]
                                    counts[line * length + j] += 1
                                }
                            }
                            for p in 0..<counts.count { tile[p] /= counts[p] }
                        }
                    }
                }
            }
        }
        let windows = record ? PoolNDArgmax(inputShape: input.shape, channels: channels, index: argmax) : nil
        return (NDTensor(channels: channels, shape: g.output, data: output), windows)
    }

    /// dL/d(input): max pooling sends each output's gradient to its maximum (recomputed from `input`), average
    /// pooling spreads it evenly over the input elements of its window.
    public func backward(input: NDTensor, outputGradient: NDTensor) -> NDTensor {
        let argmax = kind == .max ? forward(input, recordArgmax: true).argmax : nil
        return backward(inputShape: input.shape, argmax: argmax, outputGradient: outputGradient)
    }

    /// dL/d(input) from the maxima recorded by the forward pass (max pooling) or from the shape alone (average).
    public func backward(inputShape: [Int], argmax: PoolNDArgmax?, outputGradient: NDTensor) -> NDTensor {
        let g = geometry(inputShape: inputShape)
        let (channels, inPlane, outPlane) = (outputGradient.channels, g.inputVolume, g.outputVolume)
        precondition(outputGradient.shape == g.output, "output gradient \(outputGradient.shape), expected \(g.output)")
        precondition(kind == .average || (argmax?.inputShape == inputShape && argmax?.channels == channels),
                     "max pooling backward needs the forward's argmax")
        let step = g.stride[g.rank - 1]
        var gradient = [Float](repeating: 0, count: channels * inPlane)
        let empty: [Int32] = []
        gradient.withUnsafeMutableBufferPointer { gradBuffer in
            (argmax?.index ?? empty).withUnsafeBufferPointer { argBuffer in
                outputGradient.data.withUnsafeBufferPointer { gBuffer in
                    let (gi, go) = (gradBuffer.baseAddress!, gBuffer.baseAddress!)
                    // Overlapping windows add into the same inputs, so each worker owns whole channels.
                    parallelFor(channels) { c in
                        let (plane, g0) = (gi + c * inPlane, go + c * outPlane)
                        switch kind {
                        case .max:
                            let arg = argBuffer.baseAddress! + c * outPlane
                            for p in 0..<outPlane { plane[Int(arg[p])] += g0[p] }
                        case .average:
                            let rows = 0..<g.output[0]
                            var counts = [Float](repeating: 0, count: outPlane)
                            g.forEachRun(rows: rows) { _, line, length, start, lo, hi in
                                if start != nil { for j in lo..<hi { counts[line * length + j] += 1 } }
                            }
                            g.forEachRun(rows: rows) { _, line, length, start, lo, hi in
                                guard let start else { return }
                                for j in lo..<hi {
                                    plane[start + (j - lo) * step] += g0[line * length + j] / counts[line * length + j]
                                }
                            }
                        }
                    }
                }
            }
        }
        return NDTensor(channels: channels, shape: inputShape, data: gradient)
    }
}

/// Where each maximum of a max pooling was: per output element, the offset of the chosen input element within
/// its channel; what the backward pass needs besides the shapes.
public struct PoolNDArgmax: Sendable {
    public let inputShape: [Int]
    public let channels: Int
    let index: [Int32]
}
