import Engine

/// How a region's guidance channel (one weight in 0...1 per pixel) is carried down to a layer's positions:
/// the three ways of Gatys et al. 2017 ("Controlling Perceptual Factors", section 4.1; `get_fm_guides` in
/// leongatys/NeuralImageSynthesis, modes simple, all and inside).
public enum GuidanceMode: String, Sendable, CaseIterable, Equatable {
    /// Plain downsampling ("simple"): each 2x2 pooling averages the channel, convolutions keep it.
    case downsample
    /// Every unit that sees the region ("all", dilation): each 3x3 convolution and 2x2 pooling takes the
    /// largest weight its window sees.
    case dilate
    /// Only units that see nothing outside the region ("inside", erosion): each window takes the smallest
    /// weight it sees. The paper's recommendation, and the default: a unit near the border, whose
    /// receptive field takes in the next region, is in no region, so each region's style term sends its
    /// gradient to that region's pixels only.
    case erode

    public static let `default` = GuidanceMode.erode
}

/// A region's guidance at the layers of the network.
///
/// Dilation and erosion are grayscale morphology (max and min over each unit's window), so on a 0/1 channel
/// they are exactly the paper's "sees some of the region" and "sees only the region" — found there by
/// probing with noise, here from the windows themselves: VGG's 3x3 convolutions (padding 1) and 2x2
/// poolings (stride 2, odd edges dropped as `Pool2x2` does), ReLU keeping the map. Zero padding is not
/// "outside": the image's own border does not erode a region. A soft channel (a blurred mask) keeps its
/// blend: the weight at the border ramps down instead of stepping.
public enum Guidance {
    /// For each of `layers`, the channel at that layer's positions (row-major nH x nW), from `pixels`
    /// (row-major `height` x `width`, values in 0...1).
    public static func propagate(_ pixels: [Float], width: Int, height: Int, network: VGG, layers: [String],
                                 mode: GuidanceMode) throws -> [String: [Float]] {
        precondition(pixels.count == width * height)
        let indices = try layers.map { try network.index(of: $0) }
        guard let deepest = indices.max() else { return [:] }
        var map = pixels, (w, h) = (width, height)
        var out: [String: [Float]] = [:]
        for index in 0...deepest {
            switch network.layers[index].kind {
            case .conv:
                if mode != .downsample { map = window3x3(map, width: w, height: h, erode: mode == .erode) }
            case .relu:
                break
            case .pool:
                (map, w, h) = (pool2x2(map, width: w, height: h, mode: mode), w / 2, h / 2)
            }
            let name = network.layers[index].name
            if layers.contains(name) { out[name] = map }
        }
        return out
    }

    /// max (dilate) or min (erode) over each position's 3x3 neighbourhood inside the map.
    static func window3x3(_ map: [Float], width w: Int, height h: Int, erode: Bool) -> [Float] {
        var out = map
        for y in 0..<h {
            for x in 0..<w {
                var v = map[y * w + x]
                for yy in max(0, y - 1)...min(h - 1, y + 1) {
                    for xx in max(0, x - 1)...min(w - 1, x + 1) {
                        v = erode ? min(v, map[yy * w + xx]) : max(v, map[yy * w + xx])
                    }
                }
                out[y * w + x] = v
            }
        }
        return out
    }

    /// The 2x2 pooling of the channel: the mean (downsample), max (dilate) or min (erode) of each window.
    static func pool2x2(_ map: [Float], width w: Int, height h: Int, mode: GuidanceMode) -> [Float] {
        let (ow, oh) = (w / 2, h / 2)
        var out = [Float](repeating: 0, count: ow * oh)
        for y in 0..<oh {
            for x in 0..<ow {
                let a = map[2 * y * w + 2 * x], b = map[2 * y * w + 2 * x + 1]
                let c = map[(2 * y + 1) * w + 2 * x], d = map[(2 * y + 1) * w + 2 * x + 1]
                switch mode {
                case .downsample: out[y * ow + x] = (a + b + c + d) * 0.25
                case .dilate: out[y * ow + x] = max(max(a, b), max(c, d))
                case .erode: out[y * ow + x] = min(min(a, b), min(c, d))
                }
            }
        }
        return out
    }
}
