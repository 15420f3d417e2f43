import Foundation
import XCTest
@testable import Engine

final class AllocatorSettingsTests: XCTestCase {
    /// glibc accepts both settings (mallopt returns 1), and memory freed and allocated again still works.
    func testFreedMemoryIsKeptForReuse() throws {
        // AddressSanitizer and ThreadSanitizer replace malloc with their own; glibc's mallopt does not apply.
        for runtime in ["__asan_init", "__tsan_init"] where dlsym(nil, runtime) != nil {
            throw XCTSkip("\(runtime): a sanitizer's allocator replaces glibc malloc")
        }
        XCTAssertTrue(AllocatorSettings.reuseFreedMemory())
        for round in 0..<3 {
            var big = [Float](repeating: Float(round), count: 64 << 20 / 4)
            big[big.count - 1] += 1
            XCTAssertEqual(big[0], Float(round))
            XCTAssertEqual(big[big.count - 1], Float(round) + 1)
        }
    }
}
