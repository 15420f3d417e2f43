import Engine
import ImageIO
import Style

/// The styles a run blends: style images (whose Grams depend on the working size, so they are computed
/// for the latest working size and kept until the size changes) and Gram files (fixed), each with its blend weight.
public final class StyleSources {
    enum Source {
        case image(name: String, image: RGBImage)
        case gram(name: String, file: GramFile)
    }

    let sources: [(source: Source, weight: Double)]
    let styleScale: Double
    var cache: [Int: StyleTarget] = [:]

    /// Reads every style image and Gram file now, so a bad one fails before any input is read.
    /// A style image smaller than the network's minimum (`minimumSide`) is refused: enlarged, it would
    /// hold no texture to transfer. The options are the command's, checked by its `validate()` (at least one
    /// style, one `blend` weight per style, not all 0; `styleScale` > 0), which is where a bad one is refused.
    public init(styleImages: [String], gramFiles: [String], blend: [Double]?, styleScale: Double,
                network: VGG, layers: [String], minimumSide: Int) throws {
        let weights = blend ?? [Double](repeating: 1, count: styleImages.count + gramFiles.count)
        var sources: [Source] = []
        for path in styleImages {
            let image = try readStyleImage(path)
            guard min(image.width, image.height) >= minimumSide else {
                throw StyleError.imageTooSmall(name: path, width: image.width, height: image.height, minimum: minimumSide, atScale: false)
            }
            sources.append(.image(name: path, image: image.rgb()))
        }
        for path in gramFiles {
            let file = try readGramFile(path, styleOption: "--style")
            try file.check(network: network, layers: layers, name: path)
            sources.append(.gram(name: path, file: file))
        }
        self.sources = Array(zip(sources, weights))
        self.styleScale = styleScale
    }

    /// The blended target for a content image whose working size has this longest side. The first time a
    /// size is seen, `note` gets a line for each Gram file made at another style size than this one (the
    /// working size times --style-scale, which a style image is scaled to): its textures keep the scale
    /// they were made at, so `gram --size` of the working size is what matches.
    public func target(for stylizer: Stylizer, workingLongest: Int, note: (String) -> Void = { _ in }) throws -> StyleTarget {
        if let cached = cache[workingLongest] { return cached }
        let longest = max(1, Int((Double(workingLongest) * styleScale).rounded()))
        for case (.gram(let name, let file), _) in sources where max(file.styleWidth, file.styleHeight) != longest {
            note("\(name): made at \(max(file.styleWidth, file.styleHeight)) px, the style size here is \(longest) px "
                 + "(the working size\(styleScale == 1 ? "" : " times --style-scale")): its textures keep their scale; gram --size \(longest) makes a matching file")
        }
        let layers = stylizer.options.styleLayers.map(\.name)
        let parts = try sources.map { source, weight -> (target: StyleTarget, weight: Double) in
            switch source {
            case .image(let name, let image):
                return (try stylizer.styleTarget(image: image, longest: longest, name: name), weight)
            case .gram(_, let file):
                return (StyleTarget(grams: file.target.grams.filter { layers.contains($0.key) }), weight)
            }
        }
        let target = parts.count == 1 ? parts[0].target : try StyleTarget.blend(parts)
        // Only the latest size is kept: a stream (video) has one size, and a stream of many sizes must not
        // grow by a set of Grams per size (up to 1.4 MB each; scripts/bench-stream).
        cache = [workingLongest: target]
        return target
    }
}

/// The first image of a style file; a Gram file given as an image is named as such, with the option it belongs to.
func readStyleImage(_ path: String) throws -> NetpbmImage {
    do {
        guard let image = try NetpbmReader(path: path).next() else { throw CommandError.noImageInFile(path) }
        return image
    } catch let error as NetpbmError where error.fileKind == .safetensors {
        throw CommandError.badValue("\(path): a Gram file (safetensors), not an image: give it with --gram \(path)")
    }
}

/// Reads a Gram file; an image given instead is named as such, with what to do: `styleOption` (stylize's
/// --style) when the caller has one, and how to make a Gram file of it.
public func readGramFile(_ path: String, styleOption: String? = nil) throws -> GramFile {
    do {
        return try GramFile(path: path)
    } catch {
        guard let kind = FileKind(path: path), kind != .safetensors else { throw error }
        var image = path, conversion = ""
        if kind.isForeignImage {
            image = "style.ppm"
            conversion = "convert it (\(kind.netpbmConverter ?? "convert") \(path)\(kind.netpbmConverter == nil ? " ppm:-" : "") > style.ppm), then "
        }
        let uses = [styleOption.map { "give it with \($0) \(image)" }, "make one with gram < \(image) > style.gram"]
        throw StyleError.gramFile(name: path, problem: "\(kind.description), not a Gram file: \(conversion)" + uses.compactMap { $0 }.joined(separator: ", or "))
    }
}
