import Foundation

/// Messages on standard error, in netpbm's style: "program: message".
/// Standard output carries only images, so everything a person reads goes here.
public struct Diagnostics: Sendable {
    public let program: String
    public var quiet = false

    public init(program: String, quiet: Bool = false) {
        self.program = program
        self.quiet = quiet
    }

    /// Whether standard error is a terminal (then a progress bar is drawn in place).
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    public func message(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("\(program): \(text)\n".utf8))
    }

    /// Writes raw text (progress bars redraw a line with "\r").
    public func raw(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints "program: message" and exits with status 1. Errors are never silenced by --quiet.
    public func fail(_ text: String) -> Never {
        FileHandle.standardError.write(Data("\(program): \(text)\n".utf8))
        exit(1)
    }
}
