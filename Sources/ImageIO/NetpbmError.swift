/// Why an image could not be read or written, or a stream could not be opened.
///
/// `message` is terse and carries no program-name prefix, so a command-line tool can
/// print it as "stylize: <message>". It names the stream (a path, or "stdin"/"stdout"),
/// and for a failure after the first image of a stream also which image ("image 2").
public struct NetpbmError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
