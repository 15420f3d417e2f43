import ArgumentParser
import Engine
import FilterSupport
import Foundation
import ImageIO
import Style

@main
struct GramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gram",
        abstract: "Compute a style signature once (the Gram matrices of a style image) and reuse it with stylize --gram.",
        discussion: """
        Reads a style image (PPM/PGM/PAM) on standard input, scales it so that its longest side is --size, and \
        writes its Gram matrices, normalized per position (G = A Aᵀ / (nH nW)), for the style layers as a \
        safetensors file on standard output, with metadata naming the layers, the network, a fingerprint of \
        the weights and the preprocessing. stylize refuses a file made with other weights or without a layer it needs.

        `stylize --gram F --size N` gives the same bytes as `stylize --style IMAGE --size N` when F was made by \
        `gram --size N` (times --style-scale) from the same image.

        Examples:
          gram < starry.ppm > starry.gram
          gram --size 256 --layers relu1_1,relu2_1,relu3_1 < starry.ppm > s256.gram
          gram --blend starry.gram:0.7 kazusa.gram:0.3 > mix.gram
          gram --info starry.gram
          gram --mask starry-sky.pgm --label 255 < starry.ppm > sky.gram
          python3 -c "import safetensors.numpy as s; print(s.load_file('s256.gram'))"
        """)

    @Option(parsing: .unconditional, help: ArgumentHelp("Scale the style image to this longest side, px (stylize scales it to its working size times --style-scale).", valueName: "px"))
    var size = 512

    @Option(help: ArgumentHelp("The style layers.", valueName: "layer,..."))
    var layers = StylizeOptions.defaults.styleLayers.map(\.name).joined(separator: ",")

    @OptionGroup var networkOptions: NetworkOptions

    @Option(help: "max or avg (as stylize --pooling).")
    var pooling = PoolingKind.max

    @Option(help: ArgumentHelp("Only a region of the style image: a label map (PGM/PPM/PAM, the style image's aspect ratio, any size). Guided Grams (Gatys et al. 2017), for stylize --region.", valueName: "file"))
    var mask: String?

    @Option(help: ArgumentHelp("With --mask: the region is the pixels of exactly this colour (#rrggbb, R,G,B or a gray level); without, the mask's gray level is each pixel's weight (white in, black out).", valueName: "color"))
    var label: String?

    @Option(help: ArgumentHelp("With --mask: erode (units that see only the region, the default, as stylize), dilate or downsample.", valueName: "mode"))
    var guidance = GuidanceMode.default

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Mix Gram files instead: FILE:WEIGHT ...", valueName: "file:w"))
    var blend: [String] = []

    @Option(help: ArgumentHelp("Print what a Gram file holds and exit.", valueName: "file"))
    var info: String?

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unrecognized: [String] = []

    static func main() { Diagnostics.main(Self.self, program: "gram") }

    mutating func validate() throws {
        try CommandError.refuseUnrecognized(unrecognized)
        if size < 1 { throw ValidationError("--size must be positive") }
        do { _ = try parseWeightedLayers(layers) } catch { throw ValidationError("--layers: \(error)") }
        if mask == nil && label != nil { throw ValidationError("--label needs --mask FILE") }
        if let label, RegionSpec.parseColor(label) == nil {
            throw ValidationError("--label: bad colour \"\(label)\": expected #rrggbb, R,G,B or a gray level 0...255")
        }
        if mask != nil && !blend.isEmpty { throw ValidationError("--mask applies to a style image, not to --blend") }
        let weights = try blend.map { try Self.blendItem($0).weight }
        if !weights.isEmpty && weights.allSatisfy({ $0 == 0 }) { throw ValidationError("--blend: the weights are all 0") }
    }

    func run() throws {
        let diagnostics = Diagnostics(program: "gram")
        try diagnostics.run {
            if let info {
                print(try readGramFile(info).summary)
                return
            }
            try StandardStreams.refuseTerminalOutput()
            let file = blend.isEmpty ? try signature(diagnostics) : try mixed()
            FileHandle.standardOutput.write(file.safeTensors.serialized())
        }
    }

    func signature(_ diagnostics: Diagnostics) throws -> GramFile {
        let layerNames = try parseWeightedLayers(layers).map(\.name)
        let network = try networkOptions.loadNetwork(pooling: pooling)
        var options = StylizeOptions()
        options.styleLayers = layerNames.map { WeightedLayer($0, weight: 1) }
        let stylizer = try Stylizer(network: network, options: options)
        StandardStreams.announceTerminalInput("a style image", diagnostics: diagnostics)
        guard let image = try NetpbmReader(fileDescriptor: 0, name: "stdin").next() else {
            throw CommandError.noImageOnStandardInput
        }
        let rgb = image.rgb()
        let fitted = Resample.fit(width: rgb.width, height: rgb.height, longest: size)
        var source = "style image \(rgb.width)x\(rgb.height) scaled to \(fitted.width)x\(fitted.height)"
        let target: StyleTarget
        if let mask {
            let maskImage = try readMask(mask)
            try LabelMask.checkShape(maskWidth: maskImage.width, maskHeight: maskImage.height, width: rgb.width, height: rgb.height,
                                     name: mask, image: "the style image")
            let color = label.flatMap(RegionSpec.parseColor)
            let weights = try LabelMask.weights(image: maskImage, label: color, name: mask)
            let guide = LabelMask.nearest(weights, width: maskImage.width, height: maskImage.height, toWidth: rgb.width, toHeight: rgb.height)
            target = try stylizer.styleTarget(image: rgb, longest: size, name: "stdin", guide: guide, mode: guidance)
            source += ", region \(color.map { "\($0)" } ?? "gray levels") of \(mask) (guidance \(guidance.rawValue))"
        } else {
            target = try stylizer.styleTarget(image: rgb, longest: size, name: "stdin")
        }
        return GramFile(layers: layerNames, target: target, styleWidth: fitted.width, styleHeight: fitted.height,
                        network: network, source: source)
    }

    func mixed() throws -> GramFile {
        let parts = try blend.map { item -> (file: GramFile, name: String, weight: Double) in
            let (path, weight) = try Self.blendItem(item)
            return (try readGramFile(path), path, weight)
        }
        return try GramFile.blend(parts)
    }

    /// "FILE:WEIGHT", the weight a number >= 0; one message for every malformed item.
    static func blendItem(_ item: String) throws -> (path: String, weight: Double) {
        guard let colon = item.lastIndex(of: ":"), colon != item.startIndex,
              let weight = Double(item[item.index(after: colon)...]), weight >= 0, weight.isFinite else {
            throw ValidationError("--blend: bad item \"\(item)\": expected FILE:WEIGHT, WEIGHT a number >= 0")
        }
        return (String(item[..<colon]), weight)
    }
}
