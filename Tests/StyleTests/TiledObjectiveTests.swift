import XCTest
import Engine
import TestSupport
@testable import Style

/// The exact tiling (`TiledObjective`) against the untiled objective (`StyleObjective`) on the real VGG16.
///
/// Size: 176x136 rather than 512 px (the debug build's evaluations are slow: a few untiled evaluations'
/// worth of work per tile size, a 512 px test about 10 times as much). What the test checks does not depend on
/// the size: the tiles' halo and alignment. 176x136 has every case: first, middle and last tiles, crops clipped
/// by the image on one side or both, last tiles shorter than the others and not a multiple of 16, an interior
/// with no relu5_1 position (136 = 2·64 + 8: the last row of 64 px tiles is 8 px), and layer sizes that the
/// poolings floor (136 → 68 → 34 → 17 → 8). The float32 argument below is the same at any size.
final class TiledObjectiveTests: XCTestCase {
    let (width, height) = (176, 136)

    /// J within 1e-5 relative and the gradient within 1e-4 of its largest entry, for tiles of 64 (3x3 tiles,
    /// the last row 8 px) and 128 px (2x2, divides neither side), with every convolution on im2col, and on the
    /// automatic path (Winograd where it is faster) with tiles of 128.
    ///
    /// Why these bounds hold: each crop's interior activations are the whole image's bit for bit (the halo
    /// covers the band a false border contaminates, on im2col 1 position per convolution, on Winograd whole
    /// 4x4 blocks, and crops are aligned to the blocks: `testWinogradInteriorsAreTheWholeImages`), so no ReLU
    /// mask or pooling maximum differs. What differs is the grouping of each Gram's sum over positions (tile
    /// by tile in Double, against one ssyrk) and of the pixel gradient (crop by crop), a few units u = 6e-8
    /// relative. Measured at 512 px (`stylize-bench print --check`, README "Big prints"). With a halo that
    /// ignores the Winograd blocks the gradient was 1.4e-3 off (512 px, tiles of 256): a ReLU mask or a
    /// pooling maximum flipped by a rounding difference moves one entry by its own size. A wrong halo, an
    /// off-by-one interior or a tile counted twice changes J by 1e-3 or more (a 64 px tile's border row is
    /// several percent of the positions). At 176x136 the automatic path's halo (192 px) makes every crop the
    /// whole image, so this case checks the pinned paths, the interiors and the sums; the halo itself is
    /// checked on real crops by `testWinogradInteriorsAreTheWholeImages`.
    func testTiledEqualsUntiled() throws {
        let automatic = try Fixtures.vgg16()
        var shallow = StylizeOptions.defaults
        shallow.styleLayers = WeightedLayer.equal(["relu1_1", "relu2_1", "relu3_1"])
        shallow.contentLayer = "relu2_2"
        let content = texture(width: width, height: height, seed: 1)
        var rng = SplitMix64(seed: 3)
        let generated = texture(width: width, height: height, seed: 4).map { min(255, max(0, $0 + Float.random(in: -20...20, using: &rng))) }
        for (net, options, tileSizes) in [(automatic.using(.im2col), StylizeOptions.defaults, [64, 128]), (automatic, shallow, [32, 64])] {
            let style = try StyleTarget(network: net, pixels: texture(width: width, height: height, seed: 2), width: width,
                                        height: height, layers: options.styleLayers.map(\.name))
            let weights = try DefaultWeights.resolve(options, network: net, width: width, height: height)
            let untiled = try StyleObjective(network: net, content: content, width: width, height: height,
                                             contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                             style: style, weights: weights)
            let (expected, expectedGradient) = try untiled.evaluate(generated)
            for tileSize in tileSizes {
                let tiled = try TiledObjective(network: net, content: content, width: width, height: height,
                                               contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                               style: style, weights: weights, tileSize: tileSize)
                XCTAssertGreaterThanOrEqual(tiled.grid.tiles.count, 4, "tile size \(tileSize) must cut the image")
                let label = "tile size \(tileSize), \(net.convolution.algorithm)"
                // Crop edges inside the image on both axes (false borders), or the halo is not tested.
                XCTAssertTrue(tiled.grid.tiles.contains { $0.crop.x0 > 0 || $0.crop.x1 < width }, label)
                XCTAssertTrue(tiled.grid.tiles.contains { $0.crop.y0 > 0 || $0.crop.y1 < height }, label)
                let (cost, gradient) = try tiled.evaluate(generated)
                XCTAssertEqual(cost.total, expected.total, accuracy: 1e-5 * expected.total, label)
                XCTAssertEqual(cost.content, expected.content, accuracy: 1e-5 * expected.content, label)
                for (layer, value) in expected.styleLayers {
                    XCTAssertEqual(try XCTUnwrap(cost.styleLayers[layer]), value, accuracy: 1e-5 * value, "\(layer), \(label)")
                }
                XCTAssertEqual(cost.totalVariation, expected.totalVariation, accuracy: 1e-9 * expected.totalVariation)
                XCTAssertLessThan(maxRelativeError(gradient, expectedGradient), 1e-4, label)
                // The forward-only J is pass 1 alone: the same sums.
                XCTAssertEqual(try tiled.cost(generated).total, cost.total, accuracy: 1e-12 * cost.total)
                print(label, "J relative error", abs(cost.total - expected.total) / expected.total,
                      "gradient \(maxRelativeError(gradient, expectedGradient))")
            }
        }
    }

    /// The halo from the layer list: an im2col 3x3 convolution widens a false border by one position at its
    /// level, a Winograd one to the next whole 4x4 block past it (`.automatic`, not pinned, counts as Winograd),
    /// 2x2 poolings halve it (rounding up), then it is rounded up to the alignment (the poolings' 2^k, and the
    /// Winograd blocks' 4 * 2^k at the deepest Winograd level k).
    func testHaloOfVGG16() throws {
        let automatic = try Fixtures.vgg16()
        let im2col = automatic.using(.im2col)
        XCTAssertEqual(try im2col.halo(for: ["relu5_1"]), 64)
        XCTAssertEqual(try im2col.halo(for: ["relu4_2"]), 40)   // 5 positions at pooling level 3
        XCTAssertEqual(try im2col.halo(for: ["relu4_1"]), 32)
        XCTAssertEqual(try im2col.halo(for: ["relu3_1"]), 12)   // 3 positions at level 2, a multiple of its 4 px alignment
        XCTAssertEqual(try im2col.halo(for: ["relu1_1"]), 1)
        XCTAssertEqual(try im2col.halo(for: ["relu1_2"]), 2)
        XCTAssertEqual(try im2col.tileAlignment(for: ["relu1_1", "relu5_1"]), 16)
        // Every convolution on Winograd: 0 -> 4 -> 8 | 4 -> 8 -> 12 | 6 -> 8 -> 12 -> 16 | 8 -> 12 -> 16 -> 20 | 10 -> 12.
        XCTAssertEqual(try automatic.halo(for: ["relu5_1"]), 192)   // 12 positions at level 4
        XCTAssertEqual(try automatic.halo(for: ["relu4_2"]), 128)
        XCTAssertEqual(try automatic.halo(for: ["relu4_1"]), 96)
        XCTAssertEqual(try automatic.halo(for: ["relu3_1"]), 32)
        XCTAssertEqual(try automatic.halo(for: ["relu1_1"]), 4)
        XCTAssertEqual(try automatic.halo(for: ["relu1_2"]), 8)
        XCTAssertEqual(try automatic.tileAlignment(for: ["relu1_1", "relu5_1"]), 64)   // conv5_1's blocks: 4 positions of 16 px
        XCTAssertEqual(try automatic.tileAlignment(for: ["relu4_2"]), 32)
        XCTAssertEqual(try automatic.tileAlignment(for: ["relu1_1"]), 4)
        // Pinned to a 176x136 image: conv1_1 forward is im2col (3 input channels), so is conv5_1 (11x8 positions);
        // 1 -> 4 | 2 -> 4 -> 8 | 4 -> 8 -> 12 -> 16 | 8 -> 12 -> 16 -> 20 | 10 -> 11 = 176 px, up to 192
        // (alignment 32: conv4_3's blocks at level 3).
        let pinned = automatic.pinned(forInputWidth: width, height: height)
        XCTAssertEqual(try pinned.tileAlignment(for: ["relu5_1"]), 32)
        XCTAssertEqual(try pinned.halo(for: ["relu5_1"]), 192)
        XCTAssertEqual(try pinned.halo(for: ["relu3_1"]), 32)
    }

    /// On the automatic path (pinned to the whole image's choices: Winograd from conv1_2 on here), a crop
    /// with the halo and alignment of `VGG.halo`/`tileAlignment` gives its interior the whole image's
    /// activations bit for bit at every tapped layer; with the im2col rule's halo (16 px to relu3_1) it does
    /// not, as Winograd rounds an output with its whole 4x4 block. Layers to relu3_1 so that the crops
    /// (interior 64 px, halo 32 px) are real crops of 176x136, clipped on one side, on both or on none.
    func testWinogradInteriorsAreTheWholeImages() throws {
        let net = try Fixtures.vgg16().pinned(forInputWidth: width, height: height)
        let taps = ["relu1_1", "relu2_1", "relu3_1"]
        XCTAssertEqual(try net.halo(for: taps), 32)
        let alignment = try net.tileAlignment(for: taps)
        XCTAssertEqual(alignment, 16)
        let pixels = texture(width: width, height: height, seed: 5)
        let whole = try net.forward(net.input.networkInput(pixels: pixels, width: width, height: height),
                                    taps: taps, keepForBackward: false)
        func differing(halo: Int) throws -> Int {
            let grid = TileGrid(width: width, height: height, tileSize: 64, halo: halo, alignment: alignment)
            var count = 0
            for tile in grid.tiles {
                let crop = pixels.withUnsafeBufferPointer { TileGrid.crop($0, width: width, tile.crop) }
                let forward = try net.forward(net.input.networkInput(pixels: crop, width: tile.crop.width, height: tile.crop.height),
                                              taps: taps, keepForBackward: false)
                for tap in taps {
                    let p = net.poolings(before: try net.index(of: tap))
                    let mine = forward.taps[tap]!.block(TiledObjective.interior(of: tile, poolings: p)).data
                    let theirs = whole.taps[tap]!.block(tile.interior.pooled(p)).data
                    count += zip(mine, theirs).filter { $0 != $1 }.count
                }
            }
            return count
        }
        XCTAssertEqual(try differing(halo: 32), 0, "interiors with the Winograd halo")
        XCTAssertGreaterThan(try differing(halo: 16), 0, "the im2col rule's halo must fall short on Winograd")
    }

    /// The interiors partition the image and every crop is aligned and holds its interior with the halo.
    func testGridPartitionsTheImage() {
        let grid = TileGrid(width: 250, height: 200, tileSize: 96, halo: 64, alignment: 16)
        var covered = [Int](repeating: 0, count: 250 * 200)
        for tile in grid.tiles {
            for y in tile.interior.y0..<tile.interior.y1 {
                for x in tile.interior.x0..<tile.interior.x1 { covered[y * 250 + x] += 1 }
            }
            XCTAssertEqual(tile.crop.x0 % 16, 0)
            XCTAssertEqual(tile.crop.y0 % 16, 0)
            XCTAssertEqual(tile.crop.x0, max(0, tile.interior.x0 - 64))
            XCTAssertEqual(tile.crop.x1, min(250, tile.interior.x1 + 64))
            XCTAssertEqual(tile.crop.y1, min(200, tile.interior.y1 + 64))
        }
        XCTAssertEqual(grid.tiles.count, 9)
        XCTAssertTrue(covered.allSatisfy { $0 == 1 })
    }

    func testTileSizeMustBeAligned() throws {
        let net = try Fixtures.vgg16()
        let options = StylizeOptions.defaults
        let pixels = [Float](repeating: 100, count: 32 * 32 * 3)
        let style = try StyleTarget(network: net, pixels: pixels, width: 32, height: 32, layers: options.styleLayers.map(\.name))
        XCTAssertThrowsError(try TiledObjective(network: net, content: pixels, width: 32, height: 32,
                                                contentLayer: options.contentLayer, styleLayers: options.styleLayers, style: style,
                                                weights: CostWeights(content: 1, style: 1, totalVariation: 0), tileSize: 40)) { error in
            XCTAssertEqual("\(error)", "tile size 40 must be a positive multiple of 16")
        }
    }
}
