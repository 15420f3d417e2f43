import XCTest
@testable import Style

/// The memory check that refuses an image from its header, before anything large is allocated.
final class MemoryEstimateTests: XCTestCase {
    /// The estimate is the documented sum: fixed part, samples and float copies at input size, activations at
    /// working size (here 1024 px square, depth 3: 350 MiB + 2^20 (6 + 48) + 2^20 * 700 bytes).
    func testEstimateIsTheDocumentedSum() {
        let pixels = Double(1 << 20)
        XCTAssertEqual(MemoryEstimate.stylize(width: 1024, height: 1024, depth: 3, working: (1024, 1024)),
                       Double(350 << 20) + pixels * 54 + pixels * 700)
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
            XCTAssertEqual("\(error)", "a 16384x16384 image stylized at 512x512 needs about 14.0 GB of memory (estimated), "
                                       + "more than the 8.0 GB available")
        }
        XCTAssertThrowsError(try MemoryEstimate.check(width: 64, height: 32, depth: 1, requestedSize: Int.max,
                                                      available: 8 * Double(1 << 30))) { error in
            XCTAssertTrue("\(error)".hasPrefix("a 64x32 image stylized at 9223372036854775808x4611686018427387904 needs about "), "\(error)")
        }
        XCTAssertNoThrow(try MemoryEstimate.check(width: 640, height: 480, depth: 3, requestedSize: nil, available: Double(1 << 30)))
        XCTAssertNoThrow(try MemoryEstimate.check(width: 1 << 20, height: 1 << 20, depth: 3, requestedSize: nil, available: nil))
    }
}
