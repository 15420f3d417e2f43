import Foundation

/// One step of a VGG feature stack.
public enum LayerKind: Sendable {
    case conv(Conv2D)
    case relu
    case pool
}

public struct Layer: Sendable {
    public let name: String
    public let kind: LayerKind
}

/// A VGG feature stack (VGG16, VGG19, or any conv{b}_{k} chain of 3x3 convolutions) built from a
/// weights file: the layer list follows from the keys present. Taps are named like the layers:
/// conv3_1, relu3_1, pool3.
public final class VGG: Sendable {
    public let layers: [Layer]
    public let input: InputConvention
    public let pooling: PoolingKind
    /// "vgg16", "vgg19", or "vgg" for another block structure.
    public let architecture: String
    /// How every convolution of the network runs.
    public let convolution: ConvolutionSettings

    public init(weights file: SafeTensorsFile, pooling: PoolingKind = .max, source: String = "weights",
                convolution: ConvolutionSettings = .defaults) throws {
        func fail(_ message: String) -> EngineError { .malformed("\(source): \(message)") }
        var convs: [(block: Int, index: Int)] = []
        for key in file.tensors.keys where key.hasPrefix("conv") && key.hasSuffix(".weight") {
            let parts = key.dropFirst(4).dropLast(7).split(separator: "_")
            guard parts.count == 2, let b = Int(parts[0]), let k = Int(parts[1]) else { continue }
            convs.append((b, k))
        }
        convs.sort { ($0.block, $0.index) < ($1.block, $1.index) }
        guard !convs.isEmpty else { throw fail("no convolution weights (conv1_1.weight ...) found") }
        var blockSizes: [Int] = []
        for (b, k) in convs {
            if k == 1 {
                guard b == blockSizes.count + 1 else { throw fail("conv\(b)_1 follows block \(blockSizes.count): blocks must be numbered 1, 2, ...") }
                blockSizes.append(1)
            } else {
                // b >= 1 first: conv0_2 with no block yet read would index blockSizes[-1] (found by scripts/fuzz).
                guard b >= 1, b == blockSizes.count, k == blockSizes[b - 1] + 1 else { throw fail("conv\(b)_\(k) is out of sequence") }
                blockSizes[b - 1] = k
            }
        }
        var layers: [Layer] = []
        var channels = 3
        for (b, size) in blockSizes.enumerated() {
            for k in 1...size {
                let name = "conv\(b + 1)_\(k)"
                guard let w = file.tensors["\(name).weight"] else { throw fail("\(name).weight is missing") }
                guard let bias = file.tensors["\(name).bias"] else { throw fail("\(name).bias is missing") }
                guard w.shape.count == 4, w.shape[1] == channels, w.shape[2] == 3, w.shape[3] == 3, w.shape[0] > 0 else {
                    throw fail("\(name).weight has shape \(w.shape), expected [C, \(channels), 3, 3]")
                }
                let out = w.shape[0]
                guard bias.shape == [out] else { throw fail("\(name).bias has shape \(bias.shape), expected [\(out)]") }
                layers.append(Layer(name: name, kind: .conv(Conv2D(inChannels: channels, outChannels: out,
                                                                    weight: w.values, bias: bias.values, settings: convolution))))
                layers.append(Layer(name: "relu\(b + 1)_\(k)", kind: .relu))
                channels = out
            }
            layers.append(Layer(name: "pool\(b + 1)", kind: .pool))
        }
        self.layers = layers
        self.pooling = pooling
        self.convolution = convolution
        do {
            self.input = try InputConvention(metadata: file.metadata)
        } catch let error as EngineError {
            throw error.from(source)
        }
        switch blockSizes {
        case [2, 2, 3, 3, 3]: architecture = "vgg16"
        case [2, 2, 4, 4, 4]: architecture = "vgg19"
        default: architecture = "vgg"
        }
    }

    public convenience init(path: String, pooling: PoolingKind = .max, convolution: ConvolutionSettings = .defaults) throws {
        try self.init(weights: try SafeTensorsFile(contentsOf: path), pooling: pooling, source: path, convolution: convolution)
    }

    init(layers: [Layer], input: InputConvention, pooling: PoolingKind, architecture: String,
                 convolution: ConvolutionSettings) {
        self.layers = layers
        self.input = input
        self.pooling = pooling
        self.architecture = architecture
        self.convolution = convolution
    }

    /// The same network (sharing its weights and derived kernels) with its convolutions run another way.
    public func using(_ settings: ConvolutionSettings) -> VGG {
        let layers = self.layers.map { layer -> Layer in
            guard case .conv(let conv) = layer.kind else { return layer }
            return Layer(name: layer.name, kind: .conv(conv.using(settings)))
        }
        return VGG(layers: layers, input: input, pooling: pooling, architecture: architecture, convolution: settings)
    }

    /// The same network with every convolution on one path: how benchmarks and tests pin it.
    public func using(_ algorithm: ConvolutionAlgorithm) -> VGG {
        var s = convolution
        s.algorithm = algorithm
        s.backwardAlgorithm = nil
        return using(s)
    }

    public var tapNames: [String] { layers.map(\.name) }

    /// The index of a named layer, or an error listing the valid names.
    public func index(of tap: String) throws -> Int {
        guard let i = layers.firstIndex(where: { $0.name == tap }) else {
            let relus = layers.filter { $0.name.hasPrefix("relu") }.map(\.name)
            throw EngineError.unknownLayer(tap, available: relus)
        }
        return i
    }

    /// Channels of a layer's output.
    public func channels(at index: Int) -> Int {
        for i in stride(from: index, through: 0, by: -1) {
            if case .conv(let conv) = layers[i].kind { return conv.outChannels }
        }
        return 3
    }

    /// What a forward pass leaves behind: the requested taps and what backward needs.
    ///
    /// Backward needs no activation itself: a convolution's input gradient depends only on its weights, a ReLU's
    /// on where its output was positive (one bit per element), and a max pooling's on which element of each
    /// window was the maximum (one byte per output). So that is all that is kept, a 32nd of the activations.
    public struct Activations: Sendable {
        /// Tap name -> activation.
        public var taps: [String: Tensor]
        /// Where the output of every ReLU up to the deepest tap was positive.
        var reluMasks: [Int: BitMask]
        /// The windows' maxima of every pooling up to the deepest tap (nil for average pooling), and its input shape.
        var poolings: [Int: (shape: [Int], windows: PoolingWindows?)]
        /// Index of the deepest layer run.
        var depth: Int

        /// Bytes kept for backward (the masks and pooling windows, not the taps).
        public var backwardBytes: Int {
            reluMasks.values.reduce(0) { $0 + $1.byteCount } + poolings.values.reduce(0) { $0 + ($1.windows?.byteCount ?? 0) }
        }
    }

    /// Runs the stack up to the deepest requested tap. With `keepForBackward`, what `backward` needs is kept.
    public func forward(_ x: Tensor, taps: [String], keepForBackward: Bool = true) throws -> Activations {
        let indices = try taps.map { try index(of: $0) }
        let depth = indices.max() ?? -1
        let wanted = Set(taps)
        var result = Activations(taps: [:], reluMasks: [:], poolings: [:], depth: depth)
        guard depth >= 0 else { return result }
        var current = x
        for i in 0...depth {
            let layer = layers[i]
            switch layer.kind {
            case .conv(let conv): current = conv.forward(current)
            case .relu:
                if keepForBackward {
                    var mask = BitMask(count: 0)
                    ReLU.forward(&current, mask: &mask)
                    result.reluMasks[i] = mask
                } else {
                    ReLU.forward(&current)
                }
            case .pool:
                let shape = current.shape
                let (output, windows) = Pool2x2.forward(current, kind: pooling, recordWindows: keepForBackward)
                if keepForBackward { result.poolings[i] = (shape, windows) }
                current = output
            }
            if wanted.contains(layer.name) { result.taps[layer.name] = current }
        }
        return result
    }

    /// dL/dx from dL/d(tap) for some of the taps of a forward pass run with `keepForBackward`.
    ///
    /// Layers are fused where no tap gradient enters between them: a ReLU's backward into the convolution or
    /// pooling after it (zeroing the gradient as it is written), and a pooling's backward into the convolution
    /// before it (which then reads the pooled gradient through the windows instead of a stored 4x larger tensor).
    public func backward(_ activations: Activations, tapGradients: [String: Tensor]) throws -> Tensor {
        func missing() -> EngineError { .backward("backward needs a forward pass that kept its activations") }
        /// The mask of layer j if it is a ReLU whose backward can be fused into the layer after it.
        func fusibleMask(_ j: Int) throws -> BitMask? {
            guard j >= 0, case .relu = layers[j].kind, tapGradients[layers[j].name] == nil else { return nil }
            guard let mask = activations.reluMasks[j] else { throw missing() }
            return mask
        }
        var gradient: Tensor? = nil
        var i = activations.depth
        while i >= 0 {
            let layer = layers[i]
            if let g = tapGradients[layer.name] {
                if gradient == nil {
                    gradient = g
                } else {
                    add(g, into: &gradient!)
                }
            }
            guard gradient != nil else {
                i -= 1
                continue
            }
            switch layer.kind {
            case .conv(let conv):
                let mask = try fusibleMask(i - 1)
                gradient = conv.backward(outputGradient: gradient!, inputMask: mask)
                i -= mask == nil ? 1 : 2
            case .relu:
                guard let mask = activations.reluMasks[i] else { throw missing() }
                ReLU.backward(mask: mask, gradient: &gradient!)
                i -= 1
            case .pool:
                guard let (shape, windows) = activations.poolings[i] else { throw missing() }
                let reluMask = try fusibleMask(i - 1)
                // The layer that receives the pooling's input gradient.
                let j = reluMask == nil ? i - 1 : i - 2
                if j >= 0, case .conv(let conv) = layers[j].kind, tapGradients[layers[j].name] == nil {
                    let inputMask = try fusibleMask(j - 1)
                    gradient = conv.backward(pooledGradient: gradient!, poolInputShape: shape, windows: windows, kind: pooling,
                                             poolInputMask: reluMask, inputMask: inputMask)
                    i = inputMask == nil ? j - 1 : j - 2
                } else {
                    gradient = Pool2x2.backward(inputShape: shape, windows: windows, outputGradient: gradient!, kind: pooling,
                                                mask: reluMask)
                    i = j
                }
            }
        }
        guard let result = gradient else { throw EngineError.backward("backward: no gradient given for any tap") }
        return result
    }

    private func add(_ a: Tensor, into b: inout Tensor) {
        precondition(a.shape == b.shape, "tap gradient shape \(a.shape) does not match \(b.shape)")
        b.data.withUnsafeMutableBufferPointer { dst in
            a.data.withUnsafeBufferPointer { src in
                let (d, s) = (dst.baseAddress!, src.baseAddress!)
                parallelChunks(dst.count) { range in for i in range { d[i] += s[i] } }
            }
        }
    }
}

extension VGG {
    /// How many 2x2 poolings run before a layer's output.
    public func poolings(before index: Int) -> Int {
        layers[...index].filter { if case .pool = $0.kind { return true } else { return false } }.count
    }

    /// The output size of a layer for an input of the given size.
    public func spatialSize(of tap: String, inputWidth: Int, inputHeight: Int) throws -> (width: Int, height: Int, count: Int) {
        let pools = poolings(before: try index(of: tap))
        let (w, h) = (inputWidth >> pools, inputHeight >> pools)
        return (w, h, w * h)
    }

    /// The smallest side an input may have so that every given layer has at least one position.
    public func minimumInputSide(for taps: [String]) throws -> Int {
        1 << (try taps.map { poolings(before: try index(of: $0)) }.max() ?? 0)
    }
}

extension VGG {
    /// A fingerprint of the weights (64-bit FNV-1a over every kernel and bias, in layer order), so that a
    /// Gram file made with other weights is recognized as such instead of giving a wrong picture.
    public var fingerprint: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ values: [Float]) {
            values.withUnsafeBufferPointer { buffer in
                for v in buffer {
                    hash = (hash ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3
                }
            }
        }
        for layer in layers {
            if case .conv(let conv) = layer.kind {
                mix(conv.weight)
                mix(conv.bias)
            }
        }
        return String(hash, radix: 16, uppercase: false)
    }

    /// The input convention as text, for files that record how their features were made.
    public var preprocessingDescription: String {
        let order = input.bgr ? "BGR" : "RGB"
        let mean = input.mean.map { "\($0)" }.joined(separator: ",")
        let std = input.std.map { "\($0)" }.joined(separator: ",")
        return "\(order), 0..\(input.range), mean \(mean), std \(std), \(pooling.rawValue) pooling"
    }
}
