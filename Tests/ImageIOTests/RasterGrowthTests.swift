import Foundation
import ImageIO
import XCTest

/// The raster's memory grows with the data that arrives (issue 19): a header alone, even one at the
/// 16384x16384 limit, must not make the reader allocate the raster it promises.
final class RasterGrowthTests: XCTestCase {
    /// The growth policy: 2 MB first whatever the header says, then doubling, never over the header's count.
    func testCapacityGrowsByDoublingUpToTheHeadersCount() {
        let total = 16384 * 16384
        let first = NetpbmReader.grownCapacity(present: 0, needed: 16384 * 64, total: total)
        XCTAssertEqual(first, 1 << 20)
        XCTAssertEqual(NetpbmReader.grownCapacity(present: first, needed: first + 16384 * 64, total: total), 2 << 20)
        XCTAssertEqual(NetpbmReader.grownCapacity(present: 1 << 27, needed: (1 << 27) + 1, total: total), total)
        XCTAssertEqual(NetpbmReader.grownCapacity(present: 0, needed: 12, total: 12), 12, "small images: exactly their size")
        // A row larger than a piece is read whole: the capacity is at least what is needed.
        XCTAssertEqual(NetpbmReader.grownCapacity(present: 0, needed: 3 << 20, total: 3 << 21), 3 << 20)
    }

    /// 2048x1024 gray (2 Mi samples) is read in pieces of 512 rows; every sample arrives in its place.
    func testImageOfSeveralPiecesReadsExactly() throws {
        let (width, height) = (2048, 1024)
        XCTAssertGreaterThan(width * height, NetpbmReader.initialSamples, "more than one piece")
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) }
        let (images, error) = try IOFixtures.readAll(Array("P5\n\(width) \(height)\n255\n".utf8) + pixels)
        XCTAssertNil(error)
        XCTAssertEqual(images.count, 1)
        XCTAssertEqual(images.first?.samples, pixels.map(UInt16.init))
        // Capped at the header's count: Swift's array takes what malloc really gave (malloc_usable_size), and
        // glibc serves a block this large by mmap, rounded up to a 4096-byte page (ASan's allocator gives it
        // exactly), so the capacity may exceed the count by at most one page of samples, never by a doubling.
        let capacity = try XCTUnwrap(images.first?.samples.capacity)
        XCTAssertGreaterThanOrEqual(capacity, width * height)
        XCTAssertLessThanOrEqual((capacity - width * height) * MemoryLayout<UInt16>.stride, 4096, "capacity capped at the header's count")
    }

    /// Truncated in the second piece: the message counts the rows of every piece.
    func testTruncationCountsRowsAcrossPieces() throws {
        let (width, height) = (2048, 1024)
        let bytes = Array("P5\n\(width) \(height)\n255\n".utf8) + [UInt8](repeating: 9, count: width * 700 + 5)
        let (images, error) = try IOFixtures.readAll(bytes)
        XCTAssertEqual(images, [])
        XCTAssertEqual(error?.message, "input: truncated pixel data (read 700 of 1024 rows)")
    }

    /// The environment variable that makes a re-run of this test the child that reads the header.
    private static let childVariable = "STYLIZE_RASTER_GROWTH_CHILD"

    /// A 16384x16384 gray header (at the reader's limit) with 2 bytes of data: the read fails with the
    /// truncation message, and the process that read it grew little. Measured in a child (this test bundle
    /// run again on this test alone, so the measurement is not mixed with other tests' memory) from
    /// /proc/self/status, before and after the read:
    /// - VmPeak (peak address space) over the VmSize before: under 128 MB. Reserving the raster adds 512 MB
    ///   (2^28 samples of 2 bytes) even untouched, as the first reader did; the reader now holds 2 MB
    ///   (`initialSamples`) and libnetpbm one row (16384 pixels: 8-byte samples and a pointer, 256 KB),
    ///   and the allocator may map a fresh region for them (a glibc arena reserves 64 MB): 128 MB is above all
    ///   of that and a quarter of the raster.
    /// - VmHWM (peak resident memory, reset just before through /proc/self/clear_refs) over the VmRSS
    ///   before: under 32 MB. The 2 MB piece is touched (zeroed,
    ///   then read into); 32 MB leaves room for the allocator's and the sanitizers' bookkeeping and is still
    ///   16 times less than a raster that is touched (zero-filled) on the header's word.
    func testHeaderAtTheLimitAllocatesLittle() throws {
        let (addressGrowth, residentGrowth, message) = try Self.measureRead(
            Array("P5\n16384 16384\n255\n".utf8) + [1, 2], test: "testHeaderAtTheLimitAllocatesLittle")
        XCTAssertEqual(message, "input: truncated pixel data (read 0 of 16384 rows)")
        XCTAssertLessThan(addressGrowth, 128 << 10, "VmPeak grew by \(addressGrowth) kB")
        XCTAssertLessThan(residentGrowth, 32 << 10, "VmHWM grew by \(residentGrowth) kB")
    }

    /// The widest header libnetpbm itself accepts, 134217727x1 (under the pixel limit), is refused from the
    /// header (NetpbmReader.maxWidth), before libnetpbm allocates its row: 2 GB of tuples (measured without the
    /// limit, in a C program of pnm_readpaminit + pnm_allocpamrow + pnm_readpamrow: peak RSS 1.0 GB).
    /// Bounds as in testHeaderAtTheLimitAllocatesLittle, here with no piece at all: VmPeak under 128 MB (the row
    /// would add 2 GB of address space even untouched), VmHWM under 32 MB.
    func testWideHeaderAllocatesLittle() throws {
        let (addressGrowth, residentGrowth, message) = try Self.measureRead(
            Array("P5\n134217727 1\n255\n".utf8) + [1, 2], test: "testWideHeaderAllocatesLittle")
        XCTAssertEqual(message, "input: image too wide: 134217727x1 pixels (limit 65536 pixels a row; reading a row would need about 2.4 GB)")
        XCTAssertLessThan(addressGrowth, 128 << 10, "VmPeak grew by \(addressGrowth) kB")
        XCTAssertLessThan(residentGrowth, 32 << 10, "VmHWM grew by \(residentGrowth) kB")
    }

    /// Reads `stream` in a child (this test bundle run again on `test` alone) and returns the growth of VmPeak
    /// over VmSize and of VmHWM over VmRSS, in kB, across the read, and the read's error message. In the child
    /// (where the variable is set) this writes the report and returns zeros, which the caller's asserts ignore:
    /// the parent's asserts are the ones that count.
    private static func measureRead(_ stream: [UInt8], test: String) throws -> (address: Int, resident: Int, message: String) {
        if let report = ProcessInfo.processInfo.environment[Self.childVariable] {
            // A small image first, so that what a first read sets up (files, Foundation, libnetpbm) is not counted.
            XCTAssertNil(try IOFixtures.readAll("P5 1 1 255 x").error)
            // VmHWM back to the present RSS (Linux 4.0+), so the start-up's peak is not counted.
            let clear = open("/proc/self/clear_refs", O_WRONLY)
            XCTAssertGreaterThanOrEqual(clear, 0, "cannot open /proc/self/clear_refs")
            XCTAssertEqual(write(clear, "5", 1), 1, "cannot reset VmHWM")
            close(clear)
            let before = try Self.memoryStatus()
            let (_, error) = try IOFixtures.readAll(stream)
            let after = try Self.memoryStatus()
            let line = "\(after["VmPeak"]! - before["VmSize"]!) \(after["VmHWM"]! - before["VmRSS"]!) \(error?.message ?? "no error")"
            try Data(line.utf8).write(to: URL(fileURLWithPath: report))
            return (0, 0, String(line.split(separator: " ", maxSplits: 2)[2]))
        }
        let report = try IOFixtures.temporaryDirectory().appendingPathComponent("report").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["ImageIOTests.RasterGrowthTests/\(test)"]
        // The child only measures. Under AddressSanitizer: its leak check at exit (which would report
        // swift-corelibs-xctest's objects and fail it) is left to the parent run, and the quarantine (freed
        // blocks held back to catch use after free) is off, as it is the sanitizer's memory, not the reader's:
        // with it VmHWM grew by 86 MB, without it by 2.7 MB (the 2 MB piece and a row).
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = report
        environment["ASAN_OPTIONS"] = (environment["ASAN_OPTIONS"].map { $0 + ":" } ?? "") + "detect_leaks=0:quarantine_size_mb=0"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the child run of \(test) failed")
        let fields = try String(contentsOfFile: report, encoding: .utf8).split(separator: " ", maxSplits: 2)
        XCTAssertEqual(fields.count, 3)
        return (Int(fields[0]) ?? .max, Int(fields[1]) ?? .max, fields.count == 3 ? String(fields[2]) : "")
    }

    /// The "kB" fields of /proc/self/status (VmPeak, VmSize, VmHWM, VmRSS, ...), in kB.
    private static func memoryStatus() throws -> [String: Int] {
        var fields: [String: Int] = [:]
        for line in try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            if parts.count == 3, parts[2] == "kB", let value = Int(parts[1]) { fields[String(parts[0])] = value }
        }
        return fields
    }
}
