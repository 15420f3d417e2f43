import XCTest
import Foundation
@testable import Style

/// `PagedVector`: a vector in memory or in an unlinked file, whose pages `release` gives back without losing
/// its values.
final class PagedVectorTests: XCTestCase {
    /// The process's resident pages of shared file mappings (RssFile), in bytes.
    static func residentFileBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try XCTUnwrap(Int(line.split(separator: " ")[1])) * 1024
    }

    /// New vectors are zeros in both storages; a paged one keeps every value through releases of part and all of
    /// it, and a release gives its pages back: 64 MB written are resident, and after `release` of the whole they
    /// are not (less than 1 MB of them remains: a margin for pages other code maps meanwhile).
    func testReleaseKeepsTheValuesAndGivesThePagesBack() throws {
        let n = 16 << 20 + 5
        for storage in [HistoryStorage.memory, .file(directory: NSTemporaryDirectory())] {
            let v = try PagedVector<Float>(count: n, storage: storage)
            XCTAssertEqual(v.isPaged, storage != .memory)
            XCTAssertTrue(v.buffer.allSatisfy { $0 == 0 }, "\(storage): zeros")
            v.release(0..<n)  // reading mapped them too
            let before = try Self.residentFileBytes()
            for i in 0..<n { v.buffer[i] = Float(i % 1000) }
            let written = try Self.residentFileBytes()
            v.release(1000..<(n / 2))
            XCTAssertTrue((0..<n).allSatisfy { v.buffer[$0] == Float($0 % 1000) }, "\(storage): the values after a partial release")
            v.release(0..<n)
            let released = try Self.residentFileBytes()
            XCTAssertTrue((0..<n).allSatisfy { v.buffer[$0] == Float($0 % 1000) }, "\(storage): the values after a whole release")
            if v.isPaged {
                XCTAssertGreaterThan(written - before, 60 << 20, "the written pages are resident")
                XCTAssertLessThan(released - before, 1 << 20, "released")
            }
        }
    }

    /// A paged vector lent to a checkpoint (`StoredVector(lending:)`) comes in consecutive pieces of
    /// `StoredVector.piece` values, each piece's pages given back after it: reading 64 MB this way never has more
    /// than 12 MB of it resident (one 4 MB piece, and a margin for pages other code maps meanwhile), where one
    /// whole lent buffer would have all 64 MB resident by its end.
    func testALentVectorIsReadAPieceAtATime() throws {
        let n = 16 << 20 + 5
        let v = try PagedVector<Float>(count: n, storage: .file(directory: NSTemporaryDirectory()))
        for i in 0..<n { v.buffer[i] = Float(i % 1000) }
        v.release(0..<n)
        let before = try Self.residentFileBytes()
        var offsets: [Int] = [], mostResident = 0, same = true
        try StoredVector(lending: v).withPieces { offset, piece in
            offsets.append(offset)
            same = same && piece.indices.allSatisfy { piece[$0] == Float((offset + $0) % 1000) }
            mostResident = max(mostResident, try Self.residentFileBytes() - before)
        }
        XCTAssertEqual(offsets, Array(stride(from: 0, to: n, by: StoredVector.piece)))
        XCTAssertTrue(same, "the values, in order")
        XCTAssertLessThan(mostResident, 12 << 20)
        XCTAssertGreaterThan(mostResident, 3 << 20, "a piece is resident while it is read")
    }

    func testAFolderThatCannotHoldTheFileIsAnError() {
        XCTAssertThrowsError(try PagedVector<Double>(count: 10, storage: .file(directory: "/nonexistent-folder"))) { error in
            XCTAssertEqual("\(error)", "L-BFGS history file: cannot make a file in /nonexistent-folder: No such file or directory")
        }
    }
}
