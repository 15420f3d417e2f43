import Engine
import ImageIO

/// Zeiler and Fergus's view of a layer: runs the network on each image of a stream up to the layer,
/// keeps each unit's strongest activations (`TopPatches`), and draws the chosen units' patches (`GridLayout`).
public final class Visualizer {
    public let network: VGG
    public let layer: String
    public let layerIndex: Int
    public let channels: Int
    public let field: ReceptiveField
    public let tile: Int
    public let collector: TopPatches
    /// The smallest side an input may have (one position at the layer: 2^poolings px).
    public let minimumSide: Int

    /// The default patch side in the grid, px.
    public static let defaultTile = 64

    public init(network: VGG, layer: String, patchesPerUnit: Int = 9, tile: Int = Visualizer.defaultTile) throws {
        guard patchesPerUnit >= 1 else { throw VisualizationError.badParameter("the number of patches must be at least 1") }
        guard tile >= 1 else { throw VisualizationError.badParameter("the tile size must be at least 1 px") }
        self.network = network
        self.layer = layer
        layerIndex = try network.index(of: layer)
        channels = network.channels(at: layerIndex)
        field = network.receptiveField(at: layerIndex)
        self.tile = tile
        minimumSide = 1 << network.poolings(before: layerIndex)
        collector = TopPatches(units: channels, perUnit: patchesPerUnit, field: field, tile: tile)
    }

    /// Images added so far.
    public var imageCount: Int { collector.imageCount }

    /// Runs the network on the next image of the stream and keeps what its units respond to most.
    public func add(_ image: RGBImage) throws {
        guard image.width >= minimumSide, image.height >= minimumSide else {
            throw VisualizationError.imageTooSmall(width: image.width, height: image.height, layer: layer, minimum: minimumSide)
        }
        let x = network.input.networkInput(pixels: image.pixels, width: image.width, height: image.height)
        let activations = try network.forward(x, taps: [layer], keepForBackward: false)
        let activation = activations.taps[layer]!   // forward returns every tap it was asked for
        collector.add(image: image, activation: activation)
    }

    /// The units chosen by `selection`, in tile order, with their patches.
    public func tiles(_ selection: UnitSelection) -> [(unit: Int, patches: [Patch])] {
        selection.resolve(maxima: collector.maxima).map { ($0, collector.units[$0]) }
    }

    /// The grid picture of the chosen units.
    public func grid(_ chosen: [(unit: Int, patches: [Patch])]) -> NetpbmImage {
        let layout = GridLayout(units: max(1, chosen.count), patchesPerUnit: collector.perUnit, tile: tile)
        var tiles = chosen.map(\.patches)
        if tiles.isEmpty { tiles = [[]] }
        return layout.render(tiles)
    }
}
