import ArgumentParser
import FilterSupport
import Foundation
import ImageIO
import Style

/// `stylize-bench flicker INPUT_FRAMES OUTPUT_FRAMES`: the flicker of a stylized stream (`Flicker.measure`),
/// printed as "F over N pixels", for scripts/bench-video.
struct FlickerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flicker",
        abstract: "The flicker of a stylized stream against its input: prints \"F over N pixels\".",
        discussion: """
        Both files are netpbm streams with the same number of frames (Flicker.measure says what F is).

        Example:
          stylize-bench flicker clip.ppm stylized.ppm
        """)

    @Argument(help: ArgumentHelp("The input frames (a PPM/PGM/PAM stream).", valueName: "input-frames"))
    var inputPath: String

    @Argument(help: ArgumentHelp("The stylized frames, one per input frame.", valueName: "output-frames"))
    var outputPath: String

    func run() throws {
        try Diagnostics(program: "stylize-bench").run {
            let (inputs, outputs) = (try Self.frames(inputPath), try Self.frames(outputPath))
            guard inputs.count == outputs.count else {
                throw CommandError.badValue("\(inputs.count) input frames but \(outputs.count) output frames")
            }
            let (flicker, pixels) = Flicker.measure(inputs: inputs, outputs: outputs)
            print(String(format: "%.3f over %d pixels", flicker, pixels))
        }
    }

    /// The frames of a netpbm stream.
    static func frames(_ path: String) throws -> [RGBImage] {
        let reader = try NetpbmReader(path: path)
        var images: [RGBImage] = []
        while let image = try reader.next() { images.append(image.rgb()) }
        return images
    }
}
