import Engine

/// What the style cost compares against: one normalized Gram matrix per style layer.
/// Computed from a style image, read from a Gram file, or blended from several of either.
public struct StyleTarget: Sendable, Equatable {
    /// Layer name -> row-major C x C normalized Gram matrix.
    public var grams: [String: [Float]]
    /// The style image's pixels (interleaved RGB, 0...255) for `--colors histogram`; nil for a Gram file.
    /// A blend holds the pixels of all its images, or nil if any part has none.
    public var palette: [Float]?

    public init(grams: [String: [Float]], palette: [Float]? = nil) {
        self.grams = grams
        self.palette = palette
    }

    /// The Grams of an image's features at the given layers.
    public init(network: VGG, pixels: [Float], width: Int, height: Int, layers: [String]) throws {
        let x = network.input.networkInput(pixels: pixels, width: width, height: height)
        let result = try network.forward(x, taps: layers, keepForBackward: false)
        var grams: [String: [Float]] = [:]
        for layer in layers { grams[layer] = Gram.matrix(result.taps[layer]!) }
        self.init(grams: grams)
    }

    /// The same Grams computed tile by tile (`TileGrid`, as `TiledObjective`'s pass 1): each crop's interior
    /// positions are added to the layers' Gram sums, so only one crop's activations are held at a time (a
    /// 4096 px style image's forward pass alone needs about 8 GB). Equal to the untiled Grams up to float32
    /// rounding (`TiledObjectiveTests.testTiledStyleTargetEqualsUntiled`). `tileSize`: a positive multiple of `network.tileAlignment(for:)`.
    public init(network: VGG, pixels: [Float], width: Int, height: Int, layers: [String], tileSize: Int) throws {
        let grid = try TileGrid(network: network, layers: layers, width: width, height: height, tileSize: tileSize)
        let network = network.pinned(forInputWidth: width, height: height)
        var sums = try TiledGramSums(network: network, layers: layers)
        try pixels.withUnsafeBufferPointer { image in
            for tile in grid.tiles {
                let x = network.input.networkInput(pixels: TileGrid.crop(image, width: width, tile.crop),
                                                   width: tile.crop.width, height: tile.crop.height)
                sums.add(try network.forward(x, taps: layers, keepForBackward: false).taps, of: tile)
            }
        }
        self.init(grams: try sums.grams(network: network, width: width, height: height))
    }

    /// The pixels kept as a style's palette (`--colors histogram`): all of them up to `limit` pixels, else every
    /// k-th pixel, k the least that brings them within it. The histograms of a sample that large match the
    /// whole image's to a fraction of a level; a 4096 px style image's pixels would be 201 MB (issue 17).
    public static func paletteSample(_ pixels: [Float], limit: Int = 1 << 20) -> [Float] {
        let count = pixels.count / 3
        guard count > limit else { return pixels }
        let k = (count + limit - 1) / limit
        return stride(from: 0, to: count, by: k).flatMap { pixels[(3 * $0)..<(3 * $0 + 3)] }
    }

    /// Σ wᵢ targetᵢ, the weights normalized to sum to 1: several styles blended into one target.
    public static func blend(_ parts: [(target: StyleTarget, weight: Double)]) throws -> StyleTarget {
        guard let first = parts.first else { throw StyleError.blend("nothing to blend") }
        let total = parts.reduce(0) { $0 + $1.weight }
        guard total > 0, parts.allSatisfy({ $0.weight >= 0 }) else { throw StyleError.blend("blend weights must be non-negative and not all zero") }
        var grams: [String: [Float]] = [:]
        for (layer, gram) in first.target.grams {
            var sum = [Float](repeating: 0, count: gram.count)
            for part in parts {
                guard let other = part.target.grams[layer], other.count == gram.count else {
                    throw StyleError.blend("cannot blend: the styles do not have the same layers (\(layer))")
                }
                let w = Float(part.weight / total)
                for i in 0..<sum.count { sum[i] += w * other[i] }
            }
            grams[layer] = sum
        }
        guard parts.allSatisfy({ Set($0.target.grams.keys) == Set(grams.keys) }) else {
            throw StyleError.blend("cannot blend: the styles do not have the same layers")
        }
        let palettes = parts.map(\.target.palette)
        return StyleTarget(grams: grams, palette: palettes.contains { $0 == nil } ? nil : palettes.flatMap { $0! })
    }
}

extension StyleTarget {
    /// Refuses a target without a C x C Gram matrix for each of `layers` of `network`.
    func check(network: VGG, layers: [WeightedLayer]) throws {
        for layer in layers {
            let channels = network.channels(at: try network.index(of: layer.name))
            guard let gram = grams[layer.name] else { throw StyleError.missingGram(layer: layer.name) }
            guard gram.count == channels * channels else {
                throw StyleError.gramSize(layer: layer.name, entries: gram.count, channels: channels)
            }
        }
    }
}
