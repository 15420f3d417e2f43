import ArgumentParser
import FilterSupport
import ImageIO

/// The two streams `flicker` and `warp-error` compare: the input frames and the stylized ones.
struct FramePairArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("The input frames (a PPM/PGM/PAM stream).", valueName: "input-frames"))
    var inputPath: String

    @Argument(help: ArgumentHelp("The stylized frames, one per input frame.", valueName: "output-frames"))
    var outputPath: String

    /// Both streams' frames; as many in each, else an error.
    func load() throws -> (inputs: [RGBImage], outputs: [RGBImage]) {
        let (inputs, outputs) = (try Self.frames(inputPath), try Self.frames(outputPath))
        guard inputs.count == outputs.count else {
            throw CommandError.badValue("\(inputs.count) input frames but \(outputs.count) output frames")
        }
        return (inputs, outputs)
    }

    static func frames(_ path: String) throws -> [RGBImage] {
        let reader = try NetpbmReader(path: path)
        var images: [RGBImage] = []
        while let image = try reader.next() { images.append(image.rgb()) }
        return images
    }
}
