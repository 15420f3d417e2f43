import ArgumentParser
import ImageIO

/// What can go wrong in an executable itself (not in a library it calls), with a message fit for
/// "program: message" (`description`).
public enum CommandError: Error, CustomStringConvertible {
    /// Standard input held no image.
    case noImageOnStandardInput
    /// A file named by an option holds no image.
    case noImageInFile(String)
    /// Binary output would go to a terminal.
    case standardOutputIsTerminal
    /// No weights were given and none are at the default place.
    case noWeights(path: String)
    /// An option's value that does not parse or does not fit the others (the message names the option or value).
    case badValue(String)
    /// The error that stopped image `number` of standard input.
    case image(Int, any Error)

    public var description: String {
        switch self {
        case .noImageOnStandardInput: "no image on standard input"
        case .noImageInFile(let path): "\(path): no image in file"
        case .standardOutputIsTerminal: "standard output is a terminal; redirect it to a file or a pipe (> out.ppm)"
        case .noWeights(let path): "no weights at \(path): run scripts/fetch-weights, or pass --weights FILE"
        case .badValue(let text): text
        case .image(let number, let error as NetpbmError): "image \(number): \(error.messageWithoutImage)"
        case .image(let number, let error): "image \(number): \(error)"
        }
    }

    /// Whether `error` says that standard output's reader went away (e.g. `| head`): a quiet end, not a failure.
    public static func isBrokenPipe(_ error: any Error) -> Bool {
        switch error {
        case let error as NetpbmError: error.kind == .brokenPipe
        case CommandError.image(_, let inner): isBrokenPipe(inner)
        default: false
        }
    }

    /// Arguments ArgumentParser did not recognize (an `@Argument(parsing: .allUnrecognized)`), refused in
    /// `validate()` as a usage error with the first one named: "unknown option --styl", rather than a later
    /// check failing for want of it.
    public static func refuseUnrecognized(_ arguments: [String]) throws {
        guard let first = arguments.first(where: { $0.hasPrefix("-") }) ?? arguments.first else { return }
        throw ValidationError(first.hasPrefix("-") ? "unknown option \(first)" : "unexpected argument \(first)")
    }
}
