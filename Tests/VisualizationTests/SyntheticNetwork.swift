import Engine
import ImageIO

/// Hand-made weights for tests: small networks whose units respond to known things.
enum SyntheticNetwork {
    /// Inputs go in as RGB 0..255 unchanged (no mean, no scaling), so network channel 0 is red.
    static let plainRGB = ["input_channels": "RGB", "input_range": "255", "input_mean": "0,0,0", "input_std": "1,1,1"]

    /// The same with the network's channels in BGR order (network channel 0 is blue).
    static let plainBGR = ["input_channels": "BGR", "input_range": "255", "input_mean": "0,0,0", "input_std": "1,1,1"]

    /// A conv1_1 with three units over all 9 taps: unit 0 = R - G - B (pure red), unit 1 = G - R - B
    /// (pure green), unit 2 never fires (zero weights, bias -1). Weights are given in the network's
    /// channel order, which `bgr` reverses.
    static func colorDetectors(bgr: Bool = false) -> SafeTensorsFile {
        func unit(_ rgb: [Float]) -> [Float] { (bgr ? rgb.reversed() : rgb).flatMap { [Float](repeating: $0, count: 9) } }
        let weight = unit([1, -1, -1]) + unit([-1, 1, -1]) + unit([0, 0, 0])
        let metadata = bgr ? plainBGR : plainRGB
        return SafeTensorsFile(tensors: [
            "conv1_1.weight": NamedTensor(shape: [3, 3, 3, 3], values: weight),
            "conv1_1.bias": NamedTensor(shape: [3], values: [0, 0, -1]),
        ], metadata: metadata)
    }

    /// A VGG-like stack with `blocks[b]` convolutions in block b, one channel each, all weights 1/9.
    static func file(blocks: [Int]) -> SafeTensorsFile {
        var tensors: [String: NamedTensor] = [:]
        var channels = 3
        for (b, count) in blocks.enumerated() {
            for k in 1...count {
                tensors["conv\(b + 1)_\(k).weight"] = NamedTensor(shape: [1, channels, 3, 3],
                                                                  values: [Float](repeating: 1.0 / 9, count: channels * 9))
                tensors["conv\(b + 1)_\(k).bias"] = NamedTensor(shape: [1], values: [0])
                channels = 1
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: plainRGB)
    }

    /// A black image with filled squares: (left, top, side, RGB color).
    static func image(width: Int, height: Int, squares: [(Int, Int, Int, (Float, Float, Float))]) -> RGBImage {
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for (left, top, side, color) in squares {
            for y in top..<(top + side) {
                for x in left..<(left + side) where x >= 0 && y >= 0 && x < width && y < height {
                    let o = (y * width + x) * 3
                    pixels[o] = color.0; pixels[o + 1] = color.1; pixels[o + 2] = color.2
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func red(_ r: Float) -> (Float, Float, Float) { (r, 0, 0) }
}
