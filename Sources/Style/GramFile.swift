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
                network: VGG, source: String) {
        self.layers = layers
        self.target = target
        self.styleWidth = styleWidth
        self.styleHeight = styleHeight
        self.architecture = network.architecture
        self.weightsFingerprint = network.fingerprint
        self.preprocessing = network.preprocessingDescription
        self.source = source
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
        } catch let error as SafeTensorsError {
            throw StyleError(error.message)
        }
        try self.init(file: file, name: path)
    }

    public init(file: SafeTensorsFile, name: String) throws {
        func fail(_ message: String) -> StyleError { StyleError("\(name): \(message)") }
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
            throw StyleError("\(name): made with other weights (\(architecture), fingerprint \(weightsFingerprint)); these are \(network.architecture), fingerprint \(network.fingerprint)")
        }
        guard preprocessing == network.preprocessingDescription else {
            throw StyleError("\(name): made with other preprocessing (\(preprocessing)); now \(network.preprocessingDescription)")
        }
        let missing = wanted.filter { !layers.contains($0) }
        guard missing.isEmpty else {
            throw StyleError("\(name): has no Gram matrix for \(missing.joined(separator: ", ")) (it holds \(layers.joined(separator: ", ")))")
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
