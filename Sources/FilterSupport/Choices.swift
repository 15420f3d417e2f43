import ArgumentParser
import Engine
import ImageIO
import Style

// The choices of the command lines, as ArgumentParser values: declared here so that Engine and Style stay
// free of ArgumentParser. A bad value is refused by the parser, naming the values allowed.

extension OptimizerKind: ExpressibleByArgument {}
extension PoolingKind: ExpressibleByArgument {}
extension FlowPreset: ExpressibleByArgument {}
extension GuidanceMode: ExpressibleByArgument {}
extension ColorChoice: ExpressibleByArgument {}

/// --init: where the optimization starts.
public enum StartChoice: ExpressibleByArgument, Equatable, Sendable {
    case content
    /// Uniform noise from --seed.
    case noise
    /// An image file (resized to the working size).
    case file(String)

    public init?(argument: String) {
        switch argument {
        case "content": self = .content
        case "noise": self = .noise
        case "": return nil
        default: self = .file(argument)
        }
    }

    public var defaultValueDescription: String {
        switch self {
        case .content: "content"
        case .noise: "noise"
        case .file(let path): path
        }
    }

    /// The start for `StylizeOptions`, reading the file now so that a bad one fails before any input is read.
    public func initialization() throws -> Initialization {
        switch self {
        case .content: return .content
        case .noise: return .noise
        case .file(let path):
            guard let image = try NetpbmReader(path: path).next() else { throw CommandError.noImageInFile(path) }
            return .image(image.rgb())
        }
    }
}

/// --backward-precision: the number format of the backward pass's Winograd products (`BackwardProducts`).
public enum BackwardPrecision: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// bfloat16 where the CPU has AVX-512 BF16 and runs it faster than float32 (AMD's), float32 elsewhere
    /// (`BackwardProducts.choice`).
    case auto
    case float32
    case bfloat16

    /// The products for this CPU; bfloat16 asked for on a CPU that cannot run it is an error naming the CPU's.
    public func resolved() throws -> BackwardProducts {
        switch self {
        case .auto: return .best
        case .float32: return .float32
        case .bfloat16:
            guard BackwardProducts.bfloat16.runsHere else {
                throw CommandError.badValue("--backward-precision bfloat16 needs a CPU with AVX-512 BF16; this one has \(InstructionLevel.cpu)")
            }
            return .bfloat16
        }
    }
}
