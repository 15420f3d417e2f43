import XCTest
import Foundation
import Engine
import TestSupport
@testable import Style

/// The exact tiling (`TiledObjective`) against the untiled objective (`StyleObjective`) on the real VGG16.
///
/// Size: 176x136 rather than 512 px (the debug build's evaluations are slow: a few untiled evaluations'
/// worth of work per tile size, a 512 px test about 10 times as much). What the test checks does not depend on the size:
/// the tiles' halo (64 px to relu5_1) and alignment (16 px). 176x136 has every case: first, middle and last
/// tiles, crops clipped by the image on one side or both, last tiles shorter than the others and not a
/// multiple of 16, an interior with no relu5_1 position (136 = 2·64 + 8: the last row of 64 px tiles is 8 px),
/// and layer sizes that the poolings floor (136 → 68 → 34 → 17 → 8). The float32 argument below is the same
/// at any size.
final class TiledObjectiveTests: XCTestCase {
    let (width, height) = (176, 136)

    /// J within 1e-5 relative and the gradient within 1e-4 of its largest entry, for tiles of 64 (3x3 tiles,
    /// the last row 8 px) and 128 px (2x2, divides neither side), with every convolution on im2col; and J on
    /// the automatic path (Winograd where it is faster) within 1e-5.
    ///
    /// Why these bounds hold: on im2col each output's float32 sum depends only on its own 3x3 window, so an
    /// interior output of a crop is the whole image's, bit for bit up to the sgemm's blocking; what differs is
    /// the grouping of each Gram's sum over positions (tile by tile in Double, against one ssyrk), a few units
    /// u = 6e-8 relative. Measured at 512 px (`stylize-bench print --check`, tiles of 128): J 4e-12 relative,
    /// gradient 4e-7 of its largest entry. On the automatic path Winograd rounds each output by its 4x4 block,
    /// so outputs next to a crop's halo border round differently: J still agrees to about 1e-8 relative
    /// (quadratic in differences that do not cancel), but the gradient is not compared there, as a ReLU mask
    /// or pooling maximum flipped by a rounding difference moves one entry by its own size (measured 1.4e-3 of
    /// the largest at 512 px with tiles of 256). A wrong halo, an off-by-one interior or a tile counted twice
    /// changes J by 1e-3 or more (a 64 px tile's border row is several percent of the positions).
    /// A style image's Grams computed in tiles (`StyleTarget(network:...tileSize:)`) equal the untiled ones,
    /// entry by entry within (2 γ_N + 2e-4) g, on im2col. Why: the features are ReLU outputs, so A ≥ 0 and
    /// Σ|a||b| = N g: the two float32 groupings of a sum of N products (one ssyrk, or one per tile summed in
    /// Double) are each within γ_N g of the exact sum. Each feature also carries its convolutions' rounding,
    /// which the sgemm does per call shape (see `TiledObjective`): bounded by the 1e-4 relative that the
    /// whole network's reference check uses (VGGReferenceTests), twice in a product of two. A wrong halo or a
    /// tile counted twice moves the shallow Grams by percents.
    func testTiledStyleTargetEqualsUntiled() throws {
        let net = try Fixtures.vgg16().using(.im2col)
        let layers = StylizeOptions.defaults.styleLayers.map(\.name)
        let pixels = texture(width: width, height: height, seed: 2)
        let untiled = try StyleTarget(network: net, pixels: pixels, width: width, height: height, layers: layers)
        for tileSize in [64, 128] {
            let tiled = try StyleTarget(network: net, pixels: pixels, width: width, height: height, layers: layers, tileSize: tileSize)
            for layer in layers {
                let n = try net.spatialSize(of: layer, inputWidth: width, inputHeight: height).count
                let (a, b) = (tiled.grams[layer]!, untiled.grams[layer]!)
                let worst = zip(a, b).map { abs(Double($0) - Double($1)) / max(Double($1), 1e-30) }.max()!
                XCTAssertLessThanOrEqual(worst, 2 * Float32Rounding.gamma(n) + 2e-4, "\(layer), tile size \(tileSize)")
                print("tiled style target, \(layer), tile \(tileSize): largest relative difference \(worst)")
            }
        }
        XCTAssertThrowsError(try StyleTarget(network: net, pixels: pixels, width: width, height: height, layers: layers, tileSize: 24)) {
            XCTAssertEqual("\($0)", "tile size 24 must be a positive multiple of 16")
        }
    }

    /// im2col VGG16, the default options, a style target and the default weights at this size.
    func pagingFixture() throws -> (VGG, StylizeOptions, StyleTarget, CostWeights) {
        let net = try Fixtures.vgg16().using(.im2col)
        let options = StylizeOptions.defaults
        let style = try StyleTarget(network: net, pixels: texture(width: width, height: height, seed: 2), width: width,
                                    height: height, layers: options.styleLayers.map(\.name))
        let weights = try DefaultWeights.resolve(options, network: net, width: width, height: height)
        return (net, options, style, weights)
    }

    /// Content targets paged to a file (`TensorStore`) give the same bits of J and its gradient as in memory.
    func testPagedContentTargetsGiveTheSameBits() throws {
        let (net, options, style, weights) = try pagingFixture()
        let generated = texture(width: width, height: height, seed: 4)
        let results = try [HistoryStorage.memory, .file(directory: NSTemporaryDirectory())].map { storage in
            try TiledObjective(network: net, content: texture(width: width, height: height, seed: 1), width: width, height: height,
                               contentLayer: options.contentLayer, styleLayers: options.styleLayers, style: style,
                               weights: weights, tileSize: 64, contentTargetStorage: storage).evaluate(generated)
        }
        XCTAssertGreaterThan(results[0].cost.content, 0)
        XCTAssertEqual(results[1].cost.total.bitPattern, results[0].cost.total.bitPattern)
        XCTAssertEqual(results[1].gradient.map(\.bitPattern), results[0].gradient.map(\.bitPattern))
    }

    /// The optimizer's vectors paged (`PagedVector`, what `BoundedLBFGS.vectorStorage` lends): the point read and
    /// the gradient written a crop at a time, J_tv walked in blocks of 1000 values with their pages given back
    /// after each. The same bits of J and its gradient as on arrays.
    func testPagedVectorsGiveTheSameBits() throws {
        let (net, options, style, weights) = try pagingFixture()
        let objective = try TiledObjective(network: net, content: texture(width: width, height: height, seed: 1), width: width,
                                           height: height, contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                           style: style, weights: weights, tileSize: 64)
        let generated = texture(width: width, height: height, seed: 4)
        let (cost, gradient) = try objective.evaluate(generated)
        let pager = VectorPager(storage: .file(directory: NSTemporaryDirectory()))
        let (x, g): (PagedVector<Float>, PagedVector<Float>) = (try pager.make(generated.count), try pager.make(generated.count))
        _ = x.buffer.update(fromContentsOf: generated)
        g.buffer.update(repeating: .nan)
        let paged = try objective.evaluate(UnsafeBufferPointer(x.buffer), gradient: g.buffer, paging: pager.paging(block: 1000))
        XCTAssertGreaterThan(weights.totalVariation, 0)
        XCTAssertEqual(paged.total.bitPattern, cost.total.bitPattern)
        XCTAssertEqual(paged.totalVariation.bitPattern, cost.totalVariation.bitPattern)
        XCTAssertEqual(g.array().map(\.bitPattern), gradient.map(\.bitPattern))
    }

    /// Every crop's forward state kept from pass 1 (`keepsForwardPasses`: pass 2 runs no forward) gives the same
    /// bits of J and its gradient as pass 2 running the forward again, on the default (Winograd) path: a forward
    /// that keeps what backward needs computes the same values as one that does not.
    func testKeptForwardPassesGiveTheSameBits() throws {
        let net = try Fixtures.vgg16()
        let options = StylizeOptions.defaults
        let style = try StyleTarget(network: net, pixels: texture(width: width, height: height, seed: 2), width: width,
                                    height: height, layers: options.styleLayers.map(\.name))
        let weights = try DefaultWeights.resolve(options, network: net, width: width, height: height)
        let generated = texture(width: width, height: height, seed: 4)
        let results = try [false, true].map { keep in
            try TiledObjective(network: net, content: texture(width: width, height: height, seed: 1), width: width, height: height,
                               contentLayer: options.contentLayer, styleLayers: options.styleLayers, style: style,
                               weights: weights, tileSize: 64, keepForwardPasses: keep).evaluate(generated)
        }
        XCTAssertGreaterThan(results[0].cost.content, 0)
        XCTAssertGreaterThan(results[0].cost.style, 0)
        XCTAssertEqual(results[1].cost.total.bitPattern, results[0].cost.total.bitPattern)
        XCTAssertEqual(results[1].gradient.map(\.bitPattern), results[0].gradient.map(\.bitPattern))
    }

    func testTiledEqualsUntiled() throws {
        let automatic = try Fixtures.vgg16()
        let options = StylizeOptions.defaults
        let content = texture(width: width, height: height, seed: 1)
        var rng = SplitMix64(seed: 3)
        let generated = texture(width: width, height: height, seed: 4).map { min(255, max(0, $0 + Float.random(in: -20...20, using: &rng))) }
        for (net, tileSizes, withGradient) in [(automatic.using(.im2col), [64, 128], true), (automatic, [128], false)] {
            let style = try StyleTarget(network: net, pixels: texture(width: width, height: height, seed: 2), width: width,
                                        height: height, layers: options.styleLayers.map(\.name))
            let weights = try DefaultWeights.resolve(options, network: net, width: width, height: height)
            let untiled = try StyleObjective(network: net, content: content, width: width, height: height,
                                             contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                             style: style, weights: weights)
            let (expected, expectedGradient) = withGradient ? try untiled.evaluate(generated) : (try untiled.cost(generated), [])
            for tileSize in tileSizes {
                let tiled = try TiledObjective(network: net, content: content, width: width, height: height,
                                               contentLayer: options.contentLayer, styleLayers: options.styleLayers,
                                               style: style, weights: weights, tileSize: tileSize)
                XCTAssertGreaterThanOrEqual(tiled.grid.tiles.count, 4, "tile size \(tileSize) must cut the image")
                let (cost, gradient) = withGradient ? try tiled.evaluate(generated) : (try tiled.cost(generated), [])
                let label = "tile size \(tileSize), \(net.convolution.algorithm)"
                XCTAssertEqual(cost.total, expected.total, accuracy: 1e-5 * expected.total, label)
                XCTAssertEqual(cost.content, expected.content, accuracy: 1e-5 * expected.content, label)
                for (layer, value) in expected.styleLayers {
                    XCTAssertEqual(try XCTUnwrap(cost.styleLayers[layer]), value, accuracy: 1e-5 * value, "\(layer), \(label)")
                }
                XCTAssertEqual(cost.totalVariation, expected.totalVariation, accuracy: 1e-9 * expected.totalVariation)
                if withGradient {
                    XCTAssertLessThan(maxRelativeError(gradient, expectedGradient), 1e-4, label)
                    // The forward-only J is pass 1 alone: the same sums.
                    XCTAssertEqual(try tiled.cost(generated).total, cost.total, accuracy: 1e-12 * cost.total)
                }
                print(label, "J relative error", abs(cost.total - expected.total) / expected.total,
                      withGradient ? "gradient \(maxRelativeError(gradient, expectedGradient))" : "")
            }
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
