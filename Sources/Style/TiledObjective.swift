import Engine

/// J and its gradient computed tile by tile, exactly: the same J as `StyleObjective` (up to float32 rounding),
/// with the network's memory bounded by one tile's crop instead of the whole image.
///
/// Gram matrices are sums over positions, and the content term is a sum over positions too, so:
///
/// 1. Pass 1 runs the network (forward only, nothing kept) on each tile's crop: its interior plus a halo
///    (`VGG.halo(for:)`, 64 px to relu5_1) wide enough that the interior's outputs at every layer used equal
///    the whole image's. The interior's positions are added to each style layer's Gram sum (`Gram.accumulate`)
///    and its content differences to J_content.
/// 2. With the whole image's Grams known, J_style and each layer's difference g - target are those of the
///    untiled objective. Pass 2 runs each crop again, keeping what backward needs, puts the interior's
///    gradients at the layers (`Gram.featureGradient` with the global difference and N, alpha (a - a(C)))
///    in zero tensors of the crop's size, runs backward, and adds the crop's pixel gradient into the image's.
///    Halo positions get no gradient at their layers: they are another tile's interior. A pixel in several
///    crops gets each crop's share, which sums to the whole image's gradient: the interiors' cones lie
///    inside their crops, and every layer position is in exactly one interior (`TileGrid`).
/// 3. The pixel terms (J_tv, J_temporal) are cheap and computed on the whole image (`PixelTerms`).
///
/// Nothing is approximated, so there are no seams. The price is a second forward pass over every crop but
/// the last (whose state pass 1 keeps) and the halo's extra area (measured by scripts/bench-print); with
/// `keepsForwardPasses`, pass 1 keeps every crop's state (its taps, ReLU masks and pooling windows: about
/// `MemoryPlan.keptBytesPerCropPixel`), and each crop's forward runs once, as untiled. The
/// content target's interiors (a(C) at the content layer, 32 bytes per pixel for relu4_2) are computed tile
/// by tile when the objective is made.
///
/// Rounding: each crop's convolutions take the whole image's path per layer (`VGG.pinned`), but the sgemm
/// (OpenBLAS) does not round a column the same whatever the other columns: a crop's activations differ from
/// the whole image's by float32 rounding everywhere, not only near its false border (measured: 1-2% of
/// relu1_1's interior values, up to 1e-4 relative near zero, in a crop at the image's corner, on this
/// machine's kernel). On im2col this stays at rounding: J 5e-8 relative, gradient 7e-7 of its largest entry
/// (TiledObjectiveTests). On Winograd the differences are larger, flip a few ReLU masks or pooling maxima,
/// and the gradient differs by 1e-3 of its largest entry at 512 px; a halo grown by whole 4x4 blocks with
/// crops aligned to the blocks (192 px, 64 px alignment) does not remove them (measured, issue-17w report).
public final class TiledObjective: Objective {
    public let network: VGG
    public let width: Int
    public let height: Int
    public let contentLayer: String
    public let styleLayers: [WeightedLayer]
    public let weights: CostWeights
    public let temporal: TemporalTerm?
    public let grid: TileGrid
    let styleTarget: StyleTarget
    /// a(C) at the content layer on each tile's interior (none when alpha is 0).
    let contentTargets: TensorStore
    /// Pass 1 keeps every crop's forward state for pass 2 instead of only the last one's.
    public let keepsForwardPasses: Bool

    /// `tileSize`: the interiors' side in pixels, a positive multiple of `network.tileAlignment(for:)`.
    /// `contentTargetStorage`: where the content targets are kept (paged: the same J, one tile's in memory).
    /// `keepForwardPasses`: pass 1 keeps every crop's state, so pass 2 runs no forward (the same bits, more memory).
    public init(network: VGG, content: [Float], width: Int, height: Int, contentLayer: String,
                styleLayers: [WeightedLayer], style: StyleTarget, weights: CostWeights, temporal: TemporalTerm? = nil,
                tileSize: Int, contentTargetStorage: HistoryStorage = .memory, keepForwardPasses: Bool = false) throws {
        try style.check(network: network, layers: styleLayers)
        precondition(content.count == width * height * 3)
        let layers = [contentLayer] + styleLayers.map(\.name)
        let grid = try TileGrid(network: network, layers: layers, width: width, height: height, tileSize: tileSize)
        self.grid = grid
        // Each crop's convolutions take the whole image's paths (`VGG.pinned`).
        let network = network.pinned(forInputWidth: width, height: height)
        self.network = network
        self.width = width
        self.height = height
        self.contentLayer = contentLayer
        self.styleLayers = styleLayers
        self.weights = weights
        self.temporal = temporal
        self.styleTarget = style
        self.keepsForwardPasses = keepForwardPasses
        let index = try network.index(of: contentLayer)
        let pools = network.poolings(before: index)
        let largest = network.channels(at: index) * ((tileSize >> pools) + 1) * ((tileSize >> pools) + 1)
        contentTargets = try content.withUnsafeBufferPointer { pixels in
            try TensorStore(count: weights.content != 0 ? grid.tiles.count : 0, largest: largest, storage: contentTargetStorage) { t in
                let tile = grid.tiles[t]
                let x = network.input.networkInput(pixels: TileGrid.crop(pixels, width: width, tile.crop),
                                                   width: tile.crop.width, height: tile.crop.height)
                let features = try network.forward(x, taps: [contentLayer], keepForBackward: false).taps[contentLayer]!
                return features.block(Self.interior(of: tile, poolings: pools))
            }
        }
    }

    public func evaluate(_ pixels: [Float]) throws -> (cost: Cost, gradient: [Float]) {
        var gradient = [Float](repeating: 0, count: pixels.count)
        let cost = try pixels.withUnsafeBufferPointer { p in
            try gradient.withUnsafeMutableBufferPointer { try evaluate(p, gradient: $0, paging: nil) }
        }
        return (cost, gradient)
    }

    public func cost(_ pixels: [Float]) throws -> Cost {
        try pixels.withUnsafeBufferPointer { try evaluate($0, gradient: nil, paging: nil) }
    }

    /// Reads the pixels a crop at a time and adds each crop's share into `gradient` (its pages, when paged,
    /// given back after each crop: `Paging`), so the image-sized vectors cost no memory beyond a crop's rows.
    public func evaluate(_ pixels: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, paging: Paging?) throws -> Cost {
        try evaluate(pixels, gradient: Optional(gradient), paging: paging)
    }

    /// A tile's interior at a layer after `poolings` poolings, in the positions of its crop's activations.
    static func interior(of tile: TileGrid.Tile, poolings p: Int) -> PixelRect {
        let (interior, origin) = (tile.interior.pooled(p), tile.crop.pooled(p))
        return PixelRect(x0: interior.x0 - origin.x0, y0: interior.y0 - origin.y0,
                         x1: interior.x1 - origin.x0, y1: interior.y1 - origin.y0)
    }

    /// `gradient` nil: J alone.
    func evaluate(_ pixels: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>?, paging: Paging?) throws -> Cost {
        precondition(pixels.count == width * height * 3, "\(pixels.count) values for a \(width)x\(height) image")
        precondition(gradient == nil || gradient!.count == pixels.count)
        let withGradient = gradient != nil
        let style = weights.style != 0 ? styleLayers : []
        let taps = style.map(\.name) + (weights.content != 0 ? [contentLayer] : [])
        let poolings = try Dictionary(taps.map { ($0, network.poolings(before: try network.index(of: $0))) },
                                      uniquingKeysWith: { a, _ in a })
        // A crop's network input, made when it is needed (one crop at a time is held).
        func input(_ t: Int) -> Tensor {
            let crop = grid.tiles[t].crop
            let values = TileGrid.crop(pixels, width: width, crop)
            paging?.releaseAll(pixels.count)
            return network.input.networkInput(pixels: values, width: crop.width, height: crop.height)
        }

        // Pass 1: the Gram sums and J_content.
        var sums = try TiledGramSums(network: network, layers: style.map(\.name))
        var contentCost = 0.0
        // The last crop's forward keeps what backward needs: pass 2 starts with it (in reverse order) instead
        // of running it again. Unless every crop's is kept, pass 2 holds one crop's state at a time.
        var kept = [CropState?](repeating: nil, count: grid.tiles.count)
        let last = grid.tiles.count - 1
        for (t, tile) in grid.tiles.enumerated() {
            let keep = withGradient && !taps.isEmpty && (keepsForwardPasses || t == last)
            let forward = try network.forward(input(t), taps: taps, keepForBackward: keep)
            if keep { kept[t] = CropState(forward, tile: tile, poolings: poolings, slim: keepsForwardPasses, network: network) }
            sums.add(forward.taps, of: tile)
            if weights.content != 0 {
                let features = forward.taps[contentLayer]!.block(Self.interior(of: tile, poolings: poolings[contentLayer]!))
                contentCost += ContentTerm.cost(features: features, target: try contentTargets[t])
            }
        }

        // The whole image's Grams: J_style and the differences g - target.
        var styleCost = 0.0
        var perLayer: [String: Double] = [:]
        var differences: [String: [Float]] = [:]
        let grams = try sums.grams(network: network, width: width, height: height)
        for layer in style {
            var difference = grams[layer.name]!
            VectorMath.add(-1, styleTarget.grams[layer.name]!, to: &difference)
            let c = Double(network.channels(at: try network.index(of: layer.name)))
            let value = VectorMath.dot(difference, difference) / (4 * c * c)
            perLayer[layer.name] = value
            styleCost += layer.weight * value
            differences[layer.name] = difference
        }

        // Pass 2: each crop's share of the gradient.
        if let gradient { VectorMath.fill(gradient, paging: paging) { _ in 0 } }
        if let gradient, !taps.isEmpty {
            for (t, tile) in grid.tiles.enumerated().reversed() {
                var state = try kept[t] ?? CropState(network.forward(input(t), taps: taps, keepForBackward: true), tile: tile,
                                                     poolings: poolings, slim: false, network: network)
                kept[t] = nil
                if !state.recompute.isEmpty {
                    state.add(try network.forward(input(t), taps: state.recompute, keepForBackward: false).taps, tile: tile, poolings: poolings)
                }
                var layerGradients = LayerGradients()
                for layer in style {
                    let (features, interior, size) = (state.interiors[layer.name]!, Self.interior(of: tile, poolings: poolings[layer.name]!),
                                                      state.sizes[layer.name]!)
                    let positions = try network.spatialSize(of: layer.name, inputWidth: width, inputHeight: height).count
                    let g = Gram.featureGradient(difference: differences[layer.name]!, features: features,
                                                 positions: positions, gradientScale: Float(weights.style * layer.weight))
                    layerGradients.add(.placing(g, at: interior, height: size.height, width: size.width), at: layer.name)
                }
                if weights.content != 0 {
                    let (features, interior, size) = (state.interiors[contentLayer]!, Self.interior(of: tile, poolings: poolings[contentLayer]!),
                                                      state.sizes[contentLayer]!)
                    let g = ContentTerm.loss(features: features, target: try contentTargets[t],
                                             gradientScale: Float(weights.content)).gradient
                    layerGradients.add(.placing(g, at: interior, height: size.height, width: size.width), at: contentLayer)
                }
                let share = network.input.pixelGradient(try network.backward(state.backward, tapGradients: layerGradients.byLayer))
                TileGrid.add(share, at: tile.crop, into: gradient, width: width)
                paging?.releaseAll(pixels.count)
            }
        }

        return PixelTerms.finish(pixels: pixels, width: width, height: height, weights: weights, temporal: temporal,
                                 content: contentCost, style: styleCost, styleLayers: perLayer,
                                 gradient: gradient, paging: paging)
    }
}

/// What pass 2 needs of a crop's forward pass: what backward needs (masks and pooling windows), and each tap's
/// interior block with the tap's size in the crop. Kept for every crop (`slim`), the taps are cut to their
/// interiors (halo positions get no gradient) and those reached by the first convolution alone (relu1_1: 3
/// input channels, under 1% of the forward's multiply-adds but the largest tap, 256 bytes a pixel) are not
/// kept at all: `recompute` names them, run again from the crop's input in pass 2 (the same bits: the same
/// layer on the same input).
struct CropState {
    var backward: VGG.Activations
    var interiors: [String: Tensor] = [:]
    var sizes: [String: (height: Int, width: Int)] = [:]
    var recompute: [String] = []

    init(_ forward: VGG.Activations, tile: TileGrid.Tile, poolings: [String: Int], slim: Bool, network: VGG) {
        backward = forward
        backward.taps = [:]
        let cheap = slim ? Set(forward.taps.keys.filter { ((try? network.index(of: $0)) ?? Int.max) <= Self.cheapDepth(network) }) : []
        recompute = cheap.sorted()
        add(forward.taps.filter { !cheap.contains($0.key) }, tile: tile, poolings: poolings)
    }

    /// Taps of this crop: their interior blocks and sizes.
    mutating func add(_ taps: [String: Tensor], tile: TileGrid.Tile, poolings: [String: Int]) {
        for (name, features) in taps {
            interiors[name] = features.block(TiledObjective.interior(of: tile, poolings: poolings[name]!))
            sizes[name] = (features.height, features.width)
        }
    }

    /// The deepest layer index reached through the first convolution and what follows it before the next one.
    static func cheapDepth(_ network: VGG) -> Int {
        let convolutions = network.layers.indices.filter { if case .conv = network.layers[$0].kind { return true } else { return false } }
        return convolutions.count > 1 ? convolutions[1] - 1 : -1
    }
}
