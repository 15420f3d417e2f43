import Engine
import Foundation

/// A style signature on disk: the normalized Gram matrices of a style image, as safetensors
/// (`gram.<layer>`, C x C float32) with metadata saying how they were made, so that a file from other
/// weights, layers or preprocessing is refused with the mismatch named rather than used.
public struct GramFile: Sendable, Equatable {
    public static let formatName = "stylize-gram"
    public static let version = "1"

    /// Layer names in order, with their Grams.
    public var layers: [String]
    public var target: StyleTarget
    public var styleWidth: Int
    public var styleHeight: Int
    public var architecture: String
    public var weightsFingerprint: String
    public var preprocessing: String
    /// Free text: what the signature was made from (a file name, or a blend).
    public var source: String

    public init(layers: [String], target: StyleTarget, styleWidth: Int, styleHeight: Int,
                architecture: String, weightsFingerprint: String, preprocessing: String, source: String) {
        self.layers = layers
        self.target = target
        self.styleWidth = styleWidth
        self.styleHeight = styleHeight
        self.architecture = architecture
        self.weightsFingerprint = weightsFingerprint
        self.preprocessing = preprocessing
        self.source = source
    }

    /// The signature of a style image as `network` sees it.
    public init(layers: [String], target: StyleTarget, styleWidth: Int, styleHeight: Int,
                network: VGG, source: String) {
        self.init(layers: layers, target: target, styleWidth: styleWidth, styleHeight: styleHeight,
                  architecture: network.architecture, weightsFingerprint: network.fingerprint,
                  preprocessing: network.preprocessingDescription, source: source)
    }

    /// Mixes signatures made with the same network and layers: Σ wᵢ gᵢ with the weights normalized.
    public static func blend(_ parts: [(file: GramFile, name: String, weight: Double)]) throws -> GramFile {
        guard let first = parts.first else { throw StyleError.blend("nothing to blend") }
        for part in parts.dropFirst() {
            guard part.file.weightsFingerprint == first.file.weightsFingerprint, part.file.preprocessing == first.file.preprocessing else {
                throw StyleError.blend("\(part.name) was made with other weights or preprocessing than \(first.name)")
            }
            guard part.file.layers == first.file.layers else {
                throw StyleError.blend("\(part.name) has layers \(part.file.layers.joined(separator: ",")), \(first.name) has \(first.file.layers.joined(separator: ","))")
            }
        }
        let target = try StyleTarget.blend(parts.map { ($0.file.target, $0.weight) })
        let source = "blend of " + parts.map { "\($0.name):\($0.weight)" }.joined(separator: ", ")
        var file = first.file
        file.target = target
        file.source = source
        return file
    }

    public var channels: [Int] {
        layers.map { Int(Double(target.grams[$0]!.count).squareRoot()) }
    }

    public var safeTensors: SafeTensorsFile {
        var tensors: [String: NamedTensor] = [:]
        for (layer, c) in zip(layers, channels) {
            tensors["gram.\(layer)"] = NamedTensor(shape: [c, c], values: target.grams[layer]!)
        }
        return SafeTensorsFile(tensors: tensors, metadata: [
            "format": GramFile.formatName,
            "format_version": GramFile.version,
            "layers": layers.joined(separator: ","),
            "channels": channels.map(String.init).joined(separator: ","),
            "style_size": "\(styleWidth)x\(styleHeight)",
            "network": architecture,
            "weights_fingerprint": weightsFingerprint,
            "preprocessing": preprocessing,
            "normalization": "per position: G = A A^T / (nH nW)",
            "source": source,
        ])
    }

    public func write(to path: String) throws {
        try safeTensors.write(to: path)
    }

    /// Reads and checks a Gram file; errors name the path and what is wrong.
    public init(path: String) throws {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: path)
        } catch let error as EngineError {
            throw StyleError.gramFile(name: "", problem: error.description)
        }
        try self.init(file: file, name: path)
    }

    public init(file: SafeTensorsFile, name: String) throws {
        func fail(_ message: String) -> StyleError { .gramFile(name: name, problem: message) }
        let meta = file.metadata
        guard meta["format"] == GramFile.formatName else { throw fail("not a Gram file (no format=\(GramFile.formatName) in its metadata)") }
        guard meta["format_version"] == GramFile.version else {
            throw fail("Gram file version \(meta["format_version"] ?? "?"), this program reads version \(GramFile.version)")
        }
        guard let layerList = meta["layers"], let channelList = meta["channels"], let size = meta["style_size"],
              let network = meta["network"], let fingerprint = meta["weights_fingerprint"], let preprocessing = meta["preprocessing"]
        else { throw fail("Gram file metadata is incomplete") }
        let layers = layerList.split(separator: ",").map(String.init)
        let channels = channelList.split(separator: ",").compactMap { Int($0) }
        let dims = size.split(separator: "x").compactMap { Int($0) }
        guard !layers.isEmpty, channels.count == layers.count, dims.count == 2 else { throw fail("Gram file metadata is malformed") }
        var grams: [String: [Float]] = [:]
        for (layer, c) in zip(layers, channels) {
            guard let tensor = file.tensors["gram.\(layer)"] else { throw fail("Gram matrix for \(layer) is missing") }
            guard tensor.shape == [c, c] else { throw fail("Gram matrix for \(layer) has shape \(tensor.shape), expected [\(c), \(c)]") }
            guard tensor.values.allSatisfy({ $0.isFinite }) else { throw fail("Gram matrix for \(layer) holds non-finite values") }
            grams[layer] = tensor.values
        }
        self.layers = layers
        self.target = StyleTarget(grams: grams)
        self.styleWidth = dims[0]
        self.styleHeight = dims[1]
        self.architecture = network
        self.weightsFingerprint = fingerprint
        self.preprocessing = preprocessing
        self.source = meta["source"] ?? ""
    }

    /// Refuses a file that was made with other weights or preprocessing, or lacks a requested layer.
    public func check(network: VGG, layers wanted: [String], name: String) throws {
        guard weightsFingerprint == network.fingerprint, architecture == network.architecture else {
            throw StyleError.gramFile(name: name, problem: "made with other weights (\(architecture), fingerprint \(weightsFingerprint)); these are \(network.architecture), fingerprint \(network.fingerprint)")
        }
        guard preprocessing == network.preprocessingDescription else {
            throw StyleError.gramFile(name: name, problem: "made with other preprocessing (\(preprocessing)); now \(network.preprocessingDescription)")
        }
        let missing = wanted.filter { !layers.contains($0) }
        guard missing.isEmpty else {
            throw StyleError.gramFile(name: name, problem: "has no Gram matrix for \(missing.joined(separator: ", ")) (it holds \(layers.joined(separator: ", ")))")
        }
    }

    /// What the file holds, for people (`gram --info`).
    public var summary: String {
        var lines = ["format: \(GramFile.formatName) version \(GramFile.version)",
                     "source: \(source)",
                     "style image: \(styleWidth)x\(styleHeight) px",
                     "network: \(architecture), weights fingerprint \(weightsFingerprint)",
                     "preprocessing: \(preprocessing)",
                     "layers:"]
        for (layer, c) in zip(layers, channels) {
            let g = target.grams[layer]!
            let trace = (0..<c).reduce(0.0) { $0 + Double(g[$1 * c + $1]) }
            lines.append("  \(layer): \(c)x\(c), trace \(scientificText(trace))")
        }
        return lines.joined(separator: "\n")
    }

    private func scientificText(_ v: Double) -> String { String(format: "%.4g", v) }
}
