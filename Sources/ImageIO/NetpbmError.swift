/// Why an image could not be read or written, or a stream could not be opened.
///
/// `kind` is what a caller branches on (a closed pipe on output is `.brokenPipe`: a reader such as `head`
/// went away, which a filter treats as a quiet end). `message` is terse and carries no program-name prefix,
/// so a command-line tool can print it as "stylize: <message>": it names the stream (`stream`: a path, or
/// "stdin"/"stdout"), then for a failure after the first image of a stream which image ("image 2"), then
/// `detail`.
public struct NetpbmError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The stream or file could not be opened or created.
        case open
        /// Bad, truncated or unreadable input.
        case read
        /// Output failed, or an image was refused before writing.
        case write
        /// Output failed because its reader closed the pipe (EPIPE).
        case brokenPipe
    }

    public let kind: Kind
    /// The stream as messages name it; empty when `detail` names it already (a path the C side reported).
    public let stream: String
    /// The 1-based number of the image within the stream when it is not the first, else nil.
    public let image: Int?
    public let detail: String
    /// What the stream is when it is not a Netpbm image at all (a JPEG, a Gram file...), else nil.
    public let fileKind: FileKind?

    public init(_ kind: Kind, stream: String, image: Int? = nil, detail: String, fileKind: FileKind? = nil) {
        self.kind = kind
        self.stream = stream
        self.image = image
        self.detail = detail
        self.fileKind = fileKind
    }

    /// "stream: image N: detail".
    public var message: String {
        (stream.isEmpty ? "" : "\(stream): ") + (image.map { "image \($0): " } ?? "") + detail
    }

    /// `message` without the image number: for a caller that names the image itself.
    public var messageWithoutImage: String {
        (stream.isEmpty ? "" : "\(stream): ") + detail
    }

    public var description: String { message }
}
