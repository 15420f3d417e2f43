import ArgumentParser
import Engine

/// stylize-bench: the measurements behind scripts/bench-engine (`engine`, the default), scripts/bench-optimizer
/// (`objective`) and scripts/bench-video (`flicker`, `warp-error`). Errors are "stylize-bench: message" with exit status 1.
struct StylizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize-bench",
        abstract: "The benchmarks' measurements: engine speed, stylize's J served over pipes, the flicker and warping error of a stream.",
        subcommands: [EngineBenchCommand.self, ObjectiveCommand.self, PrintCommand.self, FlickerCommand.self, WarpErrorCommand.self],
        defaultSubcommand: EngineBenchCommand.self)
}

// As the filters do (NetworkOptions.loadNetwork): the OpenBLAS kernel for the CPU when nobody chose one, freed
// memory kept for reuse.
BLASKernelChoice.adoptCPUKernel()
AllocatorSettings.reuseFreedMemory()
StylizeBench.main()
