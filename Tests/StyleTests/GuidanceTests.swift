import XCTest
import Engine
import TestSupport
@testable import Style

/// `Guidance` against the paper's own definition of its modes, probed through the real network as
/// `get_fm_guides` of leongatys/NeuralImageSynthesis does: a unit "sees" a set of pixels when its activations
/// change as those pixels change. Two images that differ only there (independent noise of ±100 levels on a
/// gray image) are passed through VGG16; a unit sees the set when any of its channels differs. The probe runs
/// the im2col path: its sums take in only each window's inputs, while Winograd's tiles mix in (with
/// coefficients that cancel only in exact arithmetic) inputs outside the window, whose noise then shows in
/// the last bits of units that do not see them.
final class GuidanceTests: XCTestCase {
    let (width, height) = (64, 48)
    let layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]

    /// A 0/1 region: a disc and a bar, away from and touching the border.
    func region() -> [Float] {
        (0..<(width * height)).map { p in
            let (x, y) = (p % width, p / width)
            let disc = (x - 40) * (x - 40) + (y - 22) * (y - 22) < 15 * 15
            return disc || x < 9 ? 1 : 0
        }
    }

    /// For each layer, 1 where some channel's activation differs between two images that differ only where
    /// `vary` is 1.
    func seen(_ vary: [Float], network winograd: VGG) throws -> [String: [Float]] {
        let network = winograd.using(.im2col)
        var rng = SplitMix64(seed: 41)
        func probe() -> [Float] {
            (0..<(width * height * 3)).map { i in 128 + (vary[i / 3] == 1 ? Float.random(in: -100...100, using: &rng) : 0) }
        }
        let (a, b) = (probe(), probe())
        let fa = try network.forward(network.input.networkInput(pixels: a, width: width, height: height), taps: layers, keepForBackward: false)
        let fb = try network.forward(network.input.networkInput(pixels: b, width: width, height: height), taps: layers, keepForBackward: false)
        var out: [String: [Float]] = [:]
        for layer in layers {
            let (ta, tb) = (fa.taps[layer]!, fb.taps[layer]!)
            let n = ta.planeSize
            out[layer] = (0..<n).map { p in (0..<ta.channels).contains { ta.data[$0 * n + p] != tb.data[$0 * n + p] } ? 1 : 0 }
        }
        return out
    }

    /// Dilation: the units that see some pixel of the region, exactly.
    func testDilationIsTheUnitsThatSeeTheRegion() throws {
        let network = try Fixtures.vgg16()
        let probed = try seen(region(), network: network)
        let guides = try Guidance.propagate(region(), width: width, height: height, network: network, layers: layers, mode: .dilate)
        for layer in layers { XCTAssertEqual(guides[layer], probed[layer], layer) }
    }

    /// Erosion: the units that see nothing outside the region (the zero padding at the image's border is not
    /// outside), exactly; at relu4_1 (receptive field 92 px) little or nothing of it is left.
    func testErosionIsTheUnitsThatSeeOnlyTheRegion() throws {
        let network = try Fixtures.vgg16()
        let outside = region().map { 1 - $0 }
        let probed = try seen(outside, network: network)
        let guides = try Guidance.propagate(region(), width: width, height: height, network: network, layers: layers, mode: .erode)
        for layer in layers { XCTAssertEqual(guides[layer], probed[layer]!.map { 1 - $0 }, layer) }
        XCTAssertGreaterThan(guides["relu2_1"]!.reduce(0, +), 0)
    }

    /// Downsampling: at a layer after k poolings, the mean of the 2^k x 2^k block of pixels (exact in float32
    /// for 0/1 pixels: the sums of a few 0, 0.25, 0.5 are exact binary fractions).
    func testDownsamplingIsTheBlockMean() throws {
        let network = try Fixtures.vgg16()
        let pixels = region()
        let guides = try Guidance.propagate(pixels, width: width, height: height, network: network, layers: layers, mode: .downsample)
        for (layer, k) in zip(layers, [0, 1, 2, 3]) {
            let b = 1 << k
            let (w, h) = (width / b, height / b)
            let expected: [Float] = (0..<(w * h)).map { q in
                let (x, y) = (q % w, q / w)
                var sum: Float = 0
                for yy in 0..<b { for xx in 0..<b { sum += pixels[(y * b + yy) * width + x * b + xx] } }
                return sum / Float(b * b)
            }
            XCTAssertEqual(guides[layer], expected, layer)
        }
    }

    /// A soft border keeps its ramp: eroded, a channel is the minimum over each unit's window, never a value
    /// that was not there.
    func testSoftGuidanceStaysSoft() throws {
        let network = try Fixtures.vgg16()
        let ramp: [Float] = (0..<(width * height)).map { p in min(1, max(0, Float(p % width - 20) / 16)) }
        let guides = try Guidance.propagate(ramp, width: width, height: height, network: network, layers: ["relu1_1"], mode: .erode)
        let values = Set(guides["relu1_1"]!)
        XCTAssertTrue(values.isSubset(of: Set(ramp)))
        XCTAssertGreaterThan(values.filter { $0 > 0 && $0 < 1 }.count, 5)
    }
}
