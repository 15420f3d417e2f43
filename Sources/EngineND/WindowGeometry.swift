import Engine

/// How a window (convolution kernel or pooling window) is padded at the borders of each spatial dimension.
public enum NDPadding: Sendable, Equatable {
    /// No padding: only windows wholly inside the input; output = floor((in - k) / stride) + 1.
    case valid
    /// TensorFlow's "SAME": output = ceil(in / stride), with the total padding
    /// max((output - 1) * stride + k - in, 0) split evenly and the odd element on the high side.
    /// With stride 1 and odd k this keeps the size and pads (k - 1) / 2 on each side (VGG's 3x3 pad 1).
    case same
    /// Explicit zero padding before (`low`) and after (`high`) each dimension.
    case explicit(low: [Int], high: [Int])
}

/// The arithmetic of a sliding window over N spatial dimensions, shared by `ConvND` and `PoolND`:
/// per dimension, output position o reads input positions o * stride + k - padLow for k in 0..<kernel
/// (outside [0, input) is padding), and output = floor((input + padLow + padHigh - kernel) / stride) + 1.
public struct WindowGeometry: Sendable, Equatable {
    public let input: [Int]
    public let kernel: [Int]
    public let stride: [Int]
    public let padLow: [Int]
    public let padHigh: [Int]
    public let output: [Int]

    public init(input: [Int], kernel: [Int], stride: [Int], padding: NDPadding) {
        let rank = input.count
        precondition(rank >= 1, "a window needs at least one spatial dimension")
        precondition(kernel.count == rank && stride.count == rank,
                     "kernel \(kernel) and stride \(stride) must have one entry per dimension of \(input)")
        precondition(kernel.allSatisfy { $0 >= 1 } && stride.allSatisfy { $0 >= 1 }, "kernel and stride must be positive")
        var low = [Int](repeating: 0, count: rank), high = low
        switch padding {
        case .valid:
            break
        case .same:
            for d in 0..<rank {
                let out = (input[d] + stride[d] - 1) / stride[d]
                let total = max((out - 1) * stride[d] + kernel[d] - input[d], 0)
                low[d] = total / 2
                high[d] = total - low[d]
            }
        case let .explicit(l, h):
            precondition(l.count == rank && h.count == rank, "explicit padding needs one entry per dimension")
            precondition(l.allSatisfy { $0 >= 0 } && h.allSatisfy { $0 >= 0 }, "padding must not be negative")
            (low, high) = (l, h)
        }
        var output = [Int](repeating: 0, count: rank)
        for d in 0..<rank {
            let span = input[d] + low[d] + high[d] - kernel[d]
            precondition(span >= 0, "window \(kernel[d]) larger than padded input \(input[d] + low[d] + high[d]) in dimension \(d)")
            output[d] = span / stride[d] + 1
        }
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.padLow = low
        self.padHigh = high
        self.output = output
    }

    public var rank: Int { input.count }
    /// Positions per channel of the input and of the output.
    public var inputVolume: Int { input.reduce(1, *) }
    public var outputVolume: Int { output.reduce(1, *) }
    /// Offsets per window (the product of the kernel sizes).
    public var windowSize: Int { kernel.reduce(1, *) }

    /// The output positions o in `range` of dimension d whose input o * stride + k - padLow is inside the input,
    /// for kernel offset k: a contiguous range, since the input index grows with o.
    func validOutputs(dim d: Int, offset k: Int, within range: Range<Int>) -> Range<Int> {
        let (s, shift) = (stride[d], k - padLow[d])
        // Smallest o with o * s + shift >= 0, and smallest o with o * s + shift >= input.
        let first = shift >= 0 ? 0 : (-shift + s - 1) / s
        let end = input[d] - shift <= 0 ? 0 : (input[d] - shift + s - 1) / s
        let lo = min(max(first, range.lowerBound), range.upperBound)
        return lo..<max(lo, min(end, range.upperBound))
    }

    /// The kernel offsets of window index `index` (row-major over `kernel`, the last dimension fastest).
    func kernelOffsets(_ index: Int) -> [Int] {
        var offsets = [Int](repeating: 0, count: rank)
        var rest = index
        for d in Swift.stride(from: rank - 1, through: 0, by: -1) {
            offsets[d] = rest % kernel[d]
            rest /= kernel[d]
        }
        return offsets
    }

    /// Output positions per step of the leading dimension: what a tile of leading rows is made of.
    /// A rank-1 "row" is a single position.
    var leadingRowSize: Int { output.dropFirst().reduce(1, *) }

    /// The output range along the last dimension covered by leading rows `rows`: all of it for N > 1,
    /// `rows` itself for N = 1 (where the leading dimension is also the last).
    func lineRange(rows: Range<Int>) -> Range<Int> {
        rank == 1 ? rows : 0..<output[rank - 1]
    }

    /// Walks the output lines (runs along the last dimension) of leading rows `rows`, in memory order, for the
    /// kernel offsets `offsets`: calls `body(line, inputOffset)` where `inputOffset` is the offset within one
    /// input channel of the input line read at those offsets (index 0 of the last dimension), or nil when an
    /// outer dimension falls in the padding (the whole line reads zeros).
    ///
    /// This is the one place that knows how N-d windows map to memory; vol2col, col2im and pooling only
    /// handle the last dimension, where the work is.
    @inline(__always)
    private func forEachLine(rows: Range<Int>, offsets: [Int], _ body: (_ line: Int, _ inputOffset: Int?) -> Void) {
        let outer = rank - 1
        if outer == 0 {
            body(0, 0)
            return
        }
        // Input strides of the outer dimensions (the last dimension has stride 1).
        var inputStride = [Int](repeating: input[rank - 1], count: outer)
        for d in Swift.stride(from: outer - 2, through: 0, by: -1) { inputStride[d] = inputStride[d + 1] * input[d + 1] }
        var index = [Int](repeating: 0, count: outer)
        index[0] = rows.lowerBound
        let lines = rows.count * output[1..<outer].reduce(1, *)
        for line in 0..<lines {
            var offset = 0
            var inside = true
            for d in 0..<outer {
                let i = index[d] * stride[d] + offsets[d] - padLow[d]
                if i < 0 || i >= input[d] { inside = false; break }
                offset += i * inputStride[d]
            }
            body(line, inside ? offset : nil)
            // Next line: the odometer over the outer dimensions, innermost first.
            var d = outer - 1
            while d > 0 {
                index[d] += 1
                if index[d] < output[d] { break }
                index[d] = 0
                d -= 1
            }
            if d == 0 { index[0] += 1 }
        }
    }

    /// Walks every (window offset, output line) pair of leading rows `rows`: calls
    /// `body(w, line, length, inputStart, lo, hi)` where output positions lo..<hi of line `line` (relative to the
    /// line, which is `length` long and starts at line * length in the tile) read, at window offset w, the input
    /// of one channel from offset `inputStart` on, one step of `stride.last` per position. The rest of the line
    /// (and the whole line when `inputStart` is nil) falls in the padding. Window offsets come in row-major order.
    @inline(__always)
    func forEachRun(rows: Range<Int>,
                    _ body: (_ w: Int, _ line: Int, _ length: Int, _ inputStart: Int?, _ lo: Int, _ hi: Int) -> Void) {
        let last = rank - 1
        let span = lineRange(rows: rows)
        for w in 0..<windowSize {
            let offsets = kernelOffsets(w)
            let k = offsets[last]
            let valid = validOutputs(dim: last, offset: k, within: span)
            let (lo, hi) = (valid.lowerBound - span.lowerBound, valid.upperBound - span.lowerBound)
            // Input index, along the last dimension, of the first valid output.
            let first = valid.lowerBound * stride[last] + k - padLow[last]
            forEachLine(rows: rows, offsets: offsets) { line, input in
                body(w, line, span.count, input.map { $0 + first }, lo, hi)
            }
        }
    }
}
