import Foundation
import ArgumentParser
import Engine

/// The options every executable shares for the network: which weights, and how many cores.
public struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Network weights (default: $STYLIZE_WEIGHTS, else ~/.local/share/stylize/vgg16.safetensors).", valueName: "file"))
    public var weights: String?

    @Option(parsing: .unconditional, help: "Threads (default: all cores).")
    public var threads: Int?

    public init() {}

    public mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Sets the OpenBLAS kernel for the CPU when nobody chose one (`BLASKernelChoice`), the thread count and the
    /// allocator's reuse of freed memory, and loads the network, its convolutions
    /// as `ConvolutionSettings.fromEnvironment()` says, their backward products in `backwardProducts`.
    public func loadNetwork(pooling: PoolingKind = .max, backwardProducts: BackwardProducts = .float32) throws -> VGG {
        BLASKernelChoice.adoptCPUKernel()
        if let threads { ThreadSettings.set(threads) }
        AllocatorSettings.reuseFreedMemory()
        var convolution = try ConvolutionSettings.fromEnvironment()
        convolution.backwardProducts = backwardProducts
        return try VGG(path: try WeightsLocator.resolve(weights), pooling: pooling, convolution: convolution)
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}

extension ConvolutionSettings {
    /// The settings with the algorithm named by the environment variable STYLIZE_CONV (automatic, im2col,
    /// winograd), so that any executable or test suite can be run on one convolution path; the defaults without it.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConvolutionSettings {
        guard let name = environment["STYLIZE_CONV"], !name.isEmpty else { return .defaults }
        guard let algorithm = ConvolutionAlgorithm(rawValue: name) else {
            throw CommandError.badValue("STYLIZE_CONV=\(name): expected \(ConvolutionAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ConvolutionSettings(algorithm: algorithm)
    }
}
