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
