/// Whose colours the result has (`stylize --colors`).
public enum ColorChoice: String, Sendable, CaseIterable, Equatable {
    /// The painting's: the plain method (Gatys et al. 2015), the Gram matrices carry the style's colours.
    case style
    /// The content's colours with the result's luminance (luminance-only transfer, `ColorPreservation`),
    /// after painting, at the output size; `--preserve-colors`.
    case luminance
    /// After painting, each channel of the result is histogram-matched (`HistogramMatching`) to the content's
    /// at the output size: the content's palette on the painting's strokes. Per region with --mask: a region's
    /// result pixels to the content's pixels of that region.
    case content
    /// Before painting, each channel of the content (at the working size) is histogram-matched to the style
    /// image's pixels, then painted: the content in the style's palette. Per region with --mask: a styled
    /// region's pixels to its own style image; `none` regions keep theirs. Needs style images (a Gram file
    /// holds no colours).
    case histogram

    public static let `default` = ColorChoice.style
}

/// The colour choices that need more than the images: the regions of a label map, pixel by pixel.
enum ColorTransfer {
    /// Each pixel's region: the one with the largest weight (the first on a tie), at this size.
    static func labels(_ regional: RegionalStyle, width: Int, height: Int) -> [Int] {
        let channels = regional.mask.channels(width: width, height: height)
        return (0..<(width * height)).map { p in channels.indices.max { channels[$0][p] < channels[$1][p] || (channels[$0][p] == channels[$1][p] && $0 > $1) }! }
    }

    /// `.histogram`: the content matched to each style's palette (whole image, or per styled region).
    static func before(_ content: [Float], width: Int, height: Int, goal: StyleGoal) throws -> [Float] {
        switch goal {
        case .whole(let target):
            guard let palette = target.palette else { throw StyleError.noPalette }
            return HistogramMatching.match(content, to: palette)
        case .regions(let regional):
            let labels = labels(regional, width: width, height: height)
            var out = content
            for (index, region) in regional.regions.enumerated() {
                guard let target = region.target else { continue }
                guard let palette = target.palette else { throw StyleError.noPalette }
                out = HistogramMatching.match(out, to: palette, sourceSelection: labels.map { $0 == index })
            }
            return out
        }
    }

    /// `.content`: the result matched to the content's colours (whole image, or region by region).
    static func after(_ result: [Float], content: [Float], width: Int, height: Int, goal: StyleGoal) -> [Float] {
        guard case .regions(let regional) = goal else { return HistogramMatching.match(result, to: content) }
        let labels = labels(regional, width: width, height: height)
        var out = result
        for index in regional.regions.indices {
            let selection = labels.map { $0 == index }
            out = HistogramMatching.match(out, to: content, sourceSelection: selection, referenceSelection: selection)
        }
        return out
    }
}
