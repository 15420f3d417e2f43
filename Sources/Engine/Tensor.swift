/// A float32 feature map of one image, stored contiguously as channels x height x width (CHW).
///
/// CHW keeps every channel plane contiguous, which is what im2col and the Gram matrix
/// (a channels x positions matrix times its transpose) want to hand to sgemm.
public struct Tensor: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var data: [Float]

    public init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "tensor data does not match its shape")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    public init(channels: Int, height: Int, width: Int, repeating value: Float = 0) {
        self.init(channels: channels, height: height, width: width,
                  data: [Float](repeating: value, count: channels * height * width))
    }

    /// Positions per channel plane.
    public var planeSize: Int { height * width }
    public var count: Int { data.count }
    public var shape: [Int] { [channels, height, width] }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }
}
