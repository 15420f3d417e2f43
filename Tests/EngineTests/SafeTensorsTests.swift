import Foundation
import XCTest
@testable import Engine
import TestSupport

final class SafeTensorsTests: XCTestCase {
    let sample = SafeTensorsFile(
        tensors: ["a": NamedTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]),
                  "b.bias": NamedTensor(shape: [1], values: [0.25])],
        metadata: ["format": "test", "note": "x"])

    func testRoundTrip() throws {
        XCTAssertEqual(try SafeTensorsFile(bytes: sample.serialized()), sample)
    }

    /// The header is what Python's safetensors expects: length-prefixed JSON with F32 dtype and offsets, 8-byte aligned.
    func testLayout() throws {
        let bytes = sample.serialized()
        let length = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertEqual(length % 8, 0)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
        let a = try XCTUnwrap(header["a"] as? [String: Any])
        XCTAssertEqual(a["dtype"] as? String, "F32")
        XCTAssertEqual(a["shape"] as? [Int], [2, 3])
        XCTAssertEqual(a["data_offsets"] as? [Int], [0, 24])
        XCTAssertEqual(bytes.count, 8 + length + 28)
    }

    /// Written tensor by tensor from their sources: the same bytes as `serialized()`; read one tensor at a
    /// time: the same values, a missing name nil, and a file cut short after its header was read an error
    /// when the tensor is read, not a short array.
    func testStreamedWriteAndReadMatchTheWholeFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        try SafeTensorsFile.write(metadata: sample.metadata,
                                  tensors: sample.tensors.mapValues { TensorWriteSource(shape: $0.shape, values: $0.values) }, to: fd)
        close(fd)
        XCTAssertEqual(FileManager.default.contents(atPath: path), sample.serialized())
        let reader = try SafeTensorsReader(path: path)
        XCTAssertEqual(reader.metadata, sample.metadata)
        XCTAssertEqual(reader.entries["a"]?.shape, [2, 3])
        XCTAssertEqual(try reader.values(named: "a"), sample.tensors["a"]!.values)
        XCTAssertEqual(try reader.values(named: "b.bias"), [0.25])
        XCTAssertNil(try reader.values(named: "c"))
        XCTAssertEqual(truncate(path, off_t(sample.serialized().count - 2)), 0)
        XCTAssertThrowsError(try reader.values(named: "b.bias")) { error in
            XCTAssertEqual("\(error)", "\(path): ends early (truncated?)")
        }
        XCTAssertThrowsError(try SafeTensorsReader(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): tensor b.bias: data lies outside the file (truncated?)")
        }
        XCTAssertThrowsError(try SafeTensorsReader(path: "/nonexistent/w.safetensors")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/w.safetensors: no such file")
        }
    }

    func testTruncatedFileIsRefused() {
        let bytes = sample.serialized()
        XCTAssertThrowsError(try SafeTensorsFile(bytes: bytes.prefix(bytes.count - 4))) { error in
            XCTAssertEqual("\(error)", "tensor b.bias: data lies outside the file (truncated?)")
        }
    }

    func testForeignFilesAreRefused() {
        XCTAssertThrowsError(try SafeTensorsFile(bytes: Data("P6\n1 1\n255\nabc".utf8))) { error in
            XCTAssertEqual("\(error)", "not a safetensors file (bad header length)")
        }
        XCTAssertThrowsError(try SafeTensorsFile(bytes: Data([1, 2, 3]))) { error in
            XCTAssertEqual("\(error)", "not a safetensors file (too short)")
        }
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: "/nonexistent/w.safetensors")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/w.safetensors: no such file")
        }
    }

    /// Headers found by scripts/fuzz (inputs kept in fuzz/corpus/safetensors): a shape whose element count
    /// overflows Int, and a conv0_k key, which indexed the block list at -1. Both are refused with a message.
    func testHostileHeadersAreRefused() throws {
        func file(_ header: String, payload: Int = 0) -> Data {
            var json = Data(header.utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            var bytes = Data()
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
            return bytes + json + Data(count: payload)
        }
        let huge = file(#"{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#)
        XCTAssertThrowsError(try SafeTensorsFile(bytes: huge)) { error in
            XCTAssertEqual("\(error)", "tensor t: shape [4294967296, 4294967296] is too large")
        }
        let blockZero = try SafeTensorsFile(bytes: file(#"{"conv0_2.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, payload: 4))
        XCTAssertThrowsError(try VGG(weights: blockZero, source: "w.safetensors")) { error in
            XCTAssertEqual("\(error)", "w.safetensors: conv0_2 is out of sequence")
        }
    }

    /// Weights whose shapes do not chain are refused with the layer named, never run.
    func testWrongWeightShapesAreRefused() {
        func conv(_ o: Int, _ i: Int) -> [String: NamedTensor] {
            ["weight": NamedTensor(shape: [o, i, 3, 3], values: [Float](repeating: 0, count: o * i * 9)),
             "bias": NamedTensor(shape: [o], values: [Float](repeating: 0, count: o))]
        }
        var tensors: [String: NamedTensor] = [:]
        for (name, pair) in [("conv1_1", conv(4, 3)), ("conv1_2", conv(4, 5))] {
            for (key, t) in pair { tensors["\(name).\(key)"] = t }
        }
        XCTAssertThrowsError(try VGG(weights: SafeTensorsFile(tensors: tensors), source: "w.safetensors")) { error in
            XCTAssertEqual("\(error)", "w.safetensors: conv1_2.weight has shape [4, 5, 3, 3], expected [C, 4, 3, 3]")
        }
        tensors["conv1_2.weight"] = conv(4, 4)["weight"]
        tensors["conv1_2.bias"] = nil
        XCTAssertThrowsError(try VGG(weights: SafeTensorsFile(tensors: tensors), source: "w.safetensors")) { error in
            XCTAssertEqual("\(error)", "w.safetensors: conv1_2.bias is missing")
        }
        tensors["conv1_2.bias"] = conv(4, 4)["bias"]
        let net = try? VGG(weights: SafeTensorsFile(tensors: tensors))
        XCTAssertEqual(net?.architecture, "vgg")
        XCTAssertEqual(net?.tapNames, ["conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1"])
    }

    func testInputConventionFromMetadata() throws {
        let torch = try InputConvention(metadata: ["input_channels": "RGB", "input_range": "1",
                                                   "input_mean": "0.485,0.456,0.406", "input_std": "0.229,0.224,0.225"])
        let x = torch.networkInput(pixels: [255, 0, 127.5], width: 1, height: 1)
        // Values of about 2, a few float32 roundings each (u·2 ≈ 1.2e-7 per rounding): 1e-5 is far above
        // rounding and far below any mistake in channel order, range or mean (at least 0.1 here).
        XCTAssertEqual(x.data[0], (1 - 0.485) / 0.229, accuracy: 1e-5)
        XCTAssertEqual(x.data[1], (0 - 0.456) / 0.224, accuracy: 1e-5)
        XCTAssertEqual(x.data[2], (0.5 - 0.406) / 0.225, accuracy: 1e-5)
        let caffe = InputConvention.caffe.networkInput(pixels: [10, 20, 30], width: 1, height: 1)
        XCTAssertEqual(caffe.data, [30 - 104.00699, 20 - 116.66877, 10 - 122.67892])
        // The pixel gradient is the chain rule through that affine map: BGR reversed, scaled by range/255/std.
        let g = torch.pixelGradient(Tensor(channels: 3, height: 1, width: 1, data: [1, 1, 1]))
        XCTAssertEqual(g[0], 1 / 255 / 0.229, accuracy: 1e-7)  // about 0.017: 1e-7 is a few of its float32 roundings
        XCTAssertEqual(InputConvention.caffe.pixelGradient(Tensor(channels: 3, height: 1, width: 1, data: [1, 2, 3])), [3, 2, 1])
        XCTAssertThrowsError(try InputConvention(metadata: ["input_channels": "GRB"])) { error in
            XCTAssertEqual("\(error)", "metadata input_channels=\"GRB\": expected BGR or RGB")
        }
    }
}
