import Foundation
import ImageIO

/// Small images for the command tests, written through ImageIO to temporary files.
enum TestImages {
    /// This process's folder of test files; removed when the process exits.
    static let directory: URL = {
        let url = folder(pid: getpid())
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestImages.folder(pid: getpid())) }
        return url
    }()

    private static func folder(pid: pid_t) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("stylize-command-tests-\(pid)")
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A smooth colorful pattern, so style transfer has something to change.
    static func pattern(width: Int, height: Int, seed: Int = 0) -> RGBImage {
        var pixels: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels.append(Float((x * 255 / max(1, width - 1) + seed * 40) % 256))
                pixels.append(Float(y * 255 / max(1, height - 1)))
                pixels.append(Float(((x + y) * 4 + seed * 70) % 256))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The 32x24 content (as bytes) and the 32x32 style file (named `name`) most error tests use.
    static func contentAndStyle(_ name: String) throws -> (content: Data, style: String) {
        (try bytes([NetpbmImage(rgb: pattern(width: 32, height: 24))]),
         try write([NetpbmImage(rgb: pattern(width: 32, height: 32, seed: 3))], to: name))
    }

    static func write(_ images: [NetpbmImage], to name: String) throws -> String {
        let file = path(name)
        let writer = try NetpbmWriter(path: file)
        for image in images { try writer.write(image) }
        return file
    }

    static func bytes(_ images: [NetpbmImage]) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: try write(images, to: "bytes-\(UUID().uuidString).pnm")))
    }

    /// Reads every image of a byte stream back through ImageIO.
    static func read(_ data: Data) throws -> [NetpbmImage] {
        let file = path("read-\(UUID().uuidString).pnm")
        try data.write(to: URL(fileURLWithPath: file))
        let reader = try NetpbmReader(path: file)
        var images: [NetpbmImage] = []
        while let image = try reader.next() { images.append(image) }
        return images
    }
}
