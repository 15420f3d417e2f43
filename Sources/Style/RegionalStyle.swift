import Engine

/// One region of a label map and what paints it: a style target (its Grams, from a style image, a Gram file,
/// or a region of a style image) and a weight, or no target (`none`: the region keeps the content's look, as
/// no style term reaches it).
public struct StyledRegion: Sendable {
    public var color: RegionColor
    public var target: StyleTarget?
    public var weight: Double
    public init(color: RegionColor, target: StyleTarget?, weight: Double = 1) {
        self.color = color
        self.target = target
        self.weight = weight
    }
}

/// A region's guided style term at one image size: its guidance at each style layer, its target and the
/// weight of its terms in J_style.
public struct GuidedRegion: Sendable {
    public var color: RegionColor
    public var guides: [String: [Float]]
    public var target: StyleTarget
    /// The region's `StyledRegion.weight` times its share of the image's pixels (Σ_p t_p / (H W)).
    public var weight: Double
}

/// Spatial control (Gatys et al. 2017, section 4.1): a label map with a style (or none) per region, and
/// how the guidance is carried to the layers.
///
/// J_style[l] = Σ_r w_r f_r J_r[l] over the styled regions r (`GuidedGram`), f_r the region's share of the
/// pixels. Departure from the paper (README, "The method"), whose region weights are 1/(number of regions):
/// with f_r each region's term pulls its pixels as hard as the plain style term pulls every pixel (the guided
/// Gram is normalized by the region's own weight, so its gradient per pixel grows as 1/f_r), and a region
/// painted with the whole style image looks as the whole image painted would; w_r (`--region ...:WEIGHT`,
/// default 1) scales that.
public struct RegionalStyle: Sendable {
    public let mask: LabelMask
    /// In `mask.colors`' order.
    public let regions: [StyledRegion]
    public let mode: GuidanceMode

    public init(mask: LabelMask, regions: [StyledRegion], mode: GuidanceMode = .default) {
        precondition(regions.map(\.color) == mask.colors)
        self.mask = mask
        self.regions = regions
        self.mode = mode
    }

    /// The styled regions' terms for an image of this size (the mask sampled to it). A styled region with
    /// no unit at some layer is refused (`StyleError.emptyRegion`).
    public func guided(network: VGG, layers: [String], width: Int, height: Int) throws -> [GuidedRegion] {
        let channels = mask.channels(width: width, height: height)
        return try zip(regions, channels).compactMap { region, channel -> GuidedRegion? in
            guard let target = region.target else { return nil }
            let guides = try Guidance.propagate(channel, width: width, height: height, network: network, layers: layers, mode: mode)
            for layer in layers where GuidedGram.weight(guides[layer]!) == 0 {
                throw StyleError.emptyRegion(color: region.color.description, layer: layer, width: width, height: height, mode: mode)
            }
            let share = channel.reduce(0) { $0 + Double($1) } / Double(width * height)
            return GuidedRegion(color: region.color, guides: guides, target: target, weight: region.weight * share)
        }
    }
}

/// What the style term matches: one target over the whole image, or one per region of a label map.
public enum StyleGoal: Sendable {
    case whole(StyleTarget)
    case regions(RegionalStyle)
}
