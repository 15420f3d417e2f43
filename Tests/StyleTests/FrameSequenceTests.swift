import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The stream method without a binary: which frames are warm-started, which restart, at what size.
final class FrameSequenceTests: XCTestCase {
    /// Shallow layers and short runs: the decisions, not the look, are under test.
    func sequence(_ configure: (inout StreamOptions) -> Void = { _ in }) throws -> FrameSequence {
        var options = StylizeOptions.defaults
        options.contentLayer = "relu2_2"
        options.styleLayers = WeightedLayer.equal(["relu1_1", "relu2_1"])
        options.schedule = [Stage(scale: 1, evaluations: 3)]
        var stream = StreamOptions.defaults
        stream.frameEvaluations = 2
        configure(&stream)
        return FrameSequence(stylizer: try Stylizer(network: try Fixtures.vgg16(), options: options), options: stream)
    }

    /// A frame of `texture` (StreamFixtures.swift).
    func frame(width: Int, height: Int, seed: UInt64) -> RGBImage {
        RGBImage(width: width, height: height, pixels: texture(width: width, height: height, seed: seed))
    }

    func crop(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height, pixels: crop(image.pixels, bigWidth: image.width, x: x, y: y, width: width, height: height))
    }

    func style(_ frames: FrameSequence) throws -> (Int) throws -> StyleTarget {
        let image = frame(width: 40, height: 40, seed: 9)
        return { try frames.stylizer.styleTarget(image: image, longest: $0, name: "style") }
    }

    func testAStillFrameIsWarmStartedAndHeldEverywhere() throws {
        var frames = try sequence()
        let content = frame(width: 32, height: 24, seed: 1)
        let first = try frames.next(content, style: try style(frames))
        XCTAssertEqual(first.start, .fresh)
        XCTAssertEqual(first.result.evaluations, 3, "the schedule's evaluations")
        let second = try frames.next(content, style: try style(frames))
        XCTAssertEqual(second.start, .warm(held: 1))
        XCTAssertEqual(second.result.evaluations, 2, "frameEvaluations")
    }

    func testAPanIsFollowed() throws {
        var frames = try sequence()
        let scene = frame(width: 64, height: 40, seed: 2)
        _ = try frames.next(crop(scene, x: 8, y: 8, width: 32, height: 24), style: try style(frames))
        let next = try frames.next(crop(scene, x: 11, y: 8, width: 32, height: 24), style: try style(frames))
        guard case .warm(let held) = next.start else { return XCTFail("\(next.start)") }
        // 3 of 32 columns are new (weight 0) and the blur's ramp takes about 1.5 more: about 85% held.
        XCTAssertGreaterThan(held, 0.75)
    }

    func testAnUnrelatedFrameIsASceneCut() throws {
        var frames = try sequence()
        _ = try frames.next(frame(width: 32, height: 24, seed: 3), style: try style(frames))
        let cut = try frames.next(RGBImage(width: 32, height: 24, pixels: [Float](repeating: 255, count: 32 * 24 * 3)),
                                  style: try style(frames))
        guard case .sceneCut(let change) = cut.start else { return XCTFail("\(cut.start)") }
        XCTAssertGreaterThan(change, StreamOptions.defaults.sceneCut)
        XCTAssertEqual(cut.result.evaluations, 3, "a cut restarts with the schedule")
    }

    func testIndependentFramesAndSizeChangesStartFresh() throws {
        let content = frame(width: 32, height: 24, seed: 4)
        var independent = try sequence { $0.independentFrames = true }
        _ = try independent.next(content, style: try style(independent))
        XCTAssertEqual(try independent.next(content, style: try style(independent)).start, .fresh)
        var frames = try sequence()
        _ = try frames.next(content, style: try style(frames))
        XCTAssertEqual(try frames.next(frame(width: 24, height: 32, seed: 4), style: try style(frames)).start, .newSize)
    }

    /// --size sets the working and the output size; without it the output has the input's size.
    func testOutputSize() throws {
        var sized = try sequence { $0.size = 24 }
        let small = try sized.next(frame(width: 48, height: 32, seed: 5), style: try style(sized))
        XCTAssertEqual([small.workingWidth, small.workingHeight, small.image.width, small.image.height], [24, 16, 24, 16])
        var native = try sequence()
        let same = try native.next(frame(width: 48, height: 32, seed: 5), style: try style(native))
        XCTAssertEqual([same.image.width, same.image.height], [48, 32])
        XCTAssertTrue(same.image.pixels.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }, "8-bit values")
    }
}
