import ArgumentParser
import FilterSupport
import Foundation
import ImageIO
import Style

/// `stylize-bench warp-error INPUT_FRAMES OUTPUT_FRAMES`: the warping error of a stylized stream
/// (`WarpingError.measure`), printed as "E over N pixels", for scripts/bench-video.
struct WarpErrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warp-error",
        abstract: "The warping error of a stylized stream against its input: prints \"E over N pixels\".",
        discussion: """
        Both files are netpbm streams with the same number of frames (WarpingError.measure says what E is).

        Example:
          stylize-bench warp-error clip.ppm stylized.ppm
        """)

    @OptionGroup var frames: FramePairArguments

    func run() throws {
        try Diagnostics(program: "stylize-bench").run {
            let (inputs, outputs) = try frames.load()
            let (error, pixels) = try WarpingError.measure(inputs: inputs, outputs: outputs)
            print(String(format: "%.3f over %d pixels", error, pixels))
        }
    }
}
