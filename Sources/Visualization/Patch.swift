import ImageIO

/// One strong activation of a unit and the input patch behind it.
public struct Patch: Sendable, Equatable {
    /// The unit's activation at this position.
    public var activation: Float
    /// Which image of the stream (1 for the first).
    public var image: Int
    /// The position in the layer's output (row, column).
    public var y: Int
    public var x: Int
    /// Input coordinates of the first pixel (top row, left column) of the receptive field; may be
    /// negative, and the field may run past the right or bottom edge: those parts are `PatchPixels.outside`.
    public var top: Int
    public var left: Int
    /// The receptive field as pixels: `side` x `side` RGB, scaled down from the field's size when the
    /// tile is smaller than the field (so only what the grid will show is kept).
    public var pixels: PatchPixels

    public init(activation: Float, image: Int, y: Int, x: Int, top: Int, left: Int, pixels: PatchPixels) {
        self.activation = activation
        self.image = image
        self.y = y
        self.x = x
        self.top = top
        self.left = left
        self.pixels = pixels
    }

    /// Stronger first; equal activations in stream order, then row-major position order.
    public func isStronger(than other: Patch) -> Bool {
        if activation != other.activation { return activation > other.activation }
        if image != other.image { return image < other.image }
        return (y, x) < (other.y, other.x)
    }
}

/// A square RGB patch, 8 bits per sample (what the grid is written with).
public struct PatchPixels: Sendable, Equatable {
    public var side: Int
    /// side*side*3 samples, interleaved RGB, row-major.
    public var samples: [UInt8]

    /// The color shown for the part of a receptive field that lies outside the image (the network sees
    /// zero padding there): mid gray.
    public static let outside: (UInt8, UInt8, UInt8) = (128, 128, 128)

    public init(side: Int, samples: [UInt8]) {
        precondition(samples.count == side * side * 3, "PatchPixels: \(samples.count) samples for side \(side)")
        self.side = side
        self.samples = samples
    }

    /// The square `size` x `size` region of `image` whose top-left pixel is (left, top), clipped at the
    /// image border (outside pixels get the `outside` color) and scaled to `side` x `side` by area
    /// averaging (`side` <= `size`; equal sides copy the pixels exactly).
    public static func crop(_ image: RGBImage, top: Int, left: Int, size: Int, side: Int) -> PatchPixels {
        precondition(side >= 1 && side <= size, "crop: side \(side) for a field of \(size)")
        let weights = boxWeights(from: size, to: side)
        let outside = [Float(Self.outside.0), Float(Self.outside.1), Float(Self.outside.2)]
        var samples = [UInt8](repeating: 0, count: side * side * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for oy in 0..<side {
                for ox in 0..<side {
                    var sum: (Float, Float, Float) = (0, 0, 0)
                    for (fy, wy) in weights[oy] {
                        let y = top + fy
                        let rowInside = y >= 0 && y < image.height
                        for (fx, wx) in weights[ox] {
                            let x = left + fx
                            let w = wy * wx
                            if rowInside && x >= 0 && x < image.width {
                                let p = (y * image.width + x) * 3
                                sum.0 += w * src[p]; sum.1 += w * src[p + 1]; sum.2 += w * src[p + 2]
                            } else {
                                sum.0 += w * outside[0]; sum.1 += w * outside[1]; sum.2 += w * outside[2]
                            }
                        }
                    }
                    let o = (oy * side + ox) * 3
                    samples[o] = quantize(sum.0)
                    samples[o + 1] = quantize(sum.1)
                    samples[o + 2] = quantize(sum.2)
                }
            }
        }
        return PatchPixels(side: side, samples: samples)
    }

    /// For each of `target` output cells, the source cells it covers and their weights (the overlap of
    /// [i*source/target, (i+1)*source/target) with each source cell, normalized to sum 1).
    static func boxWeights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        (0..<target).map { i in
            // Exact integer arithmetic in units of 1/target of a source cell.
            let lo = i * source, hi = (i + 1) * source
            var cells: [(Int, Float)] = []
            var c = lo / target
            while c * target < hi {
                let overlap = min(hi, (c + 1) * target) - max(lo, c * target)
                if overlap > 0 { cells.append((c, Float(overlap) / Float(source))) }
                c += 1
            }
            return cells
        }
    }

    static func quantize(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }
        guard v < 255 else { return 255 }
        return UInt8(v.rounded())
    }

    /// The sample at (x, y) of this patch shown at `tile` x `tile` (nearest neighbour).
    @inline(__always)
    func scaledIndex(_ i: Int, tile: Int) -> Int { min(side - 1, (2 * i + 1) * side / (2 * tile)) }
}
