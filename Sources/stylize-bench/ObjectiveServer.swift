import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

/// `stylize-bench objective CONTENT STYLE SIZE`: serves stylize's own J (default weights and layers, at the working
/// size for SIZE) and its gradient over stdin/stdout, so that another optimizer can be run on exactly the same
/// problem (scripts/bench-optimizer drives SciPy's L-BFGS-B with it).
///
/// Protocol, little-endian: first it writes n (Int32) and the n content pixels (Float32, RGB interleaved,
/// 0...255). Then, for every n Float32 pixels read, it writes J (Float64) and the n Float32 entries of dJ/dpixel.
/// It ends with exit 0 when stdin ends.
func runObjectiveServer(_ arguments: [String]) -> Never {
    guard arguments.count == 3, let longest = Int(arguments[2]), longest > 0 else {
        fail("usage: stylize-bench objective CONTENT STYLE SIZE")
    }
    do {
        let stylizer = try Stylizer(network: try VGG(path: try WeightsLocator.resolve(nil), convolution: try .fromEnvironment()), options: StylizeOptions.defaults)
        guard let content = try NetpbmReader(path: arguments[0]).next()?.rgb() else { fail("\(arguments[0]): no image", code: 1) }
        guard let styleImage = try NetpbmReader(path: arguments[1]).next()?.rgb() else { fail("\(arguments[1]): no image", code: 1) }
        let size = Stylizer.workingSize(width: content.width, height: content.height, requested: longest)
        let pixels = Resample.resize(content.pixels, width: content.width, height: content.height,
                                     toWidth: size.width, toHeight: size.height)
        // As stylize does: the style image scaled to the same longest side.
        let style = try stylizer.styleTarget(image: styleImage, longest: max(size.width, size.height), name: arguments[1])
        let objective = try stylizer.makeObjective(content: pixels, width: size.width, height: size.height, style: style)
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
                    if data.isEmpty { exit(0) }
                    fail("stdin ended inside a pixel vector", code: 1)
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
    } catch {
        fail("\(error)", code: 1)
    }
}
