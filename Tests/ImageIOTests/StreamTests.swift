import Foundation
import ImageIO
import XCTest

/// Streams of several images, pipes (no seeking), and write errors.
final class StreamTests: XCTestCase {
    private let mixed = [
        IOFixtures.image(width: 3, height: 2, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB", seed: 1),
        IOFixtures.image(width: 4, height: 1, depth: 1, maxval: 1000, format: .pgm, tupleType: "GRAYSCALE",
                          plain: true, seed: 2),
        IOFixtures.image(width: 2, height: 3, depth: 4, maxval: 65535, format: .pam, tupleType: "RGB_ALPHA", seed: 3),
    ]

    func testMixedStreamReadOneByOneThenNil() throws {
        let path = try IOFixtures.temporaryDirectory().appendingPathComponent("stream").path
        let writer = try NetpbmWriter(path: path)
        for image in mixed { try writer.write(image) }

        let reader = try NetpbmReader(path: path)
        XCTAssertEqual(reader.imagesRead, 0)
        XCTAssertEqual(try reader.next(), mixed[0])
        XCTAssertEqual(reader.imagesRead, 1)
        XCTAssertEqual(try reader.next(), mixed[1])
        XCTAssertEqual(try reader.next(), mixed[2])
        XCTAssertEqual(reader.imagesRead, 3)
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next(), "end of stream stays the end")
        XCTAssertEqual(reader.imagesRead, 3)
    }

    func testStreamMadeByNetpbmToolsWithTrailingWhitespace() throws {
        // Three images from the tools, concatenated, then whitespace: still a clean end.
        let stream = try IOFixtures.run(["ppmmake", "rgb:ff/80/00", "3", "2"])
            + IOFixtures.run(["pgmmake", "-maxval", "1000", "0.5", "2", "2"])
            + IOFixtures.run(["pbmmake", "-black", "2", "1"])
            + Array("\n \n".utf8)
        let (images, error) = try IOFixtures.readAll(stream)
        XCTAssertNil(error)
        XCTAssertEqual(images.map(\.format), [.ppm, .pgm, .pbm])
        XCTAssertEqual(images.map(\.maxval), [255, 1000, 1])
        XCTAssertEqual(images[0].samples, [UInt16](repeating: 0, count: 18).enumerated().map {
            [255, 128, 0][$0.offset % 3]
        })
        XCTAssertEqual(images[1].samples, [500, 500, 500, 500])
        XCTAssertEqual(images[2].samples, [0, 0])
    }

    /// The writer runs on another thread and writes images larger than a pipe's buffer,
    /// so reader and writer block on each other repeatedly.
    func testReadFromRealPipeWithWriterThread() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        XCTAssertEqual(lseek(readEnd, 0, SEEK_CUR), -1, "a pipe cannot seek")
        XCTAssertEqual(errno, ESPIPE)

        let images = (0..<3).map {
            IOFixtures.image(width: 300, height: 200, depth: 3, maxval: 65535, format: .ppm,
                              tupleType: "RGB", seed: $0)
        }
        XCTAssertGreaterThan(images[0].samples.count * 2, 65536 * 4)
        let writerError = LockedBox<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                let writer = try NetpbmWriter(fileDescriptor: writeEnd, name: "pipe")
                for image in images { try writer.write(image) }
            } catch {
                writerError.value = "\(error)"
            }
            close(writeEnd)
            done.signal()
        }
        thread.start()

        let reader = try NetpbmReader(fileDescriptor: readEnd, name: "pipe")
        var received: [NetpbmImage] = []
        while let image = try reader.next() { received.append(image) }
        done.wait()
        XCTAssertNil(writerError.value)
        XCTAssertEqual(received.count, 3)
        XCTAssertEqual(received, images)
    }

    /// Several pipelines at once, each ending in garbage: every reader gets its own images
    /// and its own error, although libnetpbm's error state is process-wide.
    func testConcurrentPipelinesKeepTheirImagesAndErrors() throws {
        let pipelines = 4
        let results = LockedBox<[Int: String]>([:])
        let group = DispatchGroup()
        for index in 0..<pipelines {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            let (readEnd, writeEnd) = (fds[0], fds[1])
            let images = (0..<3).map {
                IOFixtures.image(width: 150 + index, height: 100, depth: 1 + (index + $0) % 4, maxval: 65535,
                                  format: .pam, tupleType: "T\(index)", seed: index * 10 + $0)
            }
            group.enter()
            Thread {
                do {
                    let writer = try NetpbmWriter(fileDescriptor: writeEnd, name: "out\(index)")
                    for image in images { try writer.write(image) }
                    _ = "P9 garbage".withCString { write(writeEnd, $0, 10) }
                } catch {
                    results.update { $0[100 + index] = "writer: \(error)" }
                }
                close(writeEnd)
                group.leave()
            }.start()
            group.enter()
            Thread {
                var outcome = ""
                do {
                    let reader = try NetpbmReader(fileDescriptor: readEnd, name: "in\(index)")
                    var received: [NetpbmImage] = []
                    do {
                        while let image = try reader.next() { received.append(image) }
                        outcome = "no error"
                    } catch {
                        outcome = "\(error)"
                    }
                    if received != images { outcome += " (wrong images)" }
                } catch {
                    outcome = "open: \(error)"
                }
                close(readEnd)
                results.update { $0[index] = outcome }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(results.value, Dictionary(uniqueKeysWithValues: (0..<pipelines).map {
            ($0, "in\($0): image 4: bad magic number 0x5039 - not a PAM, PPM, PGM, or PBM file")
        }))
    }

    func testEmptyPipeIsCleanEnd() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[1])
        defer { close(fds[0]) }
        let reader = try NetpbmReader(fileDescriptor: fds[0])
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.imagesRead, 0)
    }

    func testWritingToClosedPipeIsAnErrorNotSIGPIPE() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        defer { close(fds[1]) }
        let writer = try NetpbmWriter(fileDescriptor: fds[1])
        let image = IOFixtures.image(width: 2, height: 2, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB")
        XCTAssertThrowsError(try writer.write(image)) { error in
            XCTAssertEqual(error as? NetpbmError, NetpbmError(.brokenPipe, stream: "stdout", detail: "write error: Broken pipe"))
        }
        // The failure is sticky, and no SIGPIPE was left pending for someone else.
        XCTAssertThrowsError(try writer.write(image)) { error in
            XCTAssertEqual("\(error)", "stdout: write error: Broken pipe")
        }
        var pending = sigset_t()
        sigpending(&pending)
        XCTAssertEqual(sigismember(&pending, SIGPIPE), 0)
    }

    func testDescriptorStaysOpenAndOwnedByCaller() throws {
        let path = try IOFixtures.file(containing: try IOFixtures.bytes(of: [mixed[0]]))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        do {
            let reader = try NetpbmReader(fileDescriptor: fd)
            XCTAssertEqual(try reader.next(), mixed[0])
        }
        XCTAssertNotEqual(fcntl(fd, F_GETFD), -1, "reader must not close the caller's descriptor")
    }

    func testWriterRefusesImagesThatDoNotFitTheirFormat() throws {
        let path = try IOFixtures.temporaryDirectory().appendingPathComponent("out").path
        let writer = try NetpbmWriter(path: path)
        var image = IOFixtures.image(width: 2, height: 2, depth: 4, maxval: 255, format: .ppm, tupleType: "RGB")
        XCTAssertThrowsError(try writer.write(image)) {
            XCTAssertEqual("\($0)", "\(path): cannot write depth 4 as PPM (needs depth 3)")
        }
        image = IOFixtures.image(width: 2, height: 2, depth: 3, maxval: 255, format: .ppm, tupleType: "RGB")
        image.samples[5] = 256
        XCTAssertThrowsError(try writer.write(image)) {
            XCTAssertEqual("\($0)", "\(path): sample 256 exceeds maxval 255")
        }
        image.samples.removeLast()
        XCTAssertThrowsError(try writer.write(image)) {
            XCTAssertEqual("\($0)", "\(path): cannot write a 2x2x3 image from 11 samples (need 12)")
        }
        image = IOFixtures.image(width: 2, height: 2, depth: 1, maxval: 65535, format: .pgm,
                                  tupleType: "GRAYSCALE")
        image.maxval = 70000
        XCTAssertThrowsError(try writer.write(image)) {
            XCTAssertEqual("\($0)", "\(path): cannot write maxval 70000 as PGM (need 1 to 65535)")
        }
        // Nothing was written by the refused images. (The size from stat: Data(contentsOf:) of an empty file
        // loses a 4 KB buffer in swift-foundation's zero-size path, which LeakSanitizer reports.)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, 0)
    }

    func testOpenErrorsNameThePath() {
        XCTAssertThrowsError(try NetpbmReader(path: "/nonexistent/in.ppm")) {
            XCTAssertEqual("\($0)", "cannot open '/nonexistent/in.ppm': No such file or directory")
        }
        XCTAssertThrowsError(try NetpbmReader(path: "/tmp")) {
            XCTAssertEqual("\($0)", "cannot open '/tmp': Is a directory")
        }
        XCTAssertThrowsError(try NetpbmWriter(path: "/nonexistent/out.ppm")) {
            XCTAssertEqual("\($0)", "cannot create '/nonexistent/out.ppm': No such file or directory")
        }
        XCTAssertThrowsError(try NetpbmReader(fileDescriptor: 12345)) {
            XCTAssertEqual("\($0)", "stdin: Bad file descriptor")
        }
    }
}

/// A value shared with a writer thread.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Changes the value under the lock in one step (`value[k] = v` is a get and a set: two threads lose one).
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
