/// Float RGB working image: values in 0...255 (maxval scaled), interleaved RGB, row-major.
///
/// The one representation the style-transfer code sees, whatever the file's maxval,
/// format or channel count; `NetpbmImage.replacingColor(with:)` maps it back.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// height*width*3 values.
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) values for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
