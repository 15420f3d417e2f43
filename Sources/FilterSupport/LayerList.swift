import Style

/// Parses "relu1_1,relu2_1:0.5,...": layer names with optional weights; a layer without one gets 1/count.
/// A weight must be finite and >= 0 ("inf" and "nan" parse as Doubles and are refused).
/// A weight must be finite and >= 0 ("inf" and "nan" parse as Doubles and are refused).
public func parseWeightedLayers(_ text: String) throws -> [WeightedLayer] {
    let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !items.isEmpty, items.allSatisfy({ !$0.isEmpty }) else { throw CommandError.badValue("empty layer list \"\(text)\"") }
    return try items.map { item in
        let parts = item.split(separator: ":", omittingEmptySubsequences: false)
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        // A name is required: ":0.5" was read as the layer "" (found by scripts/fuzz style-layers).
        guard parts.count <= 2, !name.isEmpty else { throw CommandError.badValue("bad layer \"\(item)\": expected NAME or NAME:WEIGHT") }
        var weight = 1 / Double(items.count)
        if parts.count == 2 {
            guard let w = Double(parts[1]), w.isFinite, w >= 0 else { throw CommandError.badValue("bad weight in \"\(item)\"") }
            weight = w
        }
        return WeightedLayer(name, weight: weight)
    }
}

/// The text `parseWeightedLayers` reads back: "relu1_1,relu2_1" when the weights are all 1/count, else
/// "relu1_1:0.5,relu2_1:0.25".
public func describeWeightedLayers(_ layers: [WeightedLayer]) -> String {
    if layers == WeightedLayer.equal(layers.map(\.name)) { return layers.map(\.name).joined(separator: ",") }
    return layers.map { "\($0.name):\($0.weight)" }.joined(separator: ",")
}

/// Parses "0.7,0.3": finite weights >= 0.
public func parseWeights(_ text: String) throws -> [Double] {
    try text.split(separator: ",").map {
        guard let w = Double($0.trimmingCharacters(in: .whitespaces)), w.isFinite, w >= 0 else { throw CommandError.badValue("bad weight \"\($0)\" in \"\(text)\"") }
        return w
    }
}

import Foundation
