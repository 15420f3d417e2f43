import ArgumentParser
import Engine

/// The options every executable shares for the network: which weights, and how many cores.
public struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Network weights (default: $STYLIZE_WEIGHTS, else ~/.local/share/stylize/vgg16.safetensors).", valueName: "file"))
    public var weights: String?

    @Option(help: "Threads (default: all cores).")
    public var threads: Int?

    public init() {}

    public mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Sets the thread count and the allocator's reuse of freed memory, and loads the network.
    public func loadNetwork(pooling: PoolingKind = .max) throws -> VGG {
        if let threads { ThreadSettings.set(threads) }
        AllocatorSettings.reuseFreedMemory()
        return try VGG(path: try WeightsLocator.resolve(weights), pooling: pooling)
    }
}
