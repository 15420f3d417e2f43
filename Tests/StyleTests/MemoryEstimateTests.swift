import XCTest
@testable import Style

/// The memory check that refuses an image from its header, before anything large is allocated.
final class MemoryEstimateTests: XCTestCase {
    /// The estimate is the documented sum: fixed part, the samples and float copy of the input held meanwhile,
    /// and the larger of the working size's activations and the copies after the optimization (here 1024 px
    /// square, depth 3: 350 MiB + 2^20 (6 + 12) + max(2^20 * 700, the output's bytes)).
    func testEstimateIsTheDocumentedSum() {
        let pixels = Double(1 << 20)
        XCTAssertEqual(MemoryEstimate.stylize(width: 1024, height: 1024, depth: 3, working: (1024, 1024)),
                       Double(350 << 20) + pixels * 18 + pixels * 700)
        // Stylized small and written at the input's size: the written image and the content at 16 px (12 + 12), the
        // written image resized (12) and the output's samples (8) at 1024 px are the larger part.
        XCTAssertEqual(MemoryEstimate.stylize(width: 1024, height: 1024, depth: 3, working: (16, 16)),
                       Double(350 << 20) + pixels * 18 + 256 * 24 + pixels * 20)
        // The output's copies, phase by phase (`outputBytes`), for 2^20 input pixels:
        let p = pixels, w = 65536.0
        // at its own size (--size of the input's), nothing is resized: the written image and the samples;
        XCTAssertEqual(MemoryEstimate.outputBytes(input: p, working: p, output: p, depth: 3), p * (12 + 8))
        // --colors luminance at the input's size: the content is the input's copy, the colors applied are new;
        XCTAssertEqual(MemoryEstimate.outputBytes(input: p, working: w, output: p, depth: 3, colors: .luminance),
                       w * 24 + p * (12 + 12 + 8))
        // --colors content adds the matching's arrays; at --size the content at the output size is a copy too,
        // and the input's samples are resized (float at both sizes, 4 x 3 bytes, and the samples, 2 x 3);
        XCTAssertEqual(MemoryEstimate.outputBytes(input: p, working: w, output: w, depth: 3, colors: .content),
                       w * 24 + w * (12 + 44) + w * 8 + 12 * (p + w) + 6 * w)
        // --colors histogram matches the content before: the larger phase when the output is small.
        XCTAssertEqual(MemoryEstimate.outputBytes(input: p, working: p, output: p, depth: 3, colors: .histogram), p * 44)
        // Without --size the working size is capped at 512 px, keeping the aspect ratio.
        XCTAssertTrue(MemoryEstimate.working(width: 4000, height: 2000, requestedSize: nil) == (512, 256))
        XCTAssertTrue(MemoryEstimate.working(width: 300, height: 200, requestedSize: nil) == (300, 200))
        XCTAssertTrue(MemoryEstimate.working(width: 300, height: 200, requestedSize: 600) == (600, 400))
    }

    /// A header at the reader's limit (16384 x 16384) and a --size near Int.max are refused with the estimate;
    /// a small image passes.
    func testTooLargeIsRefusedWithTheEstimate() throws {
        XCTAssertThrowsError(try MemoryEstimate.check(width: 16384, height: 16384, depth: 3, requestedSize: nil,
                                                      available: 8 * Double(1 << 30))) { error in
            XCTAssertEqual("\(error)", "a 16384x16384 image stylized at 512x512 needs about 9.8 GB of memory (estimated), "
                                       + "more than the 6.0 GB allowed (--memory; default 75% of the 8.0 GB available)")
        }
        XCTAssertThrowsError(try MemoryEstimate.check(width: 64, height: 32, depth: 1, requestedSize: Int.max,
                                                      available: 8 * Double(1 << 30))) { error in
            XCTAssertTrue("\(error)".hasPrefix("a 64x32 image stylized at 9223372036854775808x4611686018427387904 needs about "), "\(error)")
        }
        XCTAssertNoThrow(try MemoryEstimate.check(width: 640, height: 480, depth: 3, requestedSize: nil, available: Double(1 << 30)))
        XCTAssertNoThrow(try MemoryEstimate.check(width: 1 << 20, height: 1 << 20, depth: 3, requestedSize: nil, available: nil))
    }

    /// The plan (issue 17): untiled with 20 pairs when that fits; else the history is shortened before the tiles;
    /// nil when nothing fits. Sizes from the documented model (MemoryPlan): P (1500 + 12 (8 + 2m)) untiled,
    /// crop² 1500 + P (12 (8 + 2m) + 32) tiled (+ P 264 + n crop² 64 with the crops' forward states kept), crop² 1500 + P 12 9 tiled with the history and content targets paged,
    /// crop² 1500 + P 12 + 128 MiB with the step's vectors paged too.
    func testPlanFollowsThePreferences() {
        let p = 4096.0 * 4096
        XCTAssertEqual(MemoryPlan.choose(width: 1024, height: 1024, budget: nil)?.tileSize, nil)
        XCTAssertEqual(MemoryPlan.estimate(width: 4096, height: 4096, tile: nil, history: 20), p * (1500 + 12 * 48))
        XCTAssertEqual(MemoryPlan.estimate(width: 4096, height: 4096, tile: 512, history: 5), 640 * 640 * 1500 + p * (12 * 18 + 32))
        // Where untiled does not fit, tiles of 1024 keep every crop's forward state (264 bytes a pixel for the taps'
        // interiors, 64 a crop pixel for the masks and windows, 4 crops).
        let q = 2048.0 * 2048
        XCTAssertEqual(MemoryPlan.choose(width: 2048, height: 2048, budget: 6 * Double(1 << 30)),
                       MemoryPlan(tileSize: 1024, history: 20, keptForwardPasses: true,
                                  bytes: 1152 * 1152 * 1500 + q * (12 * 48 + 32 + 264) + 4 * 1152 * 1152 * 64))
        XCTAssertEqual(MemoryPlan.choose(width: 2048, height: 2048, budget: 5 * Double(1 << 30))?.keptForwardPasses, false)
        // The allocator's policy follows: only a tiled plan of two passes per crop returns large blocks.
        XCTAssertEqual(MemoryPlan.choose(width: 1024, height: 1024, budget: nil)?.returnsLargeBlocks, false)
        XCTAssertEqual(MemoryPlan.choose(width: 2048, height: 2048, budget: 6 * Double(1 << 30))?.returnsLargeBlocks, false)
        XCTAssertEqual(MemoryPlan.choose(width: 2048, height: 2048, budget: 5 * Double(1 << 30))?.returnsLargeBlocks, true)
        let plan = MemoryPlan.choose(width: 4096, height: 4096, budget: 8 * Double(1 << 30))
        XCTAssertEqual(plan?.tileSize, 1024)
        XCTAssertEqual(plan?.history, 10)
        // Paged: the history costs 2 vectors whatever m (in the two-loop, 7 + 2 > 8), the content targets nothing;
        // chosen before tiles shrink.
        XCTAssertEqual(MemoryPlan.estimate(width: 4096, height: 4096, tile: 512, history: 10, paged: true), 640 * 640 * 1500 + p * 12 * 9)
        let paged = MemoryPlan.choose(width: 4096, height: 4096, budget: 4 * Double(1 << 30))
        XCTAssertEqual(paged, MemoryPlan(tileSize: 1024, history: 10, pagedHistory: true, bytes: 1152 * 1152 * 1500 + p * 12 * 9,
                                         fileBytes: p * 12 * 22))
        XCTAssertEqual(MemoryPlan.choose(width: 4096, height: 4096, budget: 4 * Double(1 << 30), diskBytes: 8e9)?.pagedHistory, false,
                       "no paging without twice the file's room on disk")
        // Then the step's vectors are paged as well: only the content is held whole, plus the loops' blocks.
        XCTAssertEqual(MemoryPlan.estimate(width: 4096, height: 4096, tile: 512, history: 10, paged: true, vectors: true),
                       640 * 640 * 1500 + p * 12 + 128 * 1_048_576)
        XCTAssertEqual(MemoryPlan.choose(width: 4096, height: 4096, budget: Double(1 << 30)),
                       MemoryPlan(tileSize: 512, history: 10, pagedHistory: true, pagedVectors: true,
                                  bytes: 640 * 640 * 1500 + p * 12 + 128 * 1_048_576, fileBytes: p * 12 * (22 + 7.25)))
        // 8192 px within 4 GB (issue 17): tiles of 512 with everything paged.
        let print = MemoryPlan.choose(width: 8192, height: 8192, budget: 4 * Double(1 << 30) - Double(350 << 20) - 4 * p * 18)
        XCTAssertEqual(print?.tileSize, 512)
        XCTAssertEqual(print?.pagedVectors, true)
        XCTAssertNil(MemoryPlan.choose(width: 4096, height: 4096, budget: 400 * 1_048_576))
        // An image no larger than a tile is never tiled.
        XCTAssertEqual(MemoryPlan.choose(width: 200, height: 100, budget: 1)?.tileSize, nil)
        XCTAssertEqual(MemorySize.parse("3G"), 3 * Double(1 << 30))
        XCTAssertEqual(MemorySize.parse("500m"), 500 * Double(1 << 20))
        XCTAssertEqual(MemorySize.parse("2048"), 2048)
        XCTAssertNil(MemorySize.parse("lots"))
        XCTAssertNil(MemorySize.parse("-1G"))
    }

    /// Big outputs start at 512 px and double (issue 17 point 3); up to 1024 px the default stays.
    func testPrintSchedule() {
        XCTAssertEqual(StylizeOptions.defaultSchedule(longest: 1024), StylizeOptions.defaultSchedule)
        XCTAssertEqual(StylizeOptions.describe(StylizeOptions.defaultSchedule(longest: 4096)), "0.125:60,0.25:30,0.5:15,1:10")
        XCTAssertEqual(StylizeOptions.describe(StylizeOptions.defaultSchedule(longest: 3000)).split(separator: ",").count, 4)
        var options = StylizeOptions()
        options.setFinalEvaluations(7)
        XCTAssertEqual(options.schedule(longest: 4096).last?.evaluations, 7)
        XCTAssertEqual(options.schedule(longest: 512).last?.evaluations, 7)
        options.schedule = [Stage(scale: 1, evaluations: 3)]
        XCTAssertEqual(options.schedule(longest: 4096), [Stage(scale: 1, evaluations: 3)])
    }
}
