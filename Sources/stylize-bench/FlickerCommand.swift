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

    @OptionGroup var frames: FramePairArguments

    func run() throws {
        try Diagnostics(program: "stylize-bench").run {
            let (inputs, outputs) = try frames.load()
            let (flicker, pixels) = Flicker.measure(inputs: inputs, outputs: outputs)
            print(String(format: "%.3f over %d pixels", flicker, pixels))
        }
    }
}
