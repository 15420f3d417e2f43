import Foundation
import XCTest
@testable import Engine

final class AllocatorSettingsTests: XCTestCase {
    /// AddressSanitizer and ThreadSanitizer replace malloc with their own; glibc's mallopt does not apply.
    override func setUpWithError() throws {
        for runtime in ["__asan_init", "__tsan_init"] where dlsym(nil, runtime) != nil {
            throw XCTSkip("\(runtime): a sanitizer's allocator replaces glibc malloc")
        }
    }

    /// The process's resident bytes (/proc/self/statm's second field, in pages).
    static func resident() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return Int(fields[1])! * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// glibc accepts both settings (mallopt returns 1), and memory freed and allocated again still works.
    func testFreedMemoryIsKeptForReuse() throws {
        XCTAssertTrue(AllocatorSettings.reuseFreedMemory())
        for round in 0..<3 {
            var big = [Float](repeating: Float(round), count: 64 << 20 / 4)
            big[big.count - 1] += 1
            XCTAssertEqual(big[0], Float(round))
            XCTAssertEqual(big[big.count - 1], Float(round) + 1)
        }
    }

    /// Memory freed under `reuseFreedMemory` stays resident (that is the reuse) until `releaseFreedMemory`
    /// gives it back. 256 MB are written (`fill`) and freed. Part of them may reuse memory the heap already kept
    /// resident (the 64 MB of the test above), so at least half must be new and kept; after the release, at
    /// most 56 MB more than before may stay (the test's own bookkeeping is a few pages).
    func testReleaseGivesFreedMemoryBack() throws {
        XCTAssertTrue(AllocatorSettings.reuseFreedMemory())
        let size = 256 << 20
        let before = try Self.resident()
        let block = try XCTUnwrap(malloc(size))
        Self.fill(block, size)
        free(block)
        let kept = try Self.resident()
        XCTAssertGreaterThan(kept - before, size / 2, "the freed block was not kept")
        AllocatorSettings.releaseFreedMemory()
        XCTAssertLessThan(try Self.resident() - before, 56 << 20, "the freed block is still resident")
    }

    /// After `returnLargeBlocks`, a block of 256 MB is mapped on its own and unmapped when freed: resident
    /// while it lives, gone at once after (the same 56 MB allowance as above), with no release called.
    func testLargeBlocksAreReturnedWhenFreed() throws {
        XCTAssertTrue(AllocatorSettings.returnLargeBlocks())
        defer { AllocatorSettings.reuseFreedMemory() }
        AllocatorSettings.releaseFreedMemory()
        let size = 256 << 20
        let before = try Self.resident()
        let block = try XCTUnwrap(malloc(size))
        Self.fill(block, size)
        XCTAssertGreaterThan(try Self.resident() - before, size - (56 << 20), "the block is resident while it lives")
        free(block)
        XCTAssertLessThan(try Self.resident() - before, 56 << 20, "the freed block was returned")
    }

    /// Writes every byte of a malloc'd block and hands it to the kernel (a write to /dev/null), so that the
    /// optimizer cannot drop the malloc, memset and free as unused (LLVM does).
    static func fill(_ block: UnsafeMutableRawPointer, _ size: Int) {
        memset(block, 1, size)
        let null = open("/dev/null", O_WRONLY)
        _ = write(null, block, size)
        close(null)
    }
}
