import XCTest
import Engine
import TestSupport
@testable import Style

/// The exact tiling (`TiledObjective`) against the untiled objective (`StyleObjective`) on the real VGG16.
///
/// Size: 176x136 rather than 512 px (the debug build's evaluations are slow: this is about 14 untiled
/// evaluations' worth of work, a 512 px test about 150). What the test checks does not depend on the size:
/// the tiles' halo (64 px to relu5_1) and alignment (16 px). 176x136 has every case: first, middle and last
/// tiles, crops clipped by the image on one side or both, last tiles shorter than the others and not a
/// multiple of 16, an interior with no relu5_1 position (136 = 2·64 + 8: the last row of 64 px tiles is 8 px),
/// and layer sizes that the poolings floor (136 → 68 → 34 → 17 → 8). The float32 argument below is the same
/// at any size.
final class TiledObjectiveTests: XCTestCase {
    let (width, height) = (176, 136)

    /// J within 1e-5 relative and the gradient within 1e-4 of its largest entry, for tiles of 64 (3x3 tiles,
    /// the last row 8 px) and 112 px (2x2, divides neither side).
    ///
    /// Why these bounds hold: both objectives compute the same sums of the same float32 values, only grouped
    /// differently: the crops' convolutions may take the other algorithm (Winograd or im2col, chosen by size)
    /// or block their sgemm differently, and each Gram is summed tile by tile. So each activation carries a
    /// float32 rounding of a few units u = 6e-8 relative per layer, 11 layers deep at most to relu5_1,
    /// and the Grams (sums over up to 24 000 positions of products of positive ReLU outputs: no cancellation)
    /// a few u more. J_style is quadratic in g - target, J_content in a - a(C); the three images are
    /// independent, so neither difference cancels, and J's relative error is about twice theirs: about
    /// 1e-6 (measured: see the report), 10 times below 1e-5. The gradient goes back through up to 13 layers
    /// more, each with as much rounding as a forward layer: about 1e-5 of its largest entry, below 1e-4.
    /// A wrong halo, an off-by-one interior or a tile counted twice changes J by 1e-3 or more (one 64 px tile's
    /// border alone is several percent of the positions).
    func testTiledEqualsUntiled() throws {
        let net = try Fixtures.vgg16()
        let options = StylizeOptions.defaults
        let content = texture(width: width, height: height, seed: 1)
        let style = try StyleTarget(network: net, pixels: texture(width: width, height: height, seed: 2), width: width,
                                    height: height, layers: options.styleLayers.map(\.name))
        var rng = SplitMix64(seed: 3)
        let generated = texture(width: width, height: height, seed: 4).map { min(255, max(0, $0 + Float.random(in: -20...20, using: &rng))) }
        let weights = try DefaultWeights.resolve(options, network: net, width: width, height: height)
        let untiled = try StyleObjective(network: net, content: content, width: width, height: height,
                                         contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                         style: style, weights: weights)
        let (expected, expectedGradient) = try untiled.evaluate(generated)
        for tileSize in [64, 112] {
            let tiled = try TiledObjective(network: net, content: content, width: width, height: height,
                                           contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                           style: style, weights: weights, tileSize: tileSize)
            XCTAssertGreaterThanOrEqual(tiled.grid.tiles.count, 4, "tile size \(tileSize) must cut the image")
            let (cost, gradient) = try tiled.evaluate(generated)
            XCTAssertEqual(cost.total, expected.total, accuracy: 1e-5 * expected.total, "tile size \(tileSize)")
            XCTAssertEqual(cost.content, expected.content, accuracy: 1e-5 * expected.content, "tile size \(tileSize)")
            for (layer, value) in expected.styleLayers {
                XCTAssertEqual(try XCTUnwrap(cost.styleLayers[layer]), value, accuracy: 1e-5 * value, "\(layer), tile size \(tileSize)")
            }
            XCTAssertEqual(cost.totalVariation, expected.totalVariation, accuracy: 1e-9 * expected.totalVariation)
            XCTAssertLessThan(maxRelativeError(gradient, expectedGradient), 1e-4, "tile size \(tileSize)")
            // The forward-only J is pass 1 alone: the same sums.
            XCTAssertEqual(try tiled.cost(generated).total, cost.total, accuracy: 1e-12 * cost.total)
            print("tile \(tileSize): \(tiled.grid.tiles.count) tiles, J relative error",
                  abs(cost.total - expected.total) / expected.total, "gradient", maxRelativeError(gradient, expectedGradient))
        }
    }

    /// The halo from the layer list: 3x3 convolutions widen a false border by one position at their level, 2x2
    /// poolings halve it (rounding up), then it is rounded up to the alignment.
    func testHaloOfVGG16() throws {
        let net = try Fixtures.vgg16()
        XCTAssertEqual(try net.halo(for: ["relu5_1"]), 64)
        XCTAssertEqual(try net.halo(for: ["relu4_2"]), 40)   // 5 positions at pooling level 3
        XCTAssertEqual(try net.halo(for: ["relu4_1"]), 32)
        XCTAssertEqual(try net.halo(for: ["relu3_1"]), 12)   // 3 positions at level 2, a multiple of its 4 px alignment
        XCTAssertEqual(try net.halo(for: ["relu1_1"]), 1)
        XCTAssertEqual(try net.halo(for: ["relu1_2"]), 2)
        XCTAssertEqual(try net.tileAlignment(for: ["relu1_1", "relu5_1"]), 16)
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
