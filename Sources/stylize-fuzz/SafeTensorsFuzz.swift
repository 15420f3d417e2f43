import Engine
import Foundation
import Style

/// safetensors bytes (header length, JSON, offsets, dtypes, shapes, metadata): parsed as a file, then
/// as VGG weights and as a Gram file. What parses must serialize and parse back to the same bytes.
enum SafeTensorsFuzz {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let file = try? SafeTensorsFile(bytes: Data(bytes)) else { return }
        for (name, tensor) in file.tensors {
            FuzzCheck.require(tensor.shape.allSatisfy { $0 >= 0 } && tensor.values.count == tensor.shape.reduce(1, *),
                              "tensor \(name): \(tensor.values.count) values for shape \(tensor.shape)")
        }
        let serialized = file.serialized()
        guard let again = try? SafeTensorsFile(bytes: serialized) else {
            FuzzCheck.require(false, "serialized file does not parse")
            return
        }
        FuzzCheck.require(again.serialized() == serialized, "serialization round trip differs")

        _ = try? VGG(weights: file, source: "input")

        guard let gram = try? GramFile(file: file, name: "input") else { return }
        FuzzCheck.require(gram.channels.count == gram.layers.count, "channels per layer")
        _ = gram.summary
        let reread = try? GramFile(file: gram.safeTensors, name: "again")
        FuzzCheck.require(reread?.safeTensors.serialized() == gram.safeTensors.serialized(), "Gram round trip differs")
    }
}
