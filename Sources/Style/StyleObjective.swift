import Engine

/// alpha, beta and tv: the weights of J's terms (`StyleObjective`).
public struct CostWeights: Sendable, Equatable {
    public var content: Double
    public var style: Double
    public var totalVariation: Double
    public init(content: Double, style: Double, totalVariation: Double) {
        self.content = content
        self.style = style
        self.totalVariation = totalVariation
    }
}

/// A style layer and its weight w_l.
public struct WeightedLayer: Sendable, Equatable {
    public var name: String
    public var weight: Double
    public init(_ name: String, weight: Double) {
        self.name = name
        self.weight = weight
    }

    /// The layers, each with weight 1/count.
    public static func equal(_ names: [String]) -> [WeightedLayer] {
        names.map { WeightedLayer($0, weight: 1 / Double(names.count)) }
    }
}

/// The parts of one evaluation of J (unweighted parts, weighted total).
public struct Cost: Sendable, Equatable {
    public var total: Double
    public var content: Double
    /// Σ_l w_l J_style[l].
    public var style: Double
    public var styleLayers: [String: Double]
    public var totalVariation: Double
    /// The weighted temporal cost (0 without a previous frame).
    public var temporal: Double = 0
}

/// J(G) and its gradient with respect to G's pixels: the weighted sum of its terms, each in its own file,
///
///     J(G) = alpha J_content + beta Σ_l w_l J_style[l] + tv J_tv (+ J_temporal for a frame of a stream)
///
/// with J_content in `ContentTerm`, J_style[l] in `Gram`, J_tv in `TotalVariation` and J_temporal (weighted
/// inside) in `TemporalTerm`. The network's terms give gradients at their layers, summed and taken back to the
/// pixels by one backward pass; the pixel terms add theirs to that. The image is interleaved RGB in 0..255,
/// the network's own input convention applied inside. Immutable: one value serves any number of evaluations,
/// from any thread.
public final class StyleObjective: Sendable {
    public let network: VGG
    public let width: Int
    public let height: Int
    public let contentLayer: String
    public let styleLayers: [WeightedLayer]
    public let weights: CostWeights
    let contentTarget: Tensor
    let styleTarget: StyleTarget
    /// For frames of a stream: the pull toward the previous output.
    public let temporal: TemporalTerm?

    /// For spatial control: the regions' guided terms (`GuidedGram`), which replace the whole-image style
    /// term (`style` is then not read); empty: the plain term.
    public let regions: [GuidedRegion]

    public init(network: VGG, content: [Float], width: Int, height: Int, contentLayer: String,
                styleLayers: [WeightedLayer], style: StyleTarget, regions: [GuidedRegion] = [], weights: CostWeights,
                temporal: TemporalTerm? = nil) throws {
        for target in regions.isEmpty ? [style] : regions.map(\.target) {
            try target.check(network: network, layers: styleLayers)
        }
        self.regions = regions
        let x = network.input.networkInput(pixels: content, width: width, height: height)
        let result = try network.forward(x, taps: [contentLayer], keepForBackward: false)
        self.contentTarget = result.taps[contentLayer]!
        self.network = network
        self.width = width
        self.height = height
        self.contentLayer = contentLayer
        self.styleLayers = styleLayers
        self.weights = weights
        self.styleTarget = style
        self.temporal = temporal
    }

    public func evaluate(_ pixels: [Float]) throws -> (cost: Cost, gradient: [Float]) {
        try evaluate(pixels, withGradient: true)
    }

    /// J alone, by a forward pass only (no backward pass): for reporting the J of an image.
    public func cost(_ pixels: [Float]) throws -> Cost {
        try evaluate(pixels, withGradient: false).cost
    }

    /// Without `withGradient`, the network keeps nothing for a backward pass and the gradient is empty.
    func evaluate(_ pixels: [Float], withGradient: Bool) throws -> (cost: Cost, gradient: [Float]) {
        let x = network.input.networkInput(pixels: pixels, width: width, height: height)
        var taps = styleLayers.map(\.name)
        if weights.content != 0 { taps.append(contentLayer) }
        let forward = try network.forward(x, taps: taps, keepForBackward: withGradient)
        var layerGradients = LayerGradients()

        // The network's terms: gradients (already weighted) at their layers.
        var contentCost = 0.0
        if weights.content != 0 {
            let features = forward.taps[contentLayer]!
            if withGradient {
                let g: Tensor
                (contentCost, g) = ContentTerm.loss(features: features, target: contentTarget, gradientScale: Float(weights.content))
                layerGradients.add(g, at: contentLayer)
            } else {
                contentCost = ContentTerm.cost(features: features, target: contentTarget)
            }
        }
        var styleCost = 0.0
        var perLayer: [String: Double] = [:]
        if weights.style != 0 {
            for layer in styleLayers {
                let features = forward.taps[layer.name]!
                var value = 0.0
                if regions.isEmpty {
                    let target = styleTarget.grams[layer.name]!
                    if withGradient {
                        let g: Tensor
                        (value, g) = Gram.loss(features: features, target: target, gradientScale: Float(weights.style * layer.weight))
                        layerGradients.add(g, at: layer.name)
                    } else {
                        value = Gram.cost(features: features, target: target)
                    }
                }
                // Spatial control: Σ_r w_r J_r[l], each region's guided Gram against its own target.
                for region in regions {
                    let (guide, target) = (region.guides[layer.name]!, region.target.grams[layer.name]!)
                    if withGradient {
                        let (part, g) = GuidedGram.loss(features: features, guide: guide, target: target,
                                                        gradientScale: Float(weights.style * layer.weight * region.weight))
                        layerGradients.add(g, at: layer.name)
                        value += region.weight * part
                    } else {
                        value += region.weight * GuidedGram.cost(features: features, guide: guide, target: target)
                    }
                }
                perLayer[layer.name] = value
                styleCost += layer.weight * value
            }
        }
        var gradient: [Float]
        if !withGradient {
            gradient = []
        } else if layerGradients.byLayer.isEmpty {
            gradient = [Float](repeating: 0, count: pixels.count)
        } else {
            gradient = network.input.pixelGradient(try network.backward(forward, tapGradients: layerGradients.byLayer))
        }

        let cost = PixelTerms.finish(pixels: pixels, width: width, height: height, weights: weights, temporal: temporal,
                                     content: contentCost, style: styleCost, styleLayers: perLayer,
                                     gradient: &gradient, withGradient: withGradient)
        return (cost, gradient)
    }
}

/// The gradients of the network's terms at their layers, summed where two terms share a layer.
struct LayerGradients {
    var byLayer: [String: Tensor] = [:]

    mutating func add(_ g: Tensor, at layer: String) {
        if var existing = byLayer[layer] {
            byLayer[layer] = nil
            VectorMath.add(1, g.data, to: &existing.data)
            byLayer[layer] = existing
        } else {
            byLayer[layer] = g
        }
    }
}
