import ArgumentParser
import Engine
import FilterSupport
import Foundation
import ImageIO
import Visualization

@main
struct VisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "What do the network's units respond to? (Zeiler and Fergus 2013): the input patches behind each unit's strongest activations.",
        discussion: """
        Reads a PPM, PGM or PAM image, or a stream of any number of them back to back, on standard input, runs \
        the network on each (up to --layer), and keeps for every unit (channel) of the layer its K strongest \
        activations over all images and positions. Writes one PPM on standard output: a grid with one tile \
        per chosen unit (strongest unit first for --top, in list order for --units), each tile a mosaic of \
        the K input patches behind those activations, strongest first, left to right and top to bottom.

        A patch is the unit's receptive field in the input image (see --list-layers: 3 px at relu1_1, 24 px \
        at relu3_1, ...), scaled to --tile px (nearest neighbour up, area average down); the part of a field \
        that lies outside the image is mid gray. Only positive activations count; a unit that fired at fewer \
        than K places has dark empty cells. The K places of a unit are different places: two positions of \
        the same image whose field centers are closer than half the field in both directions are \
        duplicates, and only the stronger is kept. Thin dark lines separate patches, wide white ones units.

        Memory stays bounded however many images come in: per unit only the K best patches are kept (their \
        pixels, at most --tile px square), never the images.

        Examples:
          cat images/*.ppm | visualize --layer relu3_1 --top 16 > relu3_1.ppm
          visualize --layer relu1_1 --units 0-63 --tile 16 < a.ppm | pnmtopng > a.png
          for f in *.jpg; do jpegtopnm $f; done | visualize --layer relu4_1 > b.ppm
          visualize --layer relu4_1 --units 5,17,100-103 --patches 4 < a.ppm > c.ppm
          ffmpeg -i in.mp4 -r 1 -c:v ppm -f image2pipe - > frames.ppm
          visualize --layer relu2_1 < frames.ppm > d.ppm
          visualize --list-layers
        """)

    @Option(help: ArgumentHelp("The layer whose units to show (e.g. relu3_1; see --list-layers).", valueName: "layer"))
    var layer: String?

    @Option(help: ArgumentHelp("Show these units, in this order: indices and ranges, e.g. 0,5,12-20.", valueName: "list"))
    var units: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Show the n units with the largest activations (default: \(UnitSelection.defaultTop) when --units is not given).", valueName: "n"))
    var top: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Patches per unit, K (a square number gives a full square mosaic).", valueName: "k"))
    var patches = 9

    @Option(parsing: .unconditional, help: ArgumentHelp("Side of each patch in the grid, px.", valueName: "px"))
    var tile = Visualizer.defaultTile

    @Flag(help: "Print the layers with their channels, receptive field sizes and jumps, and exit.")
    var listLayers = false

    @OptionGroup var networkOptions: NetworkOptions

    @Flag(name: .shortAndLong, help: "No messages on stderr but errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print a line per tile: its unit, strongest activation and the places (image:x,y) of its patches.")
    var verbose = false

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unrecognized: [String] = []

    static func main() { Diagnostics.main(Self.self, program: "visualize") }

    mutating func validate() throws {
        try CommandError.refuseUnrecognized(unrecognized)
        if listLayers { return }
        if layer == nil { throw ValidationError("give a layer: --layer relu3_1 (--list-layers shows them)") }
        if units != nil && top != nil { throw ValidationError("give --units or --top, not both") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
        if patches < 1 { throw ValidationError("--patches must be at least 1") }
        if tile < 1 { throw ValidationError("--tile must be at least 1") }
    }

    func run() throws {
        let diagnostics = Diagnostics(program: "visualize", quiet: quiet)
        try diagnostics.run {
            if !listLayers { try StandardStreams.refuseTerminalOutput() }
            try VisualizeRun(command: self, diagnostics: diagnostics).run()
        }
    }
}
