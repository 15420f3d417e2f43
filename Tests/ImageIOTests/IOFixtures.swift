import Foundation
import ImageIO
import XCTest

/// Helpers shared by the ImageIO tests: temporary files, byte-level input, samples with
/// a known pattern, and running the netpbm / ImageMagick command-line tools.
enum IOFixtures {
    /// The repository (this file is Tests/ImageIOTests/IOFixtures.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// ImageMagick's convert, as arguments for `run`: `magick` when it is on PATH (IM7), else the first
    /// `convert` on PATH whose -version says ImageMagick (a machine may put another `convert` first).
    static func imageMagick() throws -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["magick", "convert"] {
            for folder in path.split(separator: ":") {
                let candidate = "\(folder)/\(name)"
                guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
                if name == "magick" { return [candidate] }
                if let version = try? runText([candidate, "-version"]), version.contains("ImageMagick") { return [candidate] }
            }
        }
        throw NetpbmError(.open, stream: "test", detail: "ImageMagick not found on PATH (Debian: apt-get install imagemagick)")
    }

    /// The folder that holds every test's files in this process; removed when the process exits.
    static let root: URL = {
        atexit { try? FileManager.default.removeItem(at: IOFixtures.rootURL(pid: getpid())) }
        return rootURL(pid: getpid())
    }()

    private static func rootURL(pid: pid_t) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ImageIOTests-\(pid)", isDirectory: true)
    }

    /// A fresh directory for one test's files (under `root`).
    static func temporaryDirectory() throws -> URL {
        let url = root.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes bytes to a temporary file and returns its path.
    static func file(containing bytes: [UInt8]) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent("input")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Reads every image from `bytes` through a descriptor named "input", stopping at the
    /// end of the stream (nil) or at the first error.
    static func readAll(_ bytes: [UInt8]) throws -> (images: [NetpbmImage], error: NetpbmError?) {
        let path = try file(containing: bytes)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw NetpbmError(.open, stream: "test", detail: "cannot open \(path)") }
        defer { close(fd) }
        let reader = try NetpbmReader(fileDescriptor: fd, name: "input")
        var images: [NetpbmImage] = []
        do {
            while let image = try reader.next() { images.append(image) }
            XCTAssertEqual(reader.imagesRead, images.count)
            return (images, nil)
        } catch let error as NetpbmError {
            XCTAssertEqual(reader.imagesRead, images.count)
            return (images, error)
        }
    }

    static func readAll(_ text: String) throws -> (images: [NetpbmImage], error: NetpbmError?) {
        try readAll(Array(text.utf8))
    }

    /// Writes the images to a file and returns the file's bytes.
    static func bytes(of images: [NetpbmImage]) throws -> [UInt8] {
        let path = try temporaryDirectory().appendingPathComponent("output").path
        let writer = try NetpbmWriter(path: path)
        for image in images { try writer.write(image) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Samples covering 0, maxval and values in between, different in every position.
    static func pattern(count: Int, maxval: Int, seed: Int = 0) -> [UInt16] {
        var state = UInt64(truncatingIfNeeded: seed &* 2654435761 &+ 12345)
        return (0..<count).map { index in
            if index == 0 { return 0 }
            if index == 1 { return UInt16(maxval) }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt16((state >> 33) % UInt64(maxval + 1))
        }
    }

    /// An image of the given shape filled with `pattern`.
    static func image(width: Int, height: Int, depth: Int, maxval: Int, format: NetpbmFormat,
                      tupleType: String, plain: Bool = false, seed: Int = 0) -> NetpbmImage {
        NetpbmImage(width: width, height: height, depth: depth, maxval: maxval, format: format,
                    tupleType: tupleType, plain: plain,
                    samples: pattern(count: width * height * depth, maxval: maxval, seed: seed))
    }

    /// Runs a command-line tool (looked up on PATH), feeding it `input`, and returns its
    /// standard output; fails if it exits non-zero.
    static func run(_ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
        let directory = try temporaryDirectory()
        let inputURL = directory.appendingPathComponent("stdin")
        let outputURL = directory.appendingPathComponent("stdout")
        try Data(input).write(to: inputURL)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NetpbmError(.read, stream: "test", detail: "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return Array(try Data(contentsOf: outputURL))
    }

    /// The text a tool printed, trimmed.
    static func runText(_ arguments: [String], input: [UInt8] = []) throws -> String {
        String(decoding: try run(arguments, input: input), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
