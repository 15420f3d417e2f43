import ArgumentParser
import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// `stylize-bench objective CONTENT STYLE SIZE`: serves stylize's own J (default weights and layers, at the working
/// size for SIZE) and its gradient over stdin/stdout, so that another optimizer can be run on exactly the same
/// problem (scripts/bench-optimizer drives SciPy's L-BFGS-B with it, scripts/lib/lbfgsb_driver.py).
///
/// Protocol, little-endian: first it writes n (Int32) and the n content pixels (Float32, RGB interleaved,
/// 0...255). Then, for every n Float32 pixels read, it writes J (Float64) and the n Float32 entries of dJ/dpixel.
/// It ends with exit 0 when stdin ends between two vectors, with an error (exit 1) when it ends inside one.
struct ObjectiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objective",
        abstract: "Serve stylize's J and its gradient over stdin/stdout, for another optimizer (scripts/bench-optimizer).",
        discussion: """
        Protocol, little-endian: first n (Int32) and the n content pixels (Float32, RGB interleaved, 0...255) are \
        written; then, for every n Float32 pixels read, J (Float64) and the n Float32 entries of dJ/dpixel. \
        Ends with status 0 when standard input ends between two vectors.

        Example:
          python3 scripts/lib/lbfgsb_driver.py stylize-bench photo.ppm starry.ppm 256 100 5
        """)

    @OptionGroup var networkOptions: NetworkOptions

    @Argument(help: ArgumentHelp("The content image (PPM/PGM/PAM).", valueName: "content"))
    var contentPath: String

    @Argument(help: ArgumentHelp("The style image, scaled as stylize scales it.", valueName: "style"))
    var stylePath: String

    @Argument(help: ArgumentHelp("The longest side of the working size, px (as stylize --size).", valueName: "size"))
    var longest: Int

    mutating func validate() throws {
        if longest < 1 { throw ValidationError("size must be positive") }
    }

    func run() throws {
        let diagnostics = Diagnostics(program: "stylize-bench")
        try diagnostics.run {
            let stylizer = try Stylizer(network: try networkOptions.loadNetwork(), options: StylizeOptions.defaults)
            guard let content = try NetpbmReader(path: contentPath).next()?.rgb() else { throw CommandError.noImageInFile(contentPath) }
            guard let styleImage = try NetpbmReader(path: stylePath).next()?.rgb() else { throw CommandError.noImageInFile(stylePath) }
            let size = Stylizer.workingSize(width: content.width, height: content.height, requested: longest)
            let pixels = Resample.resize(content.pixels, width: content.width, height: content.height,
                                         toWidth: size.width, toHeight: size.height)
            // As stylize does: the style image scaled to the same longest side.
            let style = try stylizer.styleTarget(image: styleImage, longest: max(size.width, size.height), name: stylePath)
            let objective = try stylizer.makeObjective(content: pixels, width: size.width, height: size.height, style: style)
            try serve(objective, start: pixels, diagnostics: diagnostics)
        }
    }

    /// Writes the header, then answers each pixel vector on stdin until stdin ends.
    func serve(_ objective: StyleObjective, start pixels: [Float], diagnostics: Diagnostics) throws {
        let output = FileHandle.standardOutput, input = FileHandle.standardInput
        var header = Data()
        withUnsafeBytes(of: Int32(pixels.count).littleEndian) { header.append(contentsOf: $0) }
        pixels.withUnsafeBytes { header.append(contentsOf: $0) }
        output.write(header)
        let bytes = pixels.count * MemoryLayout<Float>.size
        while true {
            var data = Data()
            while data.count < bytes {
                let chunk = input.readData(ofLength: bytes - data.count)
                if chunk.isEmpty {
                    if data.isEmpty { return }
                    diagnostics.fail("standard input ended inside a pixel vector")
                }
                data.append(chunk)
            }
            let x = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let (cost, gradient) = try objective.evaluate(x)
            var reply = Data()
            withUnsafeBytes(of: cost.total) { reply.append(contentsOf: $0) }
            gradient.withUnsafeBytes { reply.append(contentsOf: $0) }
            output.write(reply)
        }
    }
}
