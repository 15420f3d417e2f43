import Engine

/// A rectangle of pixels, [x0, x1) x [y0, y1).
public struct PixelRect: Sendable, Equatable {
    public var x0: Int, y0: Int, x1: Int, y1: Int
    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
    }

    /// The rectangle at a layer after `poolings` 2x2 poolings, in the positions of the whole image's layer:
    /// an edge at the image's far side maps to the layer's (floored) size, as the network drops odd rows.
    func pooled(_ poolings: Int) -> PixelRect {
        PixelRect(x0: x0 >> poolings, y0: y0 >> poolings, x1: x1 >> poolings, y1: y1 >> poolings)
    }
}

/// The tiles of an exactly tiled evaluation (`TiledObjective`): interiors that partition the image, each in a
/// crop that adds `halo` pixels on every side (clipped to the image).
///
/// Interiors are `tileSize` x `tileSize` (the last row and column shorter where the size does not divide the
/// image); `tileSize` and `halo` are multiples of the network's alignment (16 px for relu5_1), so every crop
/// starts at a multiple of it and its 2x2 pooling windows are the whole image's. Then, at a layer after p
/// poolings, the interiors' positions (each edge shifted right by p) partition the layer's positions too:
/// each position's Gram contribution, content difference and gradient is counted once.
public struct TileGrid: Sendable, Equatable {
    public struct Tile: Sendable, Equatable {
        /// The pixels whose layer positions this tile contributes.
        public var interior: PixelRect
        /// The pixels the network runs on: the interior and its halo, inside the image.
        public var crop: PixelRect
    }

    public let width: Int
    public let height: Int
    public let tileSize: Int
    public let halo: Int
    public let tiles: [Tile]

    /// Precondition: `tileSize` and `halo` are positive multiples of `alignment` (halo may be 0).
    public init(width: Int, height: Int, tileSize: Int, halo: Int, alignment: Int) {
        precondition(tileSize > 0 && tileSize % alignment == 0 && halo >= 0 && halo % alignment == 0,
                     "tile size \(tileSize) and halo \(halo) must be multiples of \(alignment)")
        self.width = width
        self.height = height
        self.tileSize = tileSize
        self.halo = halo
        var tiles: [Tile] = []
        for y0 in stride(from: 0, to: height, by: tileSize) {
            for x0 in stride(from: 0, to: width, by: tileSize) {
                let interior = PixelRect(x0: x0, y0: y0, x1: min(width, x0 + tileSize), y1: min(height, y0 + tileSize))
                let crop = PixelRect(x0: max(0, x0 - halo), y0: max(0, y0 - halo),
                                     x1: min(width, interior.x1 + halo), y1: min(height, interior.y1 + halo))
                tiles.append(Tile(interior: interior, crop: crop))
            }
        }
        self.tiles = tiles
    }

    /// The pixels of a crop, interleaved RGB, copied out of the whole image's.
    static func crop(_ pixels: UnsafeBufferPointer<Float>, width: Int, _ rect: PixelRect) -> [Float] {
        [Float].filled(count: rect.width * rect.height * 3) { out in
            for y in 0..<rect.height {
                (out + y * rect.width * 3).update(from: pixels.baseAddress! + ((rect.y0 + y) * width + rect.x0) * 3,
                                                  count: rect.width * 3)
            }
        }
    }

    /// Adds a crop's interleaved RGB gradient into the whole image's.
    static func add(_ crop: [Float], at rect: PixelRect, into g: UnsafeMutableBufferPointer<Float>, width: Int) {
        crop.withUnsafeBufferPointer { c in
            for y in 0..<rect.height {
                let (src, dst) = (c.baseAddress! + y * rect.width * 3, g.baseAddress! + ((rect.y0 + y) * width + rect.x0) * 3)
                for i in 0..<(rect.width * 3) { dst[i] += src[i] }
            }
        }
    }
}

extension TileGrid {
    /// The grid for `network`'s `layers`: their halo and alignment (`VGG.halo(for:)`,
    /// `VGG.tileAlignment(for:)`); a tile size that is not a positive multiple of the alignment is refused.
    init(network: VGG, layers: [String], width: Int, height: Int, tileSize: Int) throws {
        let alignment = try network.tileAlignment(for: layers)
        guard tileSize > 0, tileSize % alignment == 0 else {
            throw StyleError.badTileSize("tile size \(tileSize) must be a positive multiple of \(alignment)")
        }
        self.init(width: width, height: height, tileSize: tileSize, halo: try network.halo(for: layers), alignment: alignment)
    }
}

/// A whole image's Gram matrices at some layers, summed tile by tile: each tile adds its interior's positions
/// (`Gram.accumulate`, in Double), and `grams` divides by the layer's positions as `Gram.matrix` does.
/// `TiledObjective`'s pass 1 and a tiled `StyleTarget` both use it.
struct TiledGramSums {
    private var sums: [String: [Double]] = [:]
    private let poolings: [String: Int]

    init(network: VGG, layers: [String]) throws {
        var poolings: [String: Int] = [:]
        for layer in layers {
            let index = try network.index(of: layer)
            let c = network.channels(at: index)
            sums[layer] = [Double](repeating: 0, count: c * c)
            poolings[layer] = network.poolings(before: index)
        }
        self.poolings = poolings
    }

    /// Adds the interior of `tile` from its crop's activations at the layers (`taps`).
    mutating func add(_ taps: [String: Tensor], of tile: TileGrid.Tile) {
        for (layer, p) in poolings {
            Gram.accumulate(taps[layer]!.block(TiledObjective.interior(of: tile, poolings: p)), into: &sums[layer]!)
        }
    }

    /// The normalized Gram of each layer of the whole `width` x `height` image.
    func grams(network: VGG, width: Int, height: Int) throws -> [String: [Float]] {
        var grams: [String: [Float]] = [:]
        for (layer, sum) in sums {
            let positions = try network.spatialSize(of: layer, inputWidth: width, inputHeight: height).count
            grams[layer] = sum.map { Float($0 / Double(positions)) }
        }
        return grams
    }
}
