extension VGG {
    /// How far, in input pixels, a false border reaches into the outputs of the layers up to the deepest of
    /// `taps`: the halo a tile needs around its interior so that every interior output equals the output of
    /// the whole image, bit for bit (`TileGrid`, the exact tiling of `TiledObjective`).
    ///
    /// A crop of the image has zero padding where the image has neighbours. An output is "contaminated" when
    /// its float32 value may differ from the whole image's; the band of contaminated positions next to a crop
    /// edge grows layer by layer:
    /// - an im2col 3x3 convolution sums each output over its own 3x3 window: the band widens by 1 position;
    /// - a Winograd convolution (`Winograd`, F(4x4, 3x3)) computes each 4x4 output block from its 6x6 input
    ///   window, and its transforms mix all 36 inputs, so every output of a block whose window touches the
    ///   band rounds differently, even one that mathematically does not depend on the band: a band of e
    ///   positions becomes 4 (e / 4 + 1). This holds when the crop's blocks are the whole image's blocks,
    ///   which `tileAlignment(for:)` ensures; `.automatic` (not pinned) counts as Winograd;
    /// - a 2x2 pooling turns a band of e positions into ceil(e/2), a ReLU changes nothing.
    /// Outside the band every value, ReLU mask and pooling maximum is the whole image's, so is every interior
    /// output's gradient with respect to the pixels up to float32 rounding. VGG16 to relu5_1: 64 px on
    /// im2col, 192 px with every convolution on Winograd (12 positions at level 4); to relu4_2: 40 and 128 px.
    /// The result is rounded up to a multiple of `tileAlignment(for:)`, so that crops stay aligned.
    public func halo(for taps: [String]) throws -> Int {
        let depth = try taps.map { try index(of: $0) }.max() ?? -1
        var band = 0, level = 0, widest = 0
        if depth >= 0 {
            for i in 0...depth {
                switch layers[i].kind {
                case .conv(let conv): band = conv.settings.algorithm == .im2col ? band + 1 : (band / 4 + 1) * Winograd.tile
                case .relu: break
                case .pool:
                    band = (band + 1) / 2
                    level += 1
                }
                widest = max(widest, band << level)
            }
        }
        let alignment = try tileAlignment(for: taps)
        return (widest + alignment - 1) / alignment * alignment
    }

    /// The multiple of which a crop's offset must be so that its 2x2 pooling windows (2^poolings before the
    /// deepest tap, 16 px for relu5_1) and the 4x4 output blocks of its Winograd convolutions (4 positions at
    /// pooling level k: 4 * 2^k px) are the whole image's: 64 px to relu5_1 when conv5_1 runs on Winograd
    /// (or `.automatic`), 16 px when every convolution runs on im2col.
    public func tileAlignment(for taps: [String]) throws -> Int {
        let depth = try taps.map { try index(of: $0) }.max() ?? -1
        var alignment = try minimumInputSide(for: taps), level = 0
        if depth >= 0 {
            for i in 0...depth {
                switch layers[i].kind {
                case .conv(let conv) where conv.settings.algorithm != .im2col: alignment = max(alignment, Winograd.tile << level)
                case .pool: level += 1
                default: break
                }
            }
        }
        return alignment
    }
}

extension VGG {
    /// The same network with each convolution's two directions pinned to the path `.automatic` takes for an
    /// input of `width` x `height`: run on a crop of that image (`TiledObjective`), every layer then takes the
    /// whole image's path. A crop run on `.automatic` would take im2col where its deep maps are small and the
    /// whole image's are not, and round differently there. `halo(for:)` and `tileAlignment(for:)` of the
    /// pinned network follow each layer's path (a Winograd layer's 4x4 blocks widen the halo).
    public func pinned(forInputWidth width: Int, height: Int) -> VGG {
        guard convolution.algorithm == .automatic else { return self }
        var level = 0
        var settings: [Int: ConvolutionSettings] = [:]
        for (i, layer) in layers.enumerated() {
            switch layer.kind {
            case .pool: level += 1
            case .relu: break
            case .conv(let conv):
                let (w, h) = (width >> level, height >> level)
                func path(_ winograd: Bool) -> ConvolutionAlgorithm { winograd ? .winograd : .im2col }
                var s = convolution
                s.algorithm = path(Conv2D.prefersWinograd(inChannels: conv.inChannels, outChannels: conv.outChannels, width: w, height: h))
                s.backwardAlgorithm = path(Conv2D.prefersWinograd(inChannels: conv.outChannels, outChannels: conv.inChannels, width: w, height: h))
                settings[i] = s
            }
        }
        let pinnedLayers = layers.enumerated().map { i, layer -> Layer in
            guard case .conv(let conv) = layer.kind, let s = settings[i] else { return layer }
            return Layer(name: layer.name, kind: .conv(conv.using(s)))
        }
        return VGG(layers: pinnedLayers, input: input, pooling: pooling, architecture: architecture, convolution: convolution)
    }
}
