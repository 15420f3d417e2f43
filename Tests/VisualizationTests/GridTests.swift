import Engine
import ImageIO
import XCTest
@testable import Visualization

final class GridTests: XCTestCase {
    func pixel(_ image: NetpbmImage, _ x: Int, _ y: Int) -> [UInt16] {
        let o = (y * image.width + x) * 3
        return Array(image.samples[o..<(o + 3)])
    }

    func rgb(_ c: (UInt8, UInt8, UInt8)) -> [UInt16] { [UInt16(c.0), UInt16(c.1), UInt16(c.2)] }

    func solid(_ r: UInt8, _ g: UInt8, _ b: UInt8, side: Int = 1) -> Patch {
        Patch(activation: 1, image: 1, y: 0, x: 0, top: 0, left: 0,
              pixels: PatchPixels(side: side, samples: (0..<(side * side)).flatMap { _ in [r, g, b] }))
    }

    /// 5 units of 9 patches, 4 px tiles, 2 px between patches, 6 px between units: a 3x3 mosaic is
    /// 3*4 + 2*2 = 16 px; 5 tiles go in 3 columns and 2 rows: 3*16 + 4*6 = 72 by 2*16 + 3*6 = 50.
    func testLayoutSizes() {
        let layout = GridLayout(units: 5, patchesPerUnit: 9, tile: 4, patchBorder: 2, unitBorder: 6)
        XCTAssertEqual([layout.mosaicColumns, layout.mosaicRows, layout.columns, layout.rows], [3, 3, 3, 2])
        XCTAssertEqual([layout.unitWidth, layout.unitHeight, layout.width, layout.height], [16, 16, 72, 50])
        XCTAssertEqual([layout.unitOrigin(0).x, layout.unitOrigin(0).y], [6, 6])
        XCTAssertEqual([layout.unitOrigin(4).x, layout.unitOrigin(4).y], [28, 28])
        XCTAssertEqual([layout.patchOrigin(4, patch: 5).x, layout.patchOrigin(4, patch: 5).y], [40, 34])
        // Counts that are not squares: 16 units in 4x4, 17 in 5 columns of 4 rows; 4 patches in 2x2, 5 in 3x2.
        XCTAssertEqual([GridLayout(units: 16, patchesPerUnit: 4, tile: 1).columns, GridLayout(units: 16, patchesPerUnit: 4, tile: 1).rows], [4, 4])
        XCTAssertEqual([GridLayout(units: 17, patchesPerUnit: 5, tile: 1).columns, GridLayout(units: 17, patchesPerUnit: 5, tile: 1).rows], [5, 4])
        let five = GridLayout(units: 1, patchesPerUnit: 5, tile: 1)
        XCTAssertEqual([five.mosaicColumns, five.mosaicRows], [3, 2])
        // The defaults: 2 px between patches, 6 between units; 16 units of 9 patches of 64 px = 814 px.
        let standard = GridLayout(units: 16, patchesPerUnit: 9, tile: 64)
        XCTAssertEqual([standard.patchBorder, standard.unitBorder, standard.width, standard.height], [2, 6, 814, 814])
    }

    func testRenderedPixels() {
        let layout = GridLayout(units: 5, patchesPerUnit: 9, tile: 4, patchBorder: 2, unitBorder: 6)
        // Unit slot 0: nine patches colored (10*i, 100, 200); slot 1: two patches; slots 2-4: none.
        let tiles: [[Patch]] = [
            (0..<9).map { solid(UInt8(10 * $0), 100, 200) },
            [solid(1, 2, 3), solid(4, 5, 6)],
            [], [], [],
        ]
        let image = layout.render(tiles)
        XCTAssertEqual([image.width, image.height, image.depth, image.maxval], [72, 50, 3, 255])
        XCTAssertEqual(image.format, .ppm)
        let unitBorder = rgb(GridLayout.unitBorderColor), patchBorder = rgb(GridLayout.patchBorderColor)
        let empty = rgb(GridLayout.emptyColor)
        XCTAssertNotEqual(unitBorder, patchBorder)
        // Frame and the gaps between tiles.
        for (x, y) in [(0, 0), (5, 5), (71, 49), (22, 10), (27, 10), (10, 22), (10, 27), (50, 44)] {
            XCTAssertEqual(pixel(image, x, y), unitBorder, "unit border at \(x),\(y)")
        }
        // Lines between patches of tile 0: columns 10-11 and 16-17, rows 10-11 and 16-17 (within 6...21).
        for (x, y) in [(10, 6), (11, 21), (16, 13), (17, 6), (6, 10), (21, 11), (13, 16), (8, 17)] {
            XCTAssertEqual(pixel(image, x, y), patchBorder, "patch border at \(x),\(y)")
        }
        // Patch i of tile 0 fills its 4x4 cell.
        for i in 0..<9 {
            let o = layout.patchOrigin(0, patch: i)
            for (dx, dy) in [(0, 0), (3, 0), (0, 3), (3, 3)] {
                XCTAssertEqual(pixel(image, o.x + dx, o.y + dy), [UInt16(10 * i), 100, 200], "patch \(i)")
            }
        }
        // Tile 1: two patches, then empty cells.
        XCTAssertEqual(pixel(image, layout.patchOrigin(1, patch: 0).x, layout.patchOrigin(1, patch: 0).y), [1, 2, 3])
        XCTAssertEqual(pixel(image, layout.patchOrigin(1, patch: 1).x + 3, layout.patchOrigin(1, patch: 1).y + 3), [4, 5, 6])
        for cell in 2..<9 {
            let o = layout.patchOrigin(1, patch: cell)
            XCTAssertEqual(pixel(image, o.x + 1, o.y + 2), empty, "empty cell \(cell)")
        }
        // Slot 5 (row 2, column 3) holds no unit: background.
        let free = layout.unitOrigin(5)
        XCTAssertEqual(pixel(image, free.x + 8, free.y + 8), unitBorder)
        // Every pixel is one of the colors put there.
        var colors = Set<[UInt16]>([unitBorder, patchBorder, empty, [1, 2, 3], [4, 5, 6]])
        for i in 0..<9 { colors.insert([UInt16(10 * i), 100, 200]) }
        XCTAssertTrue((0..<50).allSatisfy { y in (0..<72).allSatisfy { x in colors.contains(pixel(image, x, y)) } })
    }

    /// Patches smaller than the tile are scaled up by nearest neighbour: each of 2x2 pixels becomes 3x3.
    func testPatchesScaleToTheTile() {
        let patch = Patch(activation: 1, image: 1, y: 0, x: 0, top: 0, left: 0,
                          pixels: PatchPixels(side: 2, samples: [10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0]))
        let layout = GridLayout(units: 1, patchesPerUnit: 1, tile: 6, patchBorder: 1, unitBorder: 1)
        let image = layout.render([[patch]])
        XCTAssertEqual([image.width, image.height], [8, 8])
        let reds = (1...6).map { y in (1...6).map { x in pixel(image, x, y)[0] } }
        XCTAssertEqual(reds, [[10, 10, 10, 20, 20, 20]] * 3 + [[30, 30, 30, 40, 40, 40]] * 3)
    }

    /// The whole path on the synthetic network: --top 2 puts the green unit (2295) before the red one
    /// (2250), each tile showing its patches strongest first.
    func testVisualizerGrid() throws {
        let net = try VGG(weights: SyntheticNetwork.colorDetectors())
        let v = try Visualizer(network: net, layer: "relu1_1", patchesPerUnit: 4, tile: 3)
        for image in TopPatchesTests.images { try v.add(image) }
        let tiles = v.tiles(.top(2))
        XCTAssertEqual(tiles.map(\.unit), [1, 0])
        let grid = v.grid(tiles)
        let layout = GridLayout(units: 2, patchesPerUnit: 4, tile: 3)
        XCTAssertEqual([grid.width, grid.height], [layout.width, layout.height])
        let green = layout.patchOrigin(0, patch: 0)
        XCTAssertEqual(pixel(grid, green.x + 1, green.y + 1), [0, 255, 0])
        for (i, level) in [250, 225, 200, 150].enumerated() {
            let o = layout.patchOrigin(1, patch: i)
            XCTAssertEqual(pixel(grid, o.x + 1, o.y + 1), [UInt16(level), 0, 0], "red patch \(i)")
        }
        // --units keeps the given order, and a unit that never fired gets an empty tile.
        let chosen = v.tiles(.units([2, 0]))
        XCTAssertEqual(chosen.map(\.unit), [2, 0])
        XCTAssertEqual(chosen[0].patches, [])
        let picture = v.grid(chosen)
        let cell = layout.patchOrigin(0, patch: 0)
        XCTAssertEqual(pixel(picture, cell.x, cell.y), rgb(GridLayout.emptyColor))
    }
}

private func * <T>(list: [T], times: Int) -> [T] { Array((0..<times).map { _ in list }.joined()) }
