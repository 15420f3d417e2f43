import ImageIO

/// Where everything goes in the output picture: one tile per unit, in rows of `columns` tiles, each
/// tile a mosaic of that unit's patches (strongest first, row-major), patches `tile` px square.
///
/// A `patchBorder`-wide line of `patchBorderColor` separates the patches of a tile, a wider
/// `unitBorder` of `unitBorderColor` separates the tiles and frames the whole picture. A mosaic cell
/// without a patch (the unit fired at fewer places than asked for) is `emptyColor`; the unused tile
/// slots of a short last row are background (`unitBorderColor`).
public struct GridLayout: Sendable, Equatable {
    public var units: Int
    public var patchesPerUnit: Int
    public var tile: Int
    public var patchBorder: Int
    public var unitBorder: Int

    public static let patchBorderColor: (UInt8, UInt8, UInt8) = (64, 64, 64)
    public static let unitBorderColor: (UInt8, UInt8, UInt8) = (255, 255, 255)
    public static let emptyColor: (UInt8, UInt8, UInt8) = (32, 32, 32)

    public init(units: Int, patchesPerUnit: Int, tile: Int, patchBorder: Int = 2, unitBorder: Int = 6) {
        precondition(units >= 1 && patchesPerUnit >= 1 && tile >= 1 && patchBorder >= 0 && unitBorder >= 0)
        self.units = units
        self.patchesPerUnit = patchesPerUnit
        self.tile = tile
        self.patchBorder = patchBorder
        self.unitBorder = unitBorder
    }

    /// The smallest n with n*n >= count.
    static func ceilSqrt(_ count: Int) -> Int {
        var n = 0
        while n * n < count { n += 1 }
        return n
    }

    /// Patches per mosaic row (3 for 9 patches; a count that is not a square leaves the last row short).
    public var mosaicColumns: Int { Self.ceilSqrt(patchesPerUnit) }
    public var mosaicRows: Int { (patchesPerUnit + mosaicColumns - 1) / mosaicColumns }
    /// Tiles per row of the picture.
    public var columns: Int { Self.ceilSqrt(units) }
    public var rows: Int { (units + columns - 1) / columns }

    public var unitWidth: Int { mosaicColumns * tile + (mosaicColumns - 1) * patchBorder }
    public var unitHeight: Int { mosaicRows * tile + (mosaicRows - 1) * patchBorder }
    public var width: Int { columns * unitWidth + (columns + 1) * unitBorder }
    public var height: Int { rows * unitHeight + (rows + 1) * unitBorder }

    /// Top-left pixel (x, y) of tile `unit` (0-based slot, row-major).
    public func unitOrigin(_ slot: Int) -> (x: Int, y: Int) {
        let (row, column) = (slot / columns, slot % columns)
        return (unitBorder + column * (unitWidth + unitBorder), unitBorder + row * (unitHeight + unitBorder))
    }

    /// Top-left pixel (x, y) of patch `patch` of tile `slot`.
    public func patchOrigin(_ slot: Int, patch: Int) -> (x: Int, y: Int) {
        let origin = unitOrigin(slot)
        let (row, column) = (patch / mosaicColumns, patch % mosaicColumns)
        return (origin.x + column * (tile + patchBorder), origin.y + row * (tile + patchBorder))
    }

    /// The picture: `tiles[slot]` are the patches of the unit in that slot, strongest first.
    public func render(_ tiles: [[Patch]]) -> NetpbmImage {
        precondition(tiles.count == units, "render: \(tiles.count) tiles for a layout of \(units)")
        let (w, h) = (width, height)
        var samples = [UInt16](repeating: 0, count: w * h * 3)
        func fill(x: Int, y: Int, width rw: Int, height rh: Int, _ color: (UInt8, UInt8, UInt8)) {
            for yy in y..<(y + rh) {
                for xx in x..<(x + rw) {
                    let o = (yy * w + xx) * 3
                    samples[o] = UInt16(color.0); samples[o + 1] = UInt16(color.1); samples[o + 2] = UInt16(color.2)
                }
            }
        }
        fill(x: 0, y: 0, width: w, height: h, Self.unitBorderColor)
        for slot in 0..<units {
            let origin = unitOrigin(slot)
            fill(x: origin.x, y: origin.y, width: unitWidth, height: unitHeight, Self.patchBorderColor)
            for cell in 0..<(mosaicRows * mosaicColumns) {
                let p = patchOrigin(slot, patch: cell)
                guard cell < tiles[slot].count, cell < patchesPerUnit else {
                    fill(x: p.x, y: p.y, width: tile, height: tile, Self.emptyColor)
                    continue
                }
                let pixels = tiles[slot][cell].pixels
                for ty in 0..<tile {
                    let sy = pixels.scaledIndex(ty, tile: tile)
                    for tx in 0..<tile {
                        let sx = pixels.scaledIndex(tx, tile: tile)
                        let s = (sy * pixels.side + sx) * 3
                        let o = ((p.y + ty) * w + p.x + tx) * 3
                        samples[o] = UInt16(pixels.samples[s])
                        samples[o + 1] = UInt16(pixels.samples[s + 1])
                        samples[o + 2] = UInt16(pixels.samples[s + 2])
                    }
                }
            }
        }
        return NetpbmImage(width: w, height: h, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB",
                           plain: false, samples: samples)
    }
}
