import CBLAS
import Foundation

/// How a 3x3 convolution is computed.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Per layer and direction, whichever is faster for its shape (see `Conv2D.prefersWinograd`).
    case automatic
    /// im2col + sgemm: the reference path.
    case im2col
    /// Winograd F(4x4, 3x3) for every shape.
    case winograd
}

/// How a network's convolutions run: a value held by each `Conv2D` (and the `VGG` built of them), never a
/// process-wide setting. Executables choose it (stylize-bench from its options, STYLIZE_CONV through
/// `NetworkOptions`); tests and benchmarks pin one path with `using(_:)`.
public struct ConvolutionSettings: Sendable, Equatable {
    /// `.automatic` except to measure or check one path.
    public var algorithm: ConvolutionAlgorithm = .automatic
    /// Upper bound for the scratch of one convolution (im2col columns, or Winograd tiles over all workers), in bytes.
    public var scratchBudget = 32 << 20
    /// The path of the backward pass, when it must differ from `algorithm` (nil: `algorithm`). `TiledObjective`
    /// pins both directions of each layer to the whole image's automatic choice, so that its crops round as
    /// the whole image does.
    public var backwardAlgorithm: ConvolutionAlgorithm? = nil
    /// The code of the Winograd transforms' loops: the C loops for this CPU's newest instruction set unless a
    /// benchmark or test forces one (every choice gives the same bits; it must run on this CPU).
    public var loops: TransformLoops = .best
    /// The number format of the backward pass's Winograd products: float32 unless an executable chooses
    /// bfloat16 (`BackwardProducts`; it must run on this CPU). The tests' bounds are float32's unless they say.
    public var backwardProducts: BackwardProducts = .float32

    public init(algorithm: ConvolutionAlgorithm = .automatic, scratchBudget: Int = 32 << 20, loops: TransformLoops = .best,
                backwardProducts: BackwardProducts = .float32) {
        self.algorithm = algorithm
        self.scratchBudget = scratchBudget
        self.loops = loops
        self.backwardProducts = backwardProducts
    }
    public static let defaults = ConvolutionSettings()
}

/// A 3x3 convolution, stride 1, zero padding 1, with bias: VGG's only kind of convolution.
///
/// Two algorithms compute it: im2col + one sgemm per tile of output rows (the reference, so the im2col
/// scratch stays bounded by about `settings.scratchBudget` bytes however large the image), and Winograd
/// F(4x4, 3x3) (Winograd.swift), a quarter of the multiplications, used wherever it is faster.
/// The input gradient of such a convolution is itself a 3x3 "same" convolution of the output gradient
/// with the kernel flipped in space and transposed in channels, so backward reuses the forward path.
public struct Conv2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// [outChannels, inChannels, 3, 3], i.e. a row-major outChannels x (inChannels*9) matrix.
    public let weight: [Float]
    public let bias: [Float]
    /// Derived kernels (flipped, Winograd-transformed), each built once on first use.
    let kernels: DerivedKernels

    /// The algorithm and scratch budget of `forward` and `backward`.
    public private(set) var settings: ConvolutionSettings

    public init(inChannels: Int, outChannels: Int, weight: [Float], bias: [Float], settings: ConvolutionSettings = .defaults) {
        precondition(weight.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
        self.settings = settings
        self.kernels = DerivedKernels()
    }

    /// The same convolution (sharing its derived kernels) with other settings.
    public func using(_ settings: ConvolutionSettings) -> Conv2D {
        var copy = self
        copy.settings = settings
        return copy
    }

    /// The same convolution on one path.
    public func using(_ algorithm: ConvolutionAlgorithm) -> Conv2D {
        var s = settings
        s.algorithm = algorithm
        s.backwardAlgorithm = nil
        return using(s)
    }

    /// The flipped, transposed kernel [inChannels, outChannels, 3, 3] of backward's im2col path.
    var backwardWeight: [Float] {
        kernels.get(.flipped) {
            var flipped = [Float](repeating: 0, count: weight.count)
            for o in 0..<outChannels {
                for i in 0..<inChannels {
                    for k in 0..<9 {
                        flipped[(i * outChannels + o) * 9 + (8 - k)] = weight[(o * inChannels + i) * 9 + k]
                    }
                }
            }
            return flipped
        }
    }

    /// Winograd kernel of forward, [36][outChannels][inChannels].
    var winogradForward: [Float] {
        kernels.get(.winogradForward) {
            Winograd.transformKernel(weight, outChannels: outChannels, inChannels: inChannels, flipped: false)
        }
    }

    /// Winograd kernel of backward (flipped and transposed), [36][inChannels][outChannels].
    var winogradBackward: [Float] {
        kernels.get(.winogradBackward) {
            Winograd.transformKernel(weight, outChannels: outChannels, inChannels: inChannels, flipped: true)
        }
    }

    /// The same, rounded to bfloat16 (for `BackwardProducts.bfloat16`): built from the float32 one, which
    /// is not kept for it.
    var winogradBackwardBFloat16: [UInt16] {
        kernels.get(.winogradBackwardBFloat16) {
            BackwardProducts.rounded(Winograd.transformKernel(weight, outChannels: outChannels, inChannels: inChannels, flipped: true))
        }
    }

    /// Backward's Winograd kernel in the format of `settings.backwardProducts`.
    var winogradBackwardKernel: Winograd.Kernel {
        switch settings.backwardProducts {
        case .float32: .float32(winogradBackward)
        case .bfloat16: .bfloat16(winogradBackwardBFloat16)
        }
    }

    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.channels == inChannels, "conv expects \(inChannels) channels, got \(input.channels)")
        if useWinograd(inChannels: inChannels, outChannels: outChannels, width: input.width, height: input.height, backward: false) {
            return Winograd.convolve(input, kernel: .float32(winogradForward), bias: bias, outChannels: outChannels,
                                     budget: settings.scratchBudget, loops: settings.loops)
        }
        return Conv2D.convolve(input, weight: weight, bias: bias, outChannels: outChannels, budget: settings.scratchBudget)
    }

    /// dL/d(input) given dL/d(output).
    public func backward(outputGradient: Tensor) -> Tensor {
        backward(outputGradient: outputGradient, inputMask: nil)
    }

    /// dL/d(input), zeroed wherever `inputMask` is clear: the backward of a ReLU before this convolution, fused
    /// (given that ReLU's mask from `ReLU.forward(_:mask:)`).
    public func backward(outputGradient: Tensor, inputMask: BitMask?) -> Tensor {
        precondition(outputGradient.channels == outChannels)
        let (w, h) = (outputGradient.width, outputGradient.height)
        if useWinograd(inChannels: outChannels, outChannels: inChannels, width: w, height: h, backward: true) {
            return Winograd.convolve(outputGradient, kernel: winogradBackwardKernel, bias: nil, outChannels: inChannels,
                                     budget: settings.scratchBudget, mask: inputMask, loops: settings.loops)
        }
        var gradient = Conv2D.convolve(outputGradient, weight: backwardWeight, bias: nil, outChannels: inChannels,
                                      budget: settings.scratchBudget)
        if let inputMask { ReLU.backward(mask: inputMask, gradient: &gradient) }
        return gradient
    }

    /// dL/d(input) when this convolution feeds a 2x2 pooling (through a ReLU with mask `poolInputMask`, if any):
    /// from the pooling's output gradient and windows, without storing the pooling's input gradient. On the
    /// Winograd path that gradient is made row by row inside the input transform (`UnpooledRows`); otherwise it
    /// is made whole by `Pool2x2.backward` first. `inputMask` as in `backward(outputGradient:inputMask:)`.
    func backward(pooledGradient: Tensor, poolInputShape shape: [Int], windows: PoolingWindows?, kind: PoolingKind,
                  poolInputMask: BitMask?, inputMask: BitMask?) -> Tensor {
        precondition(shape.count == 3 && shape[0] == outChannels)
        let (h, w) = (shape[1], shape[2])
        precondition(pooledGradient.shape == [outChannels, h / 2, w / 2])
        precondition(kind == .average || windows?.inputShape == shape, "max pooling backward needs the forward's windows")
        precondition(poolInputMask == nil || poolInputMask!.count == outChannels * h * w)
        guard pooledGradient.count > 0,
              useWinograd(inChannels: outChannels, outChannels: inChannels, width: w, height: h, backward: true) else {
            let g = Pool2x2.backward(inputShape: shape, windows: windows, outputGradient: pooledGradient, kind: kind,
                                     mask: poolInputMask)
            return backward(outputGradient: g, inputMask: inputMask)
        }
        let argmax = kind == .max ? windows!.argmax : []
        let maskWords = poolInputMask?.words ?? []
        return pooledGradient.data.withUnsafeBufferPointer { g in
            argmax.withUnsafeBufferPointer { a in
                maskWords.withUnsafeBufferPointer { m in
                    // (An empty array's buffer may still have an address.)
                    let rows = UnpooledRows(gradient: g.baseAddress!, argmax: kind == .max ? a.baseAddress : nil,
                                            mask: poolInputMask == nil ? nil : m.baseAddress,
                                            channels: outChannels, height: h, width: w)
                    return Winograd.convolve(rows, kernel: winogradBackwardKernel, bias: nil, outChannels: inChannels,
                                             budget: settings.scratchBudget, mask: inputMask, loops: settings.loops)
                }
            }
        }
    }

    /// Whether `settings.algorithm` picks Winograd for a convolution of this shape.
    func useWinograd(inChannels: Int, outChannels: Int, width: Int, height: Int, backward: Bool) -> Bool {
        switch backward ? settings.backwardAlgorithm ?? settings.algorithm : settings.algorithm {
        case .im2col: return false
        case .winograd: return true
        case .automatic: return Conv2D.prefersWinograd(inChannels: inChannels, outChannels: outChannels, width: width, height: height)
        }
    }

    /// The automatic choice, from measurements of both paths on VGG16's shapes (stylize-bench --layers, 2 cores):
    /// Winograd takes a half to a third of im2col's time wherever the sgemm's inner dimension (the input
    /// channels) is not tiny and there are enough 4x4 tiles to keep the products large: 2.5-3.5x on 64..512
    /// channels from 32x32 up, 5x on conv1_1's backward (64 -> 3 channels, whose im2col has 576 rows).
    /// im2col keeps conv1_1's forward (3 input channels: its single sgemm has k = 27, Winograd's would have
    /// k = 3) and maps of 16x16 or less (ties at 16x16, im2col 1.4x faster at 8x8).
    public static func prefersWinograd(inChannels: Int, outChannels: Int, width: Int, height: Int) -> Bool {
        let tiles = ((width + 3) / 4) * ((height + 3) / 4)
        return inChannels >= 16 && tiles > 16
    }

    /// out[o] = bias[o] + sum_i sum_k weight[o,i,k] * in[i] shifted by k, for a 3x3 kernel with zero padding 1.
    ///
    /// The output rows are cut into tiles whose im2col columns fit the workers' share of `budget` bytes;
    /// each worker takes tiles from a shared counter and runs im2col and a single-threaded sgemm on them, so
    /// both phases use every core.
    static func convolve(_ input: Tensor, weight: [Float], bias: [Float]?, outChannels: Int, budget: Int) -> Tensor {
        let (cin, h, w) = (input.channels, input.height, input.width)
        guard h > 0, w > 0, outChannels > 0 else { return Tensor(channels: outChannels, height: h, width: w) }
        let k = cin * 9
        let workers = max(1, ThreadSettings.workers)
        let (rowsPerTile, tiles) = RowTiling.even(rows: h, rowBytes: k * w * MemoryLayout<Float>.size,
                                                        budget: budget, workers: workers)
        let data = [Float].filled(count: outChannels * h * w) { out in
            input.data.withUnsafeBufferPointer { src in
                weight.withUnsafeBufferPointer { wt in
                    let counter = WorkCounter(tiles)
                    ThreadSettings.withSingleThreadedBLAS {
                        parallelFor(min(workers, tiles)) { _ in
                            ScratchPool.shared.with(k * rowsPerTile * w) { col in
                                while let tile = counter.take() {
                                    let row0 = tile * rowsPerTile
                                    let rows = min(rowsPerTile, h - row0)
                                    guard rows > 0 else { continue }
                                    let n = rows * w
                                    for c in 0..<cin {
                                        im2col(src.baseAddress!, channel: c, height: h, width: w, firstRow: row0, rows: rows, into: col)
                                    }
                                    let tileOut = out + row0 * w
                                    if let bias {
                                        for o in 0..<outChannels { (tileOut + o * h * w).update(repeating: bias[o], count: n) }
                                    }
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                                Int32(outChannels), Int32(n), Int32(k),
                                                1, wt.baseAddress!, Int32(k),
                                                col, Int32(n),
                                                bias == nil ? 0 : 1, tileOut, Int32(h * w))
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(channels: outChannels, height: h, width: w, data: data)
    }

    /// Fills col[(c*9 + ky*3 + kx), r*w + x] = in[c, row0 + r + ky - 1, x + kx - 1] (0 outside the image)
    /// for one channel c.
    static func im2col(_ src: UnsafePointer<Float>, channel c: Int, height h: Int, width w: Int,
                       firstRow row0: Int, rows: Int, into col: UnsafeMutablePointer<Float>) {
        let n = rows * w
        let plane = src + c * h * w
        for ky in 0..<3 {
            for kx in 0..<3 {
                let dst = col + (c * 9 + ky * 3 + kx) * n
                let dx = kx - 1
                for r in 0..<rows {
                    let y = row0 + r + ky - 1
                    let line = dst + r * w
                    if y < 0 || y >= h {
                        line.update(repeating: 0, count: w)
                        continue
                    }
                    let srcLine = plane + y * w
                    if dx == 0 {
                        line.update(from: srcLine, count: w)
                    } else if dx < 0 {
                        line[0] = 0
                        (line + 1).update(from: srcLine, count: w - 1)
                    } else {
                        line.update(from: srcLine + 1, count: w - 1)
                        line[w - 1] = 0
                    }
                }
            }
        }
    }
}

/// Kernels derived from a convolution's weights, built once on first use and shared by copies of the layer.
///
/// Built lazily so that a network only holds the transforms of the layers and directions it runs (forward-only
/// tools never build backward kernels; passes that stop at relu5_1 never transform conv5_2 and conv5_3).
final class DerivedKernels: @unchecked Sendable {
    enum Kind: Int { case flipped, winogradForward, winogradBackward, winogradBackwardBFloat16 }
    private let lock = NSLock()
    private var built: [Int: any Sendable] = [:]

    /// The kernel of `kind`, built by `build` on first use; `Element` must be the same for every use of a kind.
    func get<Element: Sendable>(_ kind: Kind, _ build: () -> [Element]) -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        if let kernel = built[kind.rawValue] { return kernel as! [Element] }
        let kernel = build()
        built[kind.rawValue] = kernel
        return kernel
    }
}
