import Engine
import ImageIO
import XCTest
@testable import Visualization

final class TopPatchesTests: XCTestCase {
    typealias Place = (image: Int, x: Int, y: Int, activation: Float)

    func places(_ patches: [Patch]) -> [String] {
        patches.map { "\($0.image):\($0.x),\($0.y)=\($0.activation)" }
    }

    /// Image 1: 3x3 red squares of red 250, 150 and 200 centered at (5,6), (20,9), (12,24);
    /// image 2: red 225 at (25,25) and a pure green square at (3,3).
    static let images = [
        SyntheticNetwork.image(width: 32, height: 32, squares: [
            (4, 5, 3, SyntheticNetwork.red(250)), (19, 8, 3, SyntheticNetwork.red(150)), (11, 23, 3, SyntheticNetwork.red(200)),
        ]),
        SyntheticNetwork.image(width: 32, height: 32, squares: [
            (24, 24, 3, SyntheticNetwork.red(225)), (2, 2, 3, (0, 255, 0)),
        ]),
    ]

    func run(bgr: Bool = false, perUnit: Int, tile: Int = 3, images: [RGBImage] = TopPatchesTests.images) throws -> Visualizer {
        let net = try VGG(weights: SyntheticNetwork.colorDetectors(bgr: bgr))
        let visualizer = try Visualizer(network: net, layer: "relu1_1", patchesPerUnit: perUnit, tile: tile)
        for image in images { try visualizer.add(image) }
        return visualizer
    }

    /// The red unit's patches are exactly the red squares, strongest first (activation 9 * red), across images.
    /// A square's edge neighbours (6 * 250 = 1500, more than the weakest square's 1350) are duplicates
    /// and must not take its place.
    func testRedUnitFindsTheRedSquaresInOrderOfStrength() throws {
        for bgr in [false, true] {
            let v = try run(bgr: bgr, perUnit: 4)
            let red = v.collector.units[0]
            XCTAssertEqual(places(red), ["1:5,6=2250.0", "2:25,25=2025.0", "1:12,24=1800.0", "1:20,9=1350.0"], "bgr \(bgr)")
            // Each patch is the 3x3 field around the center: exactly the square.
            for (patch, level) in zip(red, [250, 225, 200, 150] as [UInt8]) {
                XCTAssertEqual(patch.top, patch.y - 1)
                XCTAssertEqual(patch.left, patch.x - 1)
                XCTAssertEqual(patch.pixels.side, 3)
                XCTAssertEqual(patch.pixels.samples, [UInt8]((0..<9).flatMap { _ in [level, 0, 0] }))
            }
            XCTAssertEqual(v.collector.units[2], [], "a unit that never fires has no patches")
        }
    }

    /// With more patches than squares, the rest come from the squares' fringes, never closer than two
    /// positions (centers >= 2 px apart, half the 3 px field is 1.5) to a stronger patch of the same image.
    func testDuplicatesAreSuppressed() throws {
        let v = try run(perUnit: 9)
        let red = v.collector.units[0]
        XCTAssertEqual(red.count, 9)
        XCTAssertEqual(Array(places(red).prefix(4)), ["1:5,6=2250.0", "2:25,25=2025.0", "1:12,24=1800.0", "1:20,9=1350.0"])
        // Next: the square of 250's fringe two columns or rows away (one column of the square in the field: 3 * 250).
        XCTAssertEqual(red[4].activation, 750)
        for (i, a) in red.enumerated() {
            for b in red[(i + 1)...] where a.image == b.image {
                XCTAssertGreaterThanOrEqual(max(abs(a.x - b.x), abs(a.y - b.y)), 2, "\(places([a, b]))")
            }
            if i > 0 { XCTAssertGreaterThanOrEqual(red[i - 1].activation, a.activation) }
        }
    }

    /// Equal activations go in row-major order; a fringe patch shows the square where it lies in the field.
    func testTiesAndFringePatches() throws {
        let v = try run(perUnit: 4)
        let green = v.collector.units[1]
        // The square (9 * 255), then the four edge fringes (3 * 255) in row-major order: (3,1), (1,3), (5,3).
        XCTAssertEqual(places(green), ["2:3,3=2295.0", "2:3,1=765.0", "2:1,3=765.0", "2:5,3=765.0"])
        let fringe = green[1].pixels.samples
        let green3: [UInt8] = [0, 255, 0, 0, 255, 0, 0, 255, 0]
        XCTAssertEqual(Array(fringe[0..<18]), [UInt8](repeating: 0, count: 18), "rows 0 and 1 of the image are black")
        XCTAssertEqual(Array(fringe[18..<27]), green3, "row 2 is the square's top row")
        XCTAssertEqual(v.collector.maxima, [2250, 2295, 0])
        XCTAssertEqual(UnitSelection.top(2).resolve(maxima: v.collector.maxima), [1, 0])
    }

    /// The stream order changes only the image numbers.
    func testResultDoesNotDependOnTheOrderOfImages() throws {
        let forward = try run(perUnit: 6).collector.units
        let backward = try run(perUnit: 6, images: Self.images.reversed()).collector.units
        for unit in 0..<3 {
            XCTAssertEqual(forward[unit].map { [$0.activation, Float($0.x), Float($0.y)] },
                           backward[unit].map { [$0.activation, Float($0.x), Float($0.y)] })
            XCTAssertEqual(forward[unit].map(\.image), backward[unit].map { 3 - $0.image })
        }
    }

    /// A field that runs off the image: the outside part is mid gray, the rest is the image.
    func testFieldsAreClippedAtTheBorder() throws {
        let corner = SyntheticNetwork.image(width: 8, height: 8, squares: [(0, 0, 2, SyntheticNetwork.red(200))])
        let v = try run(perUnit: 1, images: [corner])
        let patch = try XCTUnwrap(v.collector.units[0].first)
        // (0,0) and (1,1) both see the whole 2x2 square (4 * 200); the first in row-major order wins.
        XCTAssertEqual(places([patch]), ["1:0,0=800.0"])
        XCTAssertEqual([patch.top, patch.left], [-1, -1])
        let g: [UInt8] = [128, 128, 128], r: [UInt8] = [200, 0, 0]
        let expected: [[UInt8]] = [g, g, g, g, r, r, g, r, r]
        XCTAssertEqual(patch.pixels.samples, Array(expected.joined()))
    }

    /// Fields larger than the tile are kept scaled down (area average) to the tile.
    func testCropScalesDownByAreaAverage() {
        // 4x4 image, pixel value = 10 * (y * 4 + x) in every channel.
        let pixels = (0..<16).flatMap { i in [Float](repeating: Float(10 * i), count: 3) }
        let image = RGBImage(width: 4, height: 4, pixels: pixels)
        let half = PatchPixels.crop(image, top: 0, left: 0, size: 4, side: 2)
        // Means of the 2x2 blocks: (0+10+40+50)/4 = 25, 45, 105, 125.
        XCTAssertEqual(half.samples, [25, 25, 25, 45, 45, 45, 105, 105, 105, 125, 125, 125])
        let same = PatchPixels.crop(image, top: 1, left: 2, size: 3, side: 3)
        XCTAssertEqual(same.samples.enumerated().filter { $0.offset % 3 == 0 }.map(\.element),
                       [60, 70, 128, 100, 110, 128, 140, 150, 128])
        // 3 -> 2: each output cell covers 1.5 source cells.
        let weights = PatchPixels.boxWeights(from: 3, to: 2)
        let cells: [[Int]] = weights.map { $0.map(\.0) }
        let fractions: [[Float]] = weights.map { $0.map(\.1) }
        let third: Float = 1.0 / 3
        XCTAssertEqual(cells, [[0, 1], [1, 2]])
        XCTAssertEqual(fractions, [[2 * third, third], [third, 2 * third]])
    }

    /// After a pooling the field's first pixel is at -2 + 2 * position and the center on a half pixel.
    func testPatchesAfterPooling() throws {
        var file = SyntheticNetwork.colorDetectors()
        file.tensors["conv1_2.weight"] = NamedTensor(shape: [1, 3, 3, 3], values: [Float](repeating: 0, count: 27).enumerated().map { $0.offset == 4 ? 1 : 0 })
        file.tensors["conv1_2.bias"] = NamedTensor(shape: [1], values: [0])
        let net = try VGG(weights: file)
        let v = try Visualizer(network: net, layer: "pool1", patchesPerUnit: 1, tile: 8)
        XCTAssertEqual(v.field, ReceptiveField(size: 6, jump: 2, first: -2))
        // conv1_2 passes the red unit's center tap through: the pool1 maximum sits over the red square.
        try v.add(SyntheticNetwork.image(width: 16, height: 16, squares: [(8, 4, 3, SyntheticNetwork.red(100))]))
        let patch = try XCTUnwrap(v.collector.units[0].first)
        XCTAssertEqual(patch.activation, 900)
        XCTAssertEqual([patch.x, patch.y], [4, 2], "the square's center (9,5) falls in pool window x 8...9, y 4...5")
        XCTAssertEqual([patch.left, patch.top], [6, 2])
        XCTAssertEqual(v.field.center(patch.x), 8.5)
        XCTAssertEqual(patch.pixels.side, 6, "a field smaller than the tile is kept at its own size")
    }

    /// Streaming per image with at most K per image and a threshold gives the same K as one greedy pass
    /// over all images at once (random planes with many ties, several radii and K).
    func testStreamingEqualsGlobalGreedy() {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<30 {
            let perUnit = Int.random(in: 1...12, using: &rng)
            let radius = Int.random(in: 0...3, using: &rng)
            let field = ReceptiveField(size: 2 * radius + 1 + Int.random(in: 0...1, using: &rng), jump: 1, first: -radius)
            XCTAssertEqual(field.duplicateRadius, radius)
            let (h, w) = (Int.random(in: 1...12, using: &rng), Int.random(in: 1...12, using: &rng))
            let images = Int.random(in: 1...5, using: &rng)
            let collector = TopPatches(units: 2, perUnit: perUnit, field: field, tile: 1)
            var all: [(v: Float, image: Int, y: Int, x: Int)] = []
            let blank = RGBImage(width: w, height: h, pixels: [Float](repeating: 0, count: w * h * 3))
            for image in 1...images {
                // Values -2...5 in steps of 1: plenty of ties and of non-positive values.
                let data = (0..<(2 * h * w)).map { _ in Float(Int.random(in: -2...5, using: &rng)) }
                collector.add(image: blank, activation: Tensor(channels: 2, height: h, width: w, data: data))
                for p in 0..<(h * w) where data[p] > 0 { all.append((data[p], image, p / w, p % w)) }
            }
            // Only unit 0 is compared against the brute force; the sort key is (value desc, image, y, x).
            all.sort { ($0.v, -$0.image, -$0.y, -$0.x) > ($1.v, -$1.image, -$1.y, -$1.x) }
            var expected: [(v: Float, image: Int, y: Int, x: Int)] = []
            for c in all where expected.count < perUnit {
                if expected.contains(where: { $0.image == c.image && abs($0.y - c.y) <= radius && abs($0.x - c.x) <= radius }) { continue }
                expected.append(c)
            }
            XCTAssertEqual(collector.units[0].map { "\($0.activation)@\($0.image):\($0.y),\($0.x)" },
                           expected.map { "\($0.v)@\($0.image):\($0.y),\($0.x)" }, "trial \(trial)")
        }
    }

    func testKthLargest() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let values = (0..<Int.random(in: 1...60, using: &rng)).map { _ in Float(Int.random(in: 0...6, using: &rng)) }
            let k = Int.random(in: 1...values.count, using: &rng)
            var scratch = values
            XCTAssertEqual(TopPatches.kthLargest(&scratch, k), values.sorted(by: >)[k - 1])
        }
    }

    /// A plateau (a saturated region): one pick per neighbourhood, in row-major order.
    func testPlateau() {
        let plane = [Float](repeating: 3, count: 25)
        let picks = plane.withUnsafeBufferPointer {
            TopPatches.strongest($0, height: 5, width: 5, count: 9, above: 0, radius: 1)
        }
        XCTAssertEqual(picks.map(\.position), [0, 2, 4, 10, 12, 14, 20, 22, 24])
        let none = plane.withUnsafeBufferPointer {
            TopPatches.strongest($0, height: 5, width: 5, count: 9, above: 3, radius: 1)
        }
        XCTAssertTrue(none.isEmpty, "a value equal to the kept K-th one loses the tie to the earlier image")
    }

    func testVisualizerErrors() throws {
        let net = try VGG(weights: SyntheticNetwork.file(blocks: [1, 1]))
        XCTAssertThrowsError(try Visualizer(network: net, layer: "relu3_1")) { error in
            XCTAssertTrue("\(error)".contains("unknown layer \"relu3_1\""), "\(error)")
        }
        let v = try Visualizer(network: net, layer: "pool2")
        XCTAssertEqual(v.minimumSide, 4)
        XCTAssertThrowsError(try v.add(SyntheticNetwork.image(width: 3, height: 8, squares: []))) { error in
            XCTAssertEqual("\(error)", "3x8 is too small for pool2 (at least 4x4 px)")
        }
        try v.add(SyntheticNetwork.image(width: 4, height: 4, squares: []))
        XCTAssertEqual(v.imageCount, 1)
    }
}
