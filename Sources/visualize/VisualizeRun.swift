import Engine
import FilterSupport
import Foundation
import ImageIO
import Visualization

/// One invocation: loads the network, reads every image of standard input, then writes the grid.
struct VisualizeRun {
    let command: VisualizeCommand
    let diagnostics: Diagnostics

    func run() throws {
        let network = try command.networkOptions.loadNetwork()
        if command.listLayers {
            print(Self.layerTable(network), terminator: "")
            return
        }
        let visualizer = try Visualizer(network: network, layer: command.layer!, patchesPerUnit: command.patches, tile: command.tile)
        // Parse the unit list before reading anything, so a bad one fails at once.
        let selection: UnitSelection = try command.units.map {
            .units(try UnitSelection.parseUnits($0, channels: visualizer.channels))
        } ?? .top(command.top ?? UnitSelection.defaultTop)
        if case .top(let n) = selection, n > visualizer.channels {
            diagnostics.message("\(visualizer.layer) has \(visualizer.channels) units: showing all of them")
        }
        StandardStreams.announceTerminalInput("images", diagnostics: diagnostics)
        let reader = try NetpbmReader(fileDescriptor: 0, name: "stdin")
        let started = Date()
        while true {
            let number = visualizer.imageCount + 1
            let input: NetpbmImage
            do {
                guard let next = try reader.next() else { break }
                input = next
            } catch {
                throw CommandError.image(number, error)
            }
            let imageStarted = Date()
            do {
                try visualizer.add(input.rgb())
            } catch {
                throw CommandError.image(number, error)
            }
            diagnostics.message("image \(number): \(input.width)x\(input.height), "
                                + String(format: "%.2f s", Date().timeIntervalSince(imageStarted)))
        }
        guard visualizer.imageCount > 0 else { throw CommandError.noImageOnStandardInput }

        let tiles = visualizer.tiles(selection)
        let grid = visualizer.grid(tiles)
        let writer = try NetpbmWriter(fileDescriptor: 1, name: "stdout")
        try writer.write(grid)
        let field = visualizer.field
        diagnostics.message("\(visualizer.imageCount) image\(visualizer.imageCount == 1 ? "" : "s"), "
                            + "\(visualizer.layer): \(visualizer.channels) units, receptive field \(field.size) px, jump \(field.jump); "
                            + "\(tiles.count) tiles of \(visualizer.collector.perUnit) patches, \(grid.width)x\(grid.height) grid, "
                            + String(format: "%.1f s", Date().timeIntervalSince(started)))
        for (slot, tile) in tiles.enumerated() where command.verbose {
            let best = tile.patches.first.map { String(format: "max %.4g", Double($0.activation)) } ?? "never fired"
            let places = tile.patches.map { p in
                "\(p.image):\(Self.coordinate(field.center(p.x))),\(Self.coordinate(field.center(p.y)))"
            }
            diagnostics.message("tile \(slot + 1) (row \(slot / Self.columns(tiles.count) + 1), column \(slot % Self.columns(tiles.count) + 1)): "
                                + "unit \(tile.unit), \(best)"
                                + (places.isEmpty ? "" : "; image:x,y \(places.joined(separator: " "))"))
        }
    }

    static func columns(_ count: Int) -> Int {
        GridLayout(units: max(1, count), patchesPerUnit: 1, tile: 1).columns
    }

    static func coordinate(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// One line per layer: name, channels, receptive field, jump, center of the first position.
    static func layerTable(_ network: VGG) -> String {
        let fields = ReceptiveField.fields(of: network.layers)
        var lines = ["layer     units  field  jump  center0   (\(network.architecture); field and jump in input px, center0: center of position 0)"]
        for (i, layer) in network.layers.enumerated() {
            let f = fields[i]
            let name = layer.name.padding(toLength: 9, withPad: " ", startingAt: 0)
            lines.append("\(name) \(pad(network.channels(at: i), 5))  \(pad(f.size, 5))  \(pad(f.jump, 4))  \(pad(coordinate(f.center(0)), 7))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ value: Any, _ width: Int) -> String {
        let text = "\(value)"
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
