extension VGG {
    /// How far, in input pixels, a false border reaches into the outputs of the layers up to the deepest of
    /// `taps`: the halo a tile needs around its interior so that every interior output equals the output of
    /// the whole image (`TileGrid`, the exact tiling of `TiledObjective`).
    ///
    /// A crop of the image has zero padding where the image has neighbours. An output depends on a padded
    /// position (is "contaminated") when its dependency cone reaches it: each 3x3 convolution at pooling level
    /// k widens the contaminated band by 1 position (2^k pixels), a 2x2 pooling turns a band of e positions
    /// into ceil(e/2), a ReLU changes nothing. An uncontaminated output depends only on uncontaminated
    /// values, so its value, the ReLU masks and pooling maxima in its cone, and its gradient with respect to
    /// the pixels are those of the whole image. VGG16 to relu5_1: 64 px; to relu4_2: 40 px.
    /// The result is rounded up to a multiple of `tileAlignment(for:)`, so that crops stay aligned.
    public func halo(for taps: [String]) throws -> Int {
        let depth = try taps.map { try index(of: $0) }.max() ?? -1
        var band = 0, level = 0, widest = 0
        if depth >= 0 {
            for i in 0...depth {
                switch layers[i].kind {
                case .conv: band += 1
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

    /// The multiple of which a crop's offset must be (2^poolings before the deepest tap, 16 for relu5_1), so
    /// that its 2x2 pooling windows are those of the whole image.
    public func tileAlignment(for taps: [String]) throws -> Int {
        try minimumInputSide(for: taps)
    }
}

extension VGG {
    /// The same network with each convolution's two directions pinned to the path `.automatic` takes for an
    /// input of `width` x `height`: run on a crop of that image (`TiledObjective`), every layer then takes the
    /// whole image's path. A crop run on `.automatic` would take im2col where its deep maps are small and the
    /// whole image's are not, and round differently there. (Winograd still rounds an output by its whole 4x4
    /// block, so outputs next to the halo's contaminated band round differently from the whole image's: on the
    /// Winograd path tiled and untiled agree to float32 rounding, not bit for bit; on im2col they agree to
    /// 4e-7 of the gradient's largest entry, measured at 512 px.)
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
