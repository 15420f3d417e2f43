import Engine

/// A float32 feature map with N spatial dimensions (N = 1, 2 or 3) and channels, stored channels-first
/// and contiguous: index (c, i_0, ..., i_{N-1}) is at ((c * shape[0] + i_0) * shape[1] + i_1) ...
///
/// One type for signals (an ECG trace: shape [length]), images ([height, width]) and volumes
/// ([depth, height, width], or video as [frames, height, width]), so that one convolution and one
/// pooling serve all three. Channels-first keeps each channel's volume contiguous, which is what the
/// N-d im2col (`vol2col`) and sgemm want, exactly as `Tensor` does for images; with N = 2 the layouts
/// are identical and the conversions below only copy the array.
public struct NDTensor: Sendable, Equatable {
    public var channels: Int
    /// Spatial sizes, outermost first (the last one is contiguous in memory).
    public var shape: [Int]
    public var data: [Float]

    public init(channels: Int, shape: [Int], data: [Float]) {
        precondition(channels >= 0 && shape.allSatisfy { $0 >= 0 }, "negative size in NDTensor shape")
        precondition(data.count == channels * shape.reduce(1, *), "NDTensor data does not match its shape")
        self.channels = channels
        self.shape = shape
        self.data = data
    }

    public init(channels: Int, shape: [Int], repeating value: Float = 0) {
        self.init(channels: channels, shape: shape,
                  data: [Float](repeating: value, count: channels * shape.reduce(1, *)))
    }

    /// The number of spatial dimensions.
    public var rank: Int { shape.count }
    /// Positions per channel (the product of the spatial sizes).
    public var volume: Int { shape.reduce(1, *) }
    public var count: Int { data.count }

    /// Offset of (channel, spatial index) in `data`.
    public func offset(_ channel: Int, _ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for a rank-\(shape.count) tensor")
        var offset = channel
        for d in 0..<shape.count {
            precondition(index[d] >= 0 && index[d] < shape[d], "index out of range")
            offset = offset * shape[d] + index[d]
        }
        return offset
    }

    public subscript(channel: Int, index: [Int]) -> Float {
        get { data[offset(channel, index)] }
        set { data[offset(channel, index)] = newValue }
    }
}

extension NDTensor {
    /// The 2-D image `tensor` as a rank-2 NDTensor (shape [height, width]); same memory layout.
    public init(_ tensor: Tensor) {
        self.init(channels: tensor.channels, shape: [tensor.height, tensor.width], data: tensor.data)
    }
}

extension Tensor {
    /// A rank-2 NDTensor as an image; a rank-1 one becomes a single row (height 1), which is the
    /// same memory. Ranks above 2 have no image form.
    public init(_ tensor: NDTensor) {
        switch tensor.rank {
        case 2:
            self.init(channels: tensor.channels, height: tensor.shape[0], width: tensor.shape[1], data: tensor.data)
        case 1:
            self.init(channels: tensor.channels, height: 1, width: tensor.shape[0], data: tensor.data)
        default:
            preconditionFailure("a rank-\(tensor.rank) NDTensor has no 2-D Tensor form")
        }
    }
}
