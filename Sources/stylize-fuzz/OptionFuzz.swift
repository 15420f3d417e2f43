import FilterSupport
import Style
import Visualization

/// The option parsers, on any text: each returns what it documents or throws.
enum OptionFuzz {
    /// VGG's widest layer; parseUnits is fuzzed against a layer of this many units.
    static let channels = 512

    static func run(_ target: FuzzTarget, text: String) {
        switch target {
        case .schedule:
            guard let stages = try? Stage.parseSchedule(text) else { return }
            FuzzCheck.require(!stages.isEmpty && stages.last!.scale == 1, "schedule must end at scale 1")
            FuzzCheck.require(stages.allSatisfy { $0.scale > 0 && $0.scale <= 1 && $0.evaluations >= 0 }, "stage out of range")
            FuzzCheck.require(zip(stages, stages.dropFirst()).allSatisfy { $0.scale < $1.scale }, "scales must increase")
        case .styleLayers:
            guard let layers = try? parseWeightedLayers(text) else { return }
            FuzzCheck.require(!layers.isEmpty && layers.allSatisfy { !$0.name.isEmpty }, "empty layer name")
            FuzzCheck.require(layers.allSatisfy { $0.weight.isFinite && $0.weight >= 0 }, "weight not finite and >= 0")
        case .styleBlend:
            guard let weights = try? parseWeights(text) else { return }
            FuzzCheck.require(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "weight not finite and >= 0")
        case .units:
            guard let units = try? UnitSelection.parseUnits(text, channels: channels) else { return }
            FuzzCheck.require(units.allSatisfy { (0..<channels).contains($0) }, "unit out of range")
            FuzzCheck.require(Set(units).count == units.count, "unit listed twice")
        case .region:
            let specs = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
                try? RegionSpec(parsing: String(line))
            }
            for spec in specs {
                FuzzCheck.require(spec.weight.isFinite && spec.weight >= 0, "weight not finite and >= 0")
                FuzzCheck.require(spec.style.map { !$0.isEmpty && $0 != "none" } ?? true, "empty style")
                // Written back in the R,G,B form with its weight, the value parses to the same region.
                let color = spec.color
                let again = "\(color.red),\(color.green),\(color.blue)=\(spec.style ?? "none"):\(spec.weight)"
                FuzzCheck.require((try? RegionSpec(parsing: again)) == spec, "no round trip through \(again)")
            }
            _ = try? checkRegions(specs)
        case .netpbm, .safetensors:
            FuzzCheck.require(false, "not an option target")
        }
    }
}
