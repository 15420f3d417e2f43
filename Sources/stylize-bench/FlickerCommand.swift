import Foundation
import ImageIO
import Style

/// `stylize-bench flicker INPUT_FRAMES OUTPUT_FRAMES`: the flicker of a stylized stream (`Flicker.measure`),
/// printed as "F over N pixels", for scripts/bench-video.
func runFlicker(_ arguments: [String]) -> Never {
    guard arguments.count == 2 else { fail("usage: stylize-bench flicker INPUT_FRAMES OUTPUT_FRAMES") }
    do {
        func frames(_ path: String) throws -> [RGBImage] {
            let reader = try NetpbmReader(path: path)
            var images: [RGBImage] = []
            while let image = try reader.next() { images.append(image.rgb()) }
            return images
        }
        let (inputs, outputs) = (try frames(arguments[0]), try frames(arguments[1]))
        guard inputs.count == outputs.count else { fail("\(inputs.count) input frames but \(outputs.count) output frames", code: 1) }
        let (flicker, pixels) = Flicker.measure(inputs: inputs, outputs: outputs)
        print(String(format: "%.3f over %d pixels", flicker, pixels))
        exit(0)
    } catch {
        fail("\(error)", code: 1)
    }
}
